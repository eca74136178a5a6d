"""The ``local`` engine: articles extracted by threads of this process (model calls overlap; one core)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from extractor.executors.loop import run_articles

if TYPE_CHECKING:
    from extractor.executors.base import ExecutorHost
    from extractor.pipeline import ArticleInput, Pipeline
    from extractor.records import Article, ArticleResult


class ThreadExecutor:
    """``threads`` articles at once through ``pipeline`` in this process."""

    def __init__(self, pipeline: Pipeline, threads: int) -> None:
        self.pipeline = pipeline
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="extractor-article")

    @classmethod
    def for_extractor(cls, extractor: ExecutorHost, *, workers: int, threads: int) -> ThreadExecutor:
        """The ``local`` engine's factory: ``workers`` is ignored (one process), ``threads`` run at once."""
        return cls(extractor.pipeline(), threads)

    workers = 1  # this process

    @property
    def budget_exhausted(self) -> bool:
        return self.pipeline.budget_exhausted

    def submit(self, article: Article) -> Future[ArticleResult]:
        return self._pool.submit(self.pipeline.process, article)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def local_stream(pipeline: Pipeline, items: Iterable[ArticleInput], concurrency: int) -> Iterator[ArticleResult]:
    """The batch loop over ``concurrency`` threads of this process, closed when the stream ends."""
    executor = ThreadExecutor(pipeline, concurrency)
    try:
        yield from run_articles(pipeline, executor, items, in_flight=2 * max(1, concurrency))
    finally:
        executor.close()
