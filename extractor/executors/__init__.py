"""Where articles run: executors behind one seam (``submit(article) -> Future``), and the one batch loop over them.

An executor only runs articles: ``submit`` hands one over and returns a future of its
output line; ``close`` stops it. Everything else a batch needs happens once, in
``loop.run_articles``: checking each input, bounding the work in flight, stopping at the
token budget, turning an article an executor lost (a dead worker process or Ray actor)
into its error line, and yielding every finished result before an input error is raised.
Ordering and resume are the writer's (``extractor.batch``).

Built-in engines (``ExtractorConfig.engine``): ``local`` (threads in this process),
``processes`` (worker processes, ``extractor.workers``) and ``ray`` (Ray actors,
``extractor.ray``, registered through the ``extractor.engines`` entry point group, which
is also how a plugin adds one). docs/executors.md shows a new engine in a few lines.
"""

from extractor.executors.base import Executor, ExecutorFactory, ExecutorHost
from extractor.executors.loop import in_flight, run_articles, settle, threads_per_worker
from extractor.executors.registry import available_engines, get_engine, register_engine
from extractor.executors.threads import ThreadExecutor, local_stream

__all__ = [
    "Executor",
    "ExecutorFactory",
    "ExecutorHost",
    "ThreadExecutor",
    "available_engines",
    "get_engine",
    "in_flight",
    "local_stream",
    "register_engine",
    "run_articles",
    "settle",
    "threads_per_worker",
]
