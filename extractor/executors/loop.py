"""The batch loop, once for every engine: input checks, bounded work in flight, the budget, lost articles.

``run_articles`` pulls inputs lazily (at most ``in_flight`` articles are out at once, so
memory stays flat however many there are), writes the line of an input that is no article
itself, submits the rest to the executor and yields results as they finish. Once the token
budget is spent it takes no further input. If taking the next input fails (the caller's
iterator raised, or gave something that is no article), every result already running is
yielded first and the error is raised after them: finished work is never lost.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, as_completed, wait
from typing import TYPE_CHECKING

from extractor.articles import ArticleFailure
from extractor.errors import ArticleLost

if TYPE_CHECKING:
    from extractor.executors.base import Executor
    from extractor.pipeline import ArticleInput, Pipeline
    from extractor.records import Article, ArticleResult

_END = object()


def run_articles(
    pipeline: Pipeline, executor: Executor, items: Iterable[ArticleInput], *, in_flight: int
) -> Iterator[ArticleResult]:
    """One result per input, in finishing order; ``pipeline`` (the parent's) checks inputs and writes error lines."""
    in_flight = max(1, in_flight)
    pending: dict[Future[ArticleResult], Article] = {}
    inputs = iter(items)
    while not executor.budget_exhausted:
        try:
            item = next(inputs, _END)
            if item is _END:
                break
            article = pipeline.article(item)  # type: ignore[arg-type]  # anything else is refused: InputError
        except Exception:
            yield from _drain(pipeline, pending)
            raise
        if isinstance(article, ArticleFailure):
            yield pipeline.failed(article)
            continue
        pending[executor.submit(article)] = article
        while len(pending) >= in_flight:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield settle(pipeline, pending.pop(future), future)
    yield from _drain(pipeline, pending)


def settle(pipeline: Pipeline, article: Article, future: Future[ArticleResult]) -> ArticleResult:
    """A future's result, or the error line of an article its executor lost (``ArticleLost``)."""
    try:
        return future.result()
    except ArticleLost as exc:
        return pipeline.error_result(article, str(exc))


def _drain(pipeline: Pipeline, pending: dict[Future[ArticleResult], Article]) -> Iterator[ArticleResult]:
    for future in as_completed(list(pending)):
        yield settle(pipeline, pending.pop(future), future)


def in_flight(concurrency: int, workers: int, threads: int) -> int:
    """Articles out at once: twice what the executor runs, so none idles while the parent collects."""
    return 2 * max(concurrency, workers * threads)


def threads_per_worker(concurrency: int, workers: int, uses_llm: bool) -> int:
    """Articles each process or actor runs at once: the run's concurrency split over them; one without
    a model to wait on (a CPU-only strategy gains nothing from threads)."""
    return max(1, math.ceil(concurrency / max(1, workers))) if uses_llm else 1
