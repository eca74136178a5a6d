"""The executor seam: what every place articles run in offers (``submit`` and ``close``), and how one is made."""

from __future__ import annotations

from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from extractor.config import ExtractorConfig
    from extractor.llm import TokenBudget
    from extractor.local_model import ModelEndpoint
    from extractor.pipeline import Pipeline
    from extractor.records import Article, ArticleResult
    from extractor.strategies.base import Strategy
    from extractor.workers import EngineFactory


class Executor(Protocol):
    """Runs articles somewhere: threads, worker processes, Ray actors, or a plugin's own engine.

    ``submit`` returns a future of the article's output line. A future that fails with
    ``extractor.errors.ArticleLost`` means the article was lost on its way (its process or
    actor died): the batch loop writes its error line. Any other exception stops the batch.
    ``budget_exhausted`` says when the token budget is spent (no further input is taken).
    """

    @property
    def budget_exhausted(self) -> bool: ...
    @property
    def workers(self) -> int:
        """Processes or actors running articles (1 for threads of this process)."""
        ...

    def submit(self, article: Article) -> Future[ArticleResult]: ...

    def close(self) -> None: ...


class ExecutorHost(Protocol):
    """What an executor is built from: the parent ``Extractor`` (named by this protocol, since the
    library's front door sits above its executors)."""

    config: ExtractorConfig
    strategy: Strategy

    @property
    def token_budget(self) -> TokenBudget | None:
        """The batch's budget (shared memory when limited, so processes can share it); None before connecting."""
        ...

    @property
    def model_server(self) -> ModelEndpoint | None:
        """The embedded model server this process runs (None: an endpoint, no model, or not started)."""
        ...

    def pipeline(self) -> Pipeline: ...

    def replica_factory(self) -> EngineFactory:
        """A picklable callable that builds this extractor's twin in another process, given the model server."""
        ...

    def attach_model_server(self, server: ModelEndpoint) -> None:
        """Address ``server`` (started elsewhere, e.g. on a Ray node) instead of starting an embedded one."""
        ...


class ExecutorFactory(Protocol):
    """Builds an executor for ``extractor`` (the parent: its config, strategy, budget and model server).

    ``workers``: processes or actors wanted (from ``ExtractorConfig.workers``); ``threads``:
    articles each of them runs at once (model calls overlap; one for a CPU-only strategy).
    """

    def __call__(self, extractor: ExecutorHost, *, workers: int, threads: int) -> Executor: ...
