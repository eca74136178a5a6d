"""Extraction on a Ray cluster: actors that each hold one ``Extractor``, fed by Ray Data or by the CLI's batch.

Needs the optional extra ``extractor[ray]`` (Ray Data). Two ways in, one actor class
(``ArticleExtractor``: one ``Extractor`` per actor, so spaCy loads once per actor):

* **Python, for a Ray Data pipeline** (``extract_dataset``): any dataset whose rows hold
  ``text`` (and optionally ``id``, ``title``, ``published``, ``url``, as a JSON input
  record would) goes through ``map_batches`` with an actor pool, and comes out as one
  output record per row with the schema of the CLI's output lines (``arrow_schema``), ready
  for ``write_json`` or ``write_parquet``. ``read_articles`` reads files, folders, JSONL
  and JSON on the cluster with the CLI's own readers (same ids, same error records), and
  ``completed`` collects what an earlier output already holds, so ``extract_dataset(...,
  skip=completed(path, config))`` resumes (the CLI's rule: same id, text and run
  fingerprint). A failed article is an error record, never a failed job.

      import ray
      from extractor import ExtractorConfig
      from extractor.ray import completed, extract_dataset, read_articles
      ds = ray.data.read_parquet("/data/articles/")        # or read_articles(["/data/articles/"])
      config = ExtractorConfig(strategy="guided", base_url="http://llm:8000/v1")
      extract_dataset(ds, config, skip=completed("/data/claims/", config)).write_parquet("/data/claims/")

* **The CLI** (``extractor extract --engine ray [--ray-address ADDR]``): ``RayEngine`` is
  an engine of the batch runner like the local ones, so the output file keeps every
  guarantee (atomic lines, ``--resume``, the summary): the driver reads the inputs and
  writes the one output; the actors extract, ``batch_size`` articles per call, at most
  two calls queued per actor.

The model endpoint is a shared ``base_url``, or, with none configured, the embedded
model: then one server per node (``NodeServer``, a Ray actor pinned to its node that
owns the llama.cpp process and restarts it if it dies), never one per actor; actors
address the server on their own node. Nodes that join after the start get none, so an
autoscaling cluster needs ``base_url``. The response cache and result store are shared
when ``cache_dir`` is on a filesystem every node sees (diskcache is process-safe), and
are per node otherwise. The token budget is charged by the CLI's driver as results
arrive (the run stops taking input once it is spent; overshoot at most the articles in
flight); ``extract_dataset`` gives each actor the whole budget as its own cap.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import types
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from extractor.api import Extractor
from extractor.articles import ArticleFailure, FieldMap, article_from_json, iter_input_files
from extractor.articles import read_articles as read_article_files
from extractor.config import ExtractorConfig
from extractor.errors import ExtractorError
from extractor.llm import TokenBudget
from extractor.records import Article, ArticleResult

try:
    import pyarrow as pa
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("extractor.ray needs Ray Data: pip install 'extractor[ray]'") from exc

if TYPE_CHECKING:
    from extractor.pipeline import ArticleInput
    from extractor.strategies.base import Strategy

DEFAULT_BATCH_SIZE = 8
# CPUs an actor of ``extract_dataset`` reserves. Ray Data's read and write tasks need a CPU of
# their own to be scheduled; a pool as large as the cluster's CPU count reserving one each
# would starve them and never start (seen on a 2-CPU instance). Half leaves room; Ray does not
# cap what an actor really uses, so each still keeps a core busy.
DEFAULT_ACTOR_CPUS = 0.5
NAMESPACE = "extractor"
# Columns of an article row (``read_articles``): the ``Article`` fields, ``meta`` as JSON text (its
# keys vary from record to record, which a columnar block cannot hold as a struct), and ``error``,
# set when the input could not be read.
ARTICLE_COLUMNS = (*Article.model_fields, "error")


class RayEngineError(ExtractorError, RuntimeError):
    """Ray could not be started or reached, or its actors could not start."""


# -- article rows ------------------------------------------------------------------------------


def article_row(item: Article | ArticleFailure) -> dict[str, Any]:
    """An article (or an input that is none) as a Ray Data row."""
    if isinstance(item, ArticleFailure):
        return {**dict.fromkeys(ARTICLE_COLUMNS), "id": item.id, "source": item.source, "error": item.message}
    row = item.model_dump(mode="json")
    row["meta"] = json.dumps(row["meta"], ensure_ascii=False) if row.get("meta") is not None else None
    return {**row, "error": None}


def row_article(row: dict[str, Any], index: int = 0) -> Article | ArticleFailure:
    """A Ray Data row as an article: an ``article_row``, or any record read as a JSON input record is.

    A record of the user's own dataset maps like a JSONL line (``id``, ``text``, ``title``,
    ``published``, ``url``; other columns go to ``meta``); without an id it is ``row N``.
    """
    if set(row) >= set(ARTICLE_COLUMNS):
        if row["error"]:
            return ArticleFailure(str(row["id"]), str(row["source"]), str(row["error"]))
        fields = {key: row[key] for key in Article.model_fields}
        fields["meta"] = json.loads(fields["meta"]) if fields["meta"] else None
        return Article.model_validate(fields)
    where = str(row.get("source") or f"row {index}")
    record = {key: _plain(value) for key, value in row.items() if value is not None}
    return article_from_json(record, where)


def _plain(value: Any) -> Any:
    """Arrow's values as JSON's: dates as ISO text (the reader parses them), arrays as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_article_chars: int | None = None,
    fields: FieldMap | None = None,
) -> ray.data.Dataset:
    """Article rows (``ARTICLE_COLUMNS``) of files and folders, read on the cluster by the CLI's readers.

    The driver only lists the files; each is read in a Ray task, so the paths must be
    visible to every node (a shared filesystem) or the cluster must be this machine.
    Relative paths are made absolute first (a Ray worker's working folder is its own), so
    ids are absolute paths here where the CLI's are the paths as given.
    """
    listed = [
        {"path": str(item.absolute())} if isinstance(item, Path) else article_row(item)
        for item in iter_input_files([Path(p).absolute() for p in paths])
    ]
    limit = max_article_chars or ExtractorConfig().max_article_chars

    def read(row: dict[str, Any]) -> list[dict[str, Any]]:
        if row.get("path") is None:  # a listing failure (no such file), or the empty placeholder
            return [{column: row.get(column) for column in ARTICLE_COLUMNS}] if row.get("error") else []
        items = read_article_files([row["path"]], max_chars=limit, fields=fields)
        return [article_row(item) for item in items]

    return ray.data.from_items(listed or [{"path": None}]).flat_map(read)


