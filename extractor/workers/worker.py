"""The worker process: build the engine once, then extract what the parent sends, ``threads`` at a time.

The messages over a worker's two pipes: parent -> worker ``(task id, article)``, or
None to stop; worker -> parent ``("ready", pid)`` once the engine is built,
``("fatal", message)`` when it cannot be, ``("started", task id)`` when an article is
begun, and ``(task id, result, error)`` when it is done. Workers ignore Ctrl-C (the
parent handles it) and die with the parent, even on ``kill -9`` (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, Protocol

from extractor.records import Article, ArticleResult
from extractor.workers.shared import ServerHandle


class WorkerEngine(Protocol):
    """What a worker process extracts with: an ``Extractor``."""

    def extract(self, article: Article) -> ArticleResult: ...
    def close(self) -> None: ...


# Builds a worker's engine inside the worker, given the parent's model server (or None). It is
# pickled to each worker at its start, so it must be a module-level callable (or a partial of one).
EngineFactory = Callable[["ServerHandle | None"], WorkerEngine]


def worker_main(
    factory: EngineFactory,
    server: ServerHandle | None,
    tasks: Connection,
    results: Connection,
    threads: int,
    parent_pid: int,
) -> None:
    """A worker's life: build the engine once, then extract what arrives until told to stop."""
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            results.send(message)

    try:
        engine = factory(server)
    except BaseException as exc:
        send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    send(("ready", os.getpid()))
    try:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="extract") as pool:
            while True:
                try:
                    message = tasks.recv()
                except (EOFError, OSError):
                    break  # the parent is gone
                if message is None:
                    break
                task_id, article = message
                pool.submit(_extract_one, engine, task_id, article, send)
    finally:
        engine.close()
    # Everything is sent and closed: skip the interpreter's teardown of spaCy's objects (seconds).
    logging.shutdown()
    os._exit(0)


def _extract_one(engine: WorkerEngine, task_id: int, article: Article, send: Callable[[Any], None]) -> None:
    with contextlib.suppress(OSError, ValueError):
        send(("started", task_id))
    try:
        result: ArticleResult | None = engine.extract(article)
        error = None
    except Exception as exc:  # the pipeline turns failures into results; this is a bug, reported per article
        result, error = None, f"{type(exc).__name__}: {exc}"[:500]
    with contextlib.suppress(OSError, ValueError):
        send((task_id, result, error))


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when the parent's pool thread ends (the parent dies, even by kill -9)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        os._exit(1)
