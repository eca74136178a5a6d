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

* **The library, the CLI and the service** (``Extractor(engine="ray", ray_address=...)``,
  ``extractor extract --engine ray [--ray-address ADDR]``, ``extractor serve --engine ray``):
  ``RayExecutor`` is an executor like the local ones, so the one batch loop runs over it and
  the output file keeps every guarantee (atomic lines, ``--resume``, the summary): the
  driver reads the inputs and writes the one output; the actors extract.

The model endpoint is a shared ``base_url``, or, with none configured, the embedded
model: then one server per node (``NodeServer``, a Ray actor pinned to its node that
owns the llama.cpp process and restarts it if it dies), never one per actor; actors
address the server on their own node. Nodes that join after the start get none, so an
autoscaling cluster needs ``base_url``. The response cache and result store are shared
when ``cache_dir`` is on a filesystem every node sees (diskcache is process-safe), and
are per node otherwise. The token budget is charged by the CLI's driver as results
arrive (the run stops taking input once it is spent; overshoot at most the articles in
flight); ``extract_dataset`` gives each actor the whole budget as its own cap.

Modules: ``dataset`` (the actor class and ``extract_dataset``), ``executor`` (``RayExecutor``,
the ``ray`` engine), ``servers`` (one embedded server per node), ``rows`` (article rows,
``read_articles``), ``schema`` (the output as Arrow), ``resume`` (``completed``),
``cluster`` (``connect``, the namespace, ``RayEngineError``).
"""

try:
    import pyarrow as pa
    import ray
except ImportError as exc:  # pragma: no cover - the extra is missing
    raise ImportError("extractor.ray needs Ray Data: pip install 'extractor[ray]'") from exc

from extractor.ray.cluster import NAMESPACE, RayEngineError, cluster_cpus, connect
from extractor.ray.dataset import (
    DEFAULT_ACTOR_CPUS,
    DEFAULT_BATCH_SIZE,
    ArticleExtractor,
    actor_threads,
    extract_dataset,
)
from extractor.ray.executor import RayExecutor
from extractor.ray.resume import completed
from extractor.ray.rows import ARTICLE_COLUMNS, article_row, read_articles, row_article
from extractor.ray.schema import arrow_schema, result_table
from extractor.ray.servers import NodeServer, NodeServerHandle, start_node_servers

__all__ = [
    "ARTICLE_COLUMNS",
    "DEFAULT_ACTOR_CPUS",
    "DEFAULT_BATCH_SIZE",
    "NAMESPACE",
    "ArticleExtractor",
    "NodeServer",
    "NodeServerHandle",
    "RayEngineError",
    "RayExecutor",
    "actor_threads",
    "arrow_schema",
    "article_row",
    "cluster_cpus",
    "completed",
    "connect",
    "extract_dataset",
    "pa",
    "ray",
    "read_articles",
    "result_table",
    "row_article",
    "start_node_servers",
]
