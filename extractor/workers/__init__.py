"""Extraction in several processes: worker processes holding an engine each, fed and read by one parent.

One Python process uses one core, and the default pipeline is CPU-bound (a spaCy parse per
article). ``WorkerPool`` starts ``workers`` processes with the ``spawn`` start method (a fresh
interpreter: no threads, locks or open clients inherited from the parent); each builds its
engine once (an ``Extractor``, so spaCy loads once per process) and extracts the articles it
is sent, ``threads`` at a time (threads overlap model calls; a CPU-only strategy gets one).

The parent keeps everything that must exist once: the input stream, the output writer (the
batch loop, ``extractor.executors``, submits to the pool as to any executor), the token budget (``SharedTokenBudget``:
a counter in shared memory that every worker charges after, and checks before, each model
call) and the embedded model server, which the parent starts and workers only address
(``ServerHandle``). A watchdog thread in the parent restarts a server that died; a worker whose
request died with it waits for the restart and reports the article as crashed, as one process
does (``Pipeline._restarted``).

Each article goes to the live worker with the fewest outstanding over that worker's own pipe,
and its result comes back over the worker's own result pipe, so a worker killed mid-write
garbles nobody else's results. A worker that dies is replaced; the articles it had begun
become an error line each, the ones it only held go to another worker. Workers ignore Ctrl-C
(the parent handles it) and die with the parent, even on ``kill -9`` (``PR_SET_PDEATHSIG``,
armed against the pool's own long-lived thread, which spawns every worker).

Modules: ``pool`` (``WorkerPool``, in the parent), ``worker`` (the worker process and the
messages over its pipes), ``shared`` (the shared token budget, the server handle).
"""

from extractor.workers.pool import (
    MAX_REPLACEMENTS_PER_WORKER,
    WORKER_LOST_MESSAGE,
    WorkerError,
    WorkerLost,
    WorkerPool,
)
from extractor.workers.shared import START_METHOD, ServerHandle, SharedTokenBudget
from extractor.workers.worker import EngineFactory, WorkerEngine

__all__ = [
    "MAX_REPLACEMENTS_PER_WORKER",
    "START_METHOD",
    "WORKER_LOST_MESSAGE",
    "EngineFactory",
    "ServerHandle",
    "SharedTokenBudget",
    "WorkerEngine",
    "WorkerError",
    "WorkerLost",
    "WorkerPool",
]
