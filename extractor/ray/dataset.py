"""Extraction of a Ray Data dataset: an actor pool of ``ArticleExtractor``s, one ``Extractor`` per actor.

``extract_dataset`` maps a dataset of article rows to output records (``arrow_schema``)
with ``map_batches``; rows already done (``completed``) are dropped first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import ray

from extractor.api import Extractor
from extractor.articles import ArticleFailure
from extractor.config import ExtractorConfig
from extractor.executors import threads_per_worker
from extractor.llm import TokenBudget
from extractor.ray.cluster import RayEngineError, cluster_cpus
from extractor.ray.rows import row_article
from extractor.ray.schema import result_table
from extractor.ray.servers import NodeServerHandle, start_node_servers
from extractor.records import Article, ArticleResult

if TYPE_CHECKING:
    from extractor.strategies.base import Strategy

DEFAULT_BATCH_SIZE = 8
# CPUs an actor of ``extract_dataset`` reserves. Ray Data's read and write tasks need a CPU of
# their own to be scheduled; a pool as large as the cluster's CPU count reserving one each
# would starve them and never start (seen on a 2-CPU instance). Half leaves room; Ray does not
# cap what an actor really uses, so each still keeps a core busy.
DEFAULT_ACTOR_CPUS = 0.5


class ArticleExtractor:
    """One ``Extractor`` in one Ray actor: rows in, output records out (``map_batches``), or articles in, results out.

    ``threads`` articles of a batch are extracted at once (model calls overlap).
    """

    def __init__(
        self,
        config: ExtractorConfig,
        strategy: Strategy | None = None,
        servers: dict[str, Any] | None = None,
        threads: int = 1,
    ) -> None:
        from extractor.strategies import get_strategy

        server = None
        if servers:
            node_id = ray.get_runtime_context().get_node_id()
            if node_id not in servers:
                raise RayEngineError(f"node {node_id} has no embedded model server (it joined late): use base_url")
            server = NodeServerHandle(servers[node_id])
        strategy = strategy or get_strategy(config.strategy)
        budget = TokenBudget(config.token_budget)
        self.extractor = Extractor.replica(config, strategy, budget=budget, model_server=server)
        self.threads = max(1, threads)

    def extract_articles(self, articles: list[Article]) -> list[ArticleResult]:
        return list(self.extractor.extract_many(articles, concurrency=self.threads, workers=1))

    def __call__(self, batch: pa.Table) -> pa.Table:
        items = [row_article(row, index) for index, row in enumerate(batch.to_pylist())]
        return result_table(self.extractor.extract_many(items, concurrency=self.threads, workers=1))


def actor_threads(config: ExtractorConfig, strategy: Strategy, actors: int) -> int:
    """Threads in each actor: the run's concurrency split over the actors (``threads_per_worker``)."""
    concurrency = config.effective_concurrency(embedded=not config.remote)
    return threads_per_worker(concurrency, actors, strategy.uses_llm)


def extract_dataset(
    ds: ray.data.Dataset,
    config: ExtractorConfig,
    *,
    actors: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    skip: Iterable[tuple[str, str]] | None = None,
    actor_cpus: float = DEFAULT_ACTOR_CPUS,
    server_factory: Any = None,
) -> ray.data.Dataset:
    """Output records (``arrow_schema``) of a dataset of articles, extracted by an actor pool.

    ``actors``: how many (default: the cluster's CPUs), each reserving ``actor_cpus``
    (``DEFAULT_ACTOR_CPUS``). ``skip``: ``(id, text sha256)`` pairs already done
    (``completed(path, config)``), dropped before extraction. With no ``base_url`` and a
    model strategy, one embedded server starts per node first (``server_factory`` replaces
    ``LocalServer`` in tests).
    """
    from extractor.strategies import get_strategy

    strategy = get_strategy(config.strategy)
    actors = actors or cluster_cpus()
    servers = start_node_servers(config, server_factory) if strategy.uses_llm and not config.remote else None
    if skip is not None:
        done = frozenset(skip)
        ds = ds.filter(lambda row: not _is_done(row, done))
    return ds.map_batches(
        ArticleExtractor,
        fn_constructor_kwargs={
            "config": config, "strategy": strategy, "servers": servers,
            "threads": actor_threads(config, strategy, actors),
        },
        batch_size=batch_size,
        batch_format="pyarrow",
        concurrency=actors,
        num_cpus=actor_cpus,
    )  # fmt: skip


def _is_done(row: dict[str, Any], done: frozenset[tuple[str, str]]) -> bool:
    if row.get("error") or not isinstance(row.get("text"), str):
        return False
    item = row_article(row)
    if isinstance(item, ArticleFailure):
        return False
    from extractor.articles import sha256_text

    return (item.id, sha256_text(item.text)) in done