# -- the output schema -------------------------------------------------------------------------


def arrow_schema(model: type[BaseModel] = ArticleResult) -> pa.Schema:
    """The Arrow schema of output records (of ``model``): the JSONL line's fields, dates as ISO strings."""
    return pa.schema([pa.field(name, _arrow_type(field.annotation)) for name, field in model.model_fields.items()])


def _arrow_type(annotation: Any) -> pa.DataType:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _arrow_type(inner)
    if origin is Literal:
        return pa.string()
    if origin is list:
        return pa.list_(_arrow_type(args[0]))
    if origin is dict:  # free-form (``meta``): JSON text, its keys vary from record to record
        return pa.string()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([pa.field(n, _arrow_type(f.annotation)) for n, f in annotation.model_fields.items()])
    if isinstance(annotation, type) and issubclass(annotation, bool):
        return pa.bool_()
    if isinstance(annotation, type) and issubclass(annotation, int):
        return pa.int64()
    if isinstance(annotation, type) and issubclass(annotation, float):
        return pa.float64()
    if isinstance(annotation, type) and issubclass(annotation, str | dt.date):  # StrEnum, dates (ISO text)
        return pa.string()
    raise TypeError(f"no Arrow type for {annotation!r}")


def result_table(results: Iterable[ArticleResult]) -> pa.Table:
    """Output records as an Arrow table of ``arrow_schema()`` (what ``write_parquet`` stores); ``meta`` as JSON text."""
    rows = []
    for result in results:
        row = result.model_dump(mode="json")
        if row.get("meta") is not None:
            row["meta"] = json.dumps(row["meta"], ensure_ascii=False)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=arrow_schema())


# -- the embedded server, one per node ---------------------------------------------------------


class NodeServer:
    """The embedded model server of one node (a Ray actor pinned there): starts it, restarts it, stops it."""

    def __init__(self, local_model: str, server_factory: Any = None) -> None:
        if server_factory is None:
            from extractor.local_model import LocalServer

            self.server = LocalServer(local_model).start()
        else:
            self.server = server_factory()
            self.server.start()

    def address(self) -> dict[str, Any]:
        return {
            "base_url": self.server.base_url,
            "model_name": self.server.model_name,
            "endpoint_label": getattr(self.server, "endpoint_label", None),
        }

    def restarts(self) -> int:
        return int(self.server.restarts)

    def alive(self) -> bool:
        return bool(self.server.alive())

    def ensure_running(self) -> bool:
        return bool(self.server.ensure_running())

    def stop(self) -> None:
        self.server.stop()


