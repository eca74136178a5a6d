"""The CLI's engine on Ray (``extractor extract --engine ray``): articles from the driver, extracted by actors.

``RayEngine`` is an engine of the batch runner like the local ones, so the output file
keeps every guarantee (atomic lines, ``--resume``, the summary): the driver reads the
inputs and writes the one output; the actors extract, ``batch_size`` articles per
call, at most two calls queued per actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import ray

from extractor.api import Extractor
from extractor.articles import ArticleFailure
from extractor.config import ExtractorConfig
from extractor.ray.cluster import RayEngineError, cluster_cpus
from extractor.ray.dataset import DEFAULT_BATCH_SIZE, ArticleExtractor, actor_threads
from extractor.ray.servers import NodeServerHandle, start_node_servers
from extractor.records import Article, ArticleResult

if TYPE_CHECKING:
    from extractor.pipeline import ArticleInput


class RayEngine:
    """The batch runner's engine on Ray: articles from the driver, extracted by an actor pool.

    ``extractor`` (the driver's) checks each input and writes the lines of inputs that are
    no article; it never starts a model server itself when the nodes run the embedded one.
    """

    def __init__(
        self,
        config: ExtractorConfig,
        *,
        actors: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        server_factory: Any = None,
    ) -> None:
        from extractor.strategies import get_strategy

        self.config = config
        self.strategy = get_strategy(config.strategy)
        self.actors_wanted = actors
        self.batch_size = max(1, batch_size)
        self.server_factory = server_factory
        self._servers: dict[str, Any] | None = None
        self._actors: list[Any] = []
        self._driver: Extractor | None = None
        self._spent = 0

    # -- what the batch runner reads -----------------------------------------------------------

    @property
    def budget_limit(self) -> int | None:
        return self.config.token_budget

    @property
    def budget_exhausted(self) -> bool:
        return self.budget_limit is not None and self._spent >= self.budget_limit

    @property
    def server_restarts(self) -> int:
        if not self._servers:
            return 0
        return sum(ray.get([server.restarts.remote() for server in self._servers.values()]))

    def run_identity(self) -> dict[str, str | None]:
        """``strategy``, ``model`` and ``prompt_version`` of the lines the actors make (what resume compares)."""
        if self._driver is None:
            self.start()
        assert self._driver is not None
        return self._driver.run_identity()

    @property
    def actors(self) -> list[Any]:
        return self._actors

    @property
    def embedded(self) -> bool:
        return self.strategy.uses_llm and not self.config.remote

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> RayEngine:
        """Start the node servers (embedded model) and the actors; errors here are the run's, not an article's."""
        if self.embedded:
            self._servers = start_node_servers(self.config, self.server_factory)
        head = NodeServerHandle(self._servers[ray.get_runtime_context().get_node_id()]) if self._servers else None
        self._driver = Extractor._in_worker(self.config, self.strategy, None, head)  # type: ignore[arg-type]
        count = self.actors_wanted or cluster_cpus()
        threads = actor_threads(self.config, self.strategy, count)
        actor = ray.remote(num_cpus=1, max_restarts=1)(ArticleExtractor)
        self._actors = [actor.remote(self.config, self.strategy, self._servers, threads) for _ in range(count)]
        # Each actor answers once it has built its Extractor: a broken setup fails here, once.
        try:
            ray.get([a.__ray_ready__.remote() for a in self._actors])
        except ray.exceptions.RayActorError as exc:
            raise RayEngineError(f"the extraction actors could not start: {exc}") from None
        return self

    def close(self) -> None:
        for handle in [*self._actors, *(self._servers or {}).values()]:
            ray.kill(handle)
        self._actors, self._servers = [], None
        if self._driver is not None:
            self._driver.close()

    def __enter__(self) -> RayEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- extraction ----------------------------------------------------------------------------

    def extract_many(self, items: Iterable[ArticleInput], *, concurrency: int = 1) -> Iterator[ArticleResult]:
        """One result per input, in finishing order; ``batch_size`` articles per actor call, two calls per actor."""
        if self._driver is None:
            self.start()
        assert self._driver is not None
        pipeline = self._driver.pipeline()
        calls: dict[Any, tuple[int, list[Article]]] = {}
        queued = [0] * len(self._actors)
        batch: list[Article] = []

        def send(articles: list[Article]) -> None:
            index = min(range(len(self._actors)), key=queued.__getitem__)
            queued[index] += 1
            calls[self._actors[index].extract_articles.remote(articles)] = (index, articles)

        def collect(block: bool) -> Iterator[ArticleResult]:
            ready, _ = ray.wait(list(calls), num_returns=1, timeout=None if block else 0)
            for ref in ready:
                index, articles = calls.pop(ref)
                queued[index] -= 1
                try:
                    results = ray.get(ref)
                except (ray.exceptions.RayActorError, ray.exceptions.RayTaskError) as exc:
                    message = (
                        f"the Ray actor extracting this article failed ({type(exc).__name__}); rerun with --resume"
                    )
                    results = [pipeline.error_result(article, message) for article in articles]
                for result in results:
                    self._spent += result.usage.prompt_tokens + result.usage.completion_tokens
                    yield result

        for item in items:
            if self.budget_exhausted:
                break
            article = pipeline.article(item)
            if isinstance(article, ArticleFailure):
                yield pipeline.failed(article)
                continue
            batch.append(article)
            if len(batch) >= self.batch_size:
                send(batch)
                batch = []
                while len(calls) >= 2 * len(self._actors):
                    yield from collect(block=True)
                yield from collect(block=False)
        if batch and not self.budget_exhausted:
            send(batch)
        while calls:
            yield from collect(block=True)
