"""The ``ray`` engine: articles extracted by a pool of Ray actors, each holding one ``Extractor``.

``RayExecutor`` is an executor like the local ones (``submit(article) -> Future``), so
``Extractor(engine="ray")``, ``extractor extract --engine ray`` and ``extractor serve
--engine ray`` all run the one batch loop (``extractor.executors``) and keep every
guarantee of the output file. The driver (this process) reads the inputs and writes the
output; each actor extracts the articles it is sent, ``threads`` at a time. With the
embedded model one server runs per node (``start_node_servers``) and the driver's
extractor addresses its own node's. The token budget is charged here as results arrive:
once it is spent no further input is taken (overshoot at most the articles in flight).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import ray

from extractor.errors import ArticleLost
from extractor.executors import ExecutorHost, threads_per_worker
from extractor.ray.cluster import RayEngineError, cluster_cpus, connect
from extractor.ray.dataset import ArticleExtractor
from extractor.ray.servers import NodeServerHandle, start_node_servers

if TYPE_CHECKING:
    from extractor.config import ExtractorConfig
    from extractor.records import Article, ArticleResult
    from extractor.strategies.base import Strategy

ACTOR_LOST_MESSAGE = "the Ray actor extracting this article failed ({kind}); rerun with --resume"


class RayExecutor:
    """``actors`` Ray actors (default: the cluster's CPUs), each running ``threads`` articles at once."""

    def __init__(
        self,
        config: ExtractorConfig,
        strategy: Strategy,
        *,
        actors: int | None = None,
        threads: int | None = None,
        server_factory: Any = None,
    ) -> None:
        self.config = config
        self.strategy = strategy
        self._started_ray = not ray.is_initialized() and not config.ray_address
        connect(config.ray_address)
        self._lock = threading.Lock()
        self._spent = 0
        self._servers: dict[str, Any] | None = None
        self._actors: list[Any] = []
        self._outstanding: list[int] = []
        try:
            self._start(actors, threads, server_factory)
        except BaseException:
            self.close()
            raise

    @classmethod
    def for_extractor(cls, extractor: ExecutorHost, *, workers: int, threads: int) -> RayExecutor:
        """The ``ray`` engine's factory: ``workers`` actors ("auto": the cluster's CPUs); the driver
        addresses its own node's embedded server when there is one."""
        actors = None if extractor.config.workers == "auto" else workers
        executor = cls(extractor.config, extractor.strategy, actors=actors, threads=threads if actors else None)
        if executor.head_server is not None:
            extractor.attach_model_server(executor.head_server)
        return executor

    def _start(self, actors: int | None, threads: int | None, server_factory: Any) -> None:
        embedded = self.strategy.uses_llm and not self.config.remote
        if embedded:
            self._servers = start_node_servers(self.config, server_factory)
        count = actors or cluster_cpus()
        if threads is None:
            concurrency = self.config.effective_concurrency(embedded)
            threads = threads_per_worker(concurrency, count, self.strategy.uses_llm)
        actor = ray.remote(num_cpus=1, max_restarts=1)(ArticleExtractor)
        self._actors = [actor.remote(self.config, self.strategy, self._servers, threads) for _ in range(count)]
        self._outstanding = [0] * count
        # Each actor answers once it has built its Extractor: a broken setup fails here, once.
        try:
            ray.get([a.__ray_ready__.remote() for a in self._actors])
        except ray.exceptions.RayActorError as exc:
            raise RayEngineError(f"the extraction actors could not start: {exc}") from None

    @property
    def head_server(self) -> NodeServerHandle | None:
        """This node's embedded model server (None with an endpoint or a strategy without a model)."""
        if not self._servers:
            return None
        return NodeServerHandle(self._servers[ray.get_runtime_context().get_node_id()])

    @property
    def actors(self) -> list[Any]:
        return self._actors

    @property
    def workers(self) -> int:
        return len(self._actors)

    @property
    def budget_exhausted(self) -> bool:
        limit = self.config.token_budget
        return limit is not None and self._spent >= limit

    @property
    def server_restarts(self) -> int:
        if not self._servers:
            return 0
        return sum(ray.get([server.restarts.remote() for server in self._servers.values()]))

    def submit(self, article: Article) -> Future[ArticleResult]:
        """Send ``article`` to the actor with the fewest outstanding; a failed actor call is ``ArticleLost``."""
        future: Future[ArticleResult] = Future()
        with self._lock:
            index = min(range(len(self._actors)), key=self._outstanding.__getitem__)
            self._outstanding[index] += 1
            call = self._actors[index].extract_articles.remote([article]).future()

        def done(call: Future[list[ArticleResult]]) -> None:
            with self._lock:
                self._outstanding[index] -= 1
            try:
                (result,) = call.result()
            except (ray.exceptions.RayActorError, ray.exceptions.RayTaskError) as exc:
                future.set_exception(ArticleLost(ACTOR_LOST_MESSAGE.format(kind=type(exc).__name__)))
                return
            except BaseException as exc:  # anything else stops the batch, as in the other engines
                future.set_exception(exc)
                return
            with self._lock:
                self._spent += result.usage.prompt_tokens + result.usage.completion_tokens
            future.set_result(result)

        call.add_done_callback(done)
        return future

    def close(self) -> None:
        """Stop the actors and node servers (and the local Ray instance, when this executor started it)."""
        for handle in [*self._actors, *(self._servers or {}).values()]:
            ray.kill(handle)
        self._actors, self._servers = [], None
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