class NodeServerHandle:
    """A node's server as the pipeline in an actor supervises it (``SupervisedServer``): calls to its actor."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        address = ray.get(actor.address.remote())
        self.base_url: str = address["base_url"]
        self.model_name: str = address["model_name"]
        self.endpoint_label: str | None = address["endpoint_label"]

    @property
    def restarts(self) -> int:
        return ray.get(self.actor.restarts.remote())

    def alive(self) -> bool:
        return ray.get(self.actor.alive.remote())

    def healthy(self) -> bool:
        from extractor.workers import ServerHandle

        return ServerHandle.healthy(self)  # type: ignore[arg-type]  # the same HTTP probe

    def ensure_running(self) -> bool:
        return ray.get(self.actor.ensure_running.remote())


def start_node_servers(config: ExtractorConfig, server_factory: Any = None) -> dict[str, Any]:
    """One ``NodeServer`` actor per alive node, by node id (owned by the caller: they stop with its job)."""
    remote = ray.remote(num_cpus=0, max_concurrency=4)(NodeServer)
    servers = {}
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        node_id = node["NodeID"]
        servers[node_id] = remote.options(
            name=f"extractor-server-{node_id}",
            namespace=NAMESPACE,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
        ).remote(config.local_model, server_factory)
    # Start them all before any actor asks: a server that cannot start fails the run here.
    try:
        ray.get([server.address.remote() for server in servers.values()])
    except ray.exceptions.RayActorError as exc:
        raise RayEngineError(f"the embedded model server could not start on a node: {exc}") from None
    return servers


# -- the actor ---------------------------------------------------------------------------------


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
        self.extractor = Extractor._in_worker(config, strategy, budget, server)  # type: ignore[arg-type]
        self.threads = max(1, threads)

    def extract_articles(self, articles: list[Article]) -> list[ArticleResult]:
        return list(self.extractor.extract_many(articles, concurrency=self.threads, workers=1))

    def __call__(self, batch: pa.Table) -> pa.Table:
        items = [row_article(row, index) for index, row in enumerate(batch.to_pylist())]
        return result_table(self.extractor.extract_many(items, concurrency=self.threads, workers=1))


def _threads(config: ExtractorConfig, strategy: Strategy, actors: int) -> int:
    if not strategy.uses_llm:
        return 1
    concurrency = config.effective_concurrency(embedded=not config.remote)
    return max(1, math.ceil(concurrency / actors))


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


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
            "config": config, "strategy": strategy, "servers": servers, "threads": _threads(config, strategy, actors),
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


def run_fingerprint(config: ExtractorConfig) -> tuple[str, str | None, str | None]:
    """(strategy, model, prompt version) of the lines ``config`` makes: what resume compares, besides the article."""
    from extractor.strategies import get_strategy

    strategy = get_strategy(config.strategy)
    model = None
    if strategy.uses_llm:
        model = config.effective_model() if config.remote else config.local_model
    return strategy.name, model, getattr(strategy, "prompt_version", None)


def completed(output: str | os.PathLike[str], config: ExtractorConfig | None = None) -> set[tuple[str, str]]:
    """``(id, text sha256)`` of the ``ok`` records of an earlier output: a JSONL file, or a folder of JSON/Parquet.

    With ``config``, only records that run would make again (same strategy, model and prompt
    version: the CLI's ``--resume`` rule) count as done; the rest are redone.
    """
    path = Path(output)
    if not path.exists():
        return set()
    wanted = run_fingerprint(config) if config is not None else None
    done: set[tuple[str, str]] = set()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        for record in _records(file):
            if record.get("status") != "ok" or not record.get("text_sha256"):
                continue
            made_by = (record.get("strategy"), record.get("model"), record.get("prompt_version"))
            if wanted is None or made_by == wanted:
                done.add((str(record["id"]), str(record["text_sha256"])))
    return done


def _records(file: Path) -> list[dict[str, Any]]:
    columns = ["id", "status", "text_sha256", "strategy", "model", "prompt_version"]
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(file, columns=columns).to_pylist()
    if file.suffix not in {".json", ".jsonl"}:
        return []
    records = []
    with file.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line: that article is redone
    return records


# -- the CLI's engine --------------------------------------------------------------------------


def connect(address: str | None, *, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address`` ("auto": the one this machine belongs to), or start a local instance."""
    if ray.is_initialized():
        return
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "namespace": NAMESPACE}
    if address:
        options["address"] = address
    else:
        from extractor.config import usable_cores

        options["num_cpus"] = num_cpus or usable_cores()
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise RayEngineError(f"cannot start or reach {where}: {str(exc).splitlines()[0]}") from None


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
        threads = _threads(self.config, self.strategy, count)
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

