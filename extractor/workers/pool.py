"""The pool of worker processes, run from the parent: dispatch, results, dead workers replaced.

Each article goes to the live worker with the fewest outstanding over that worker's own
pipe, and its result comes back over the worker's own result pipe, so a worker killed
mid-write garbles nobody else's results. A worker that dies is replaced; the articles it
had begun become an error line each, the ones it only held go to another worker.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, as_completed, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from typing import TYPE_CHECKING, Any

from extractor.errors import ExtractorError
from extractor.records import Article, ArticleResult
from extractor.workers.shared import START_METHOD, ServerHandle, SupervisableServer, log
from extractor.workers.worker import EngineFactory, worker_main

if TYPE_CHECKING:
    from multiprocessing.context import SpawnContext, SpawnProcess

    from extractor.articles import ArticleFailure
    from extractor.pipeline import ArticleInput, Pipeline

# A worker that keeps dying (a poisoned article kills each replacement in turn) must not be
# replaced forever: after this many replacements per worker slot the pool gives up.
MAX_REPLACEMENTS_PER_WORKER = 3
WORKER_LOST_MESSAGE = "worker process {pid} died (exit code {code}) while extracting this article; rerun with --resume"


class WorkerError(ExtractorError, RuntimeError):
    """The worker processes cannot run (a worker failed to start, or kept dying); finished results are kept."""


@dataclass
class _Task:
    future: Future[ArticleResult]
    article: Article
    started: bool = False  # the worker began it (an article only queued there is sent elsewhere if it dies)


@dataclass
class _Worker:
    slot: int
    process: SpawnProcess
    tasks: Connection  # parent -> worker: (task id, article), None to stop
    # worker -> parent: ("ready", pid) | ("fatal", message) | ("started", task id) | (task id, result, error)
    results: Connection
    outstanding: dict[int, _Task] = field(default_factory=dict)
    ready: bool = False
    alive: bool = True


class WorkerLost(ExtractorError):
    """The worker extracting an article died before answering; the article gets an error line."""


class WorkerPool:
    """``workers`` processes extracting articles; ``submit`` gives a future, ``extract_many`` a stream."""

    def __init__(
        self,
        factory: EngineFactory,
        *,
        workers: int,
        threads: int = 1,
        server: SupervisableServer | None = None,
        startup_timeout_s: float = 300.0,
    ) -> None:
        self.factory = factory
        self.workers = max(1, workers)
        self.threads = max(1, threads)
        self.startup_timeout_s = startup_timeout_s
        self._context: SpawnContext = multiprocessing.get_context(START_METHOD)
        self._server = server
        self.server_handle = ServerHandle(server, self._context) if server is not None else None
        self._slots: list[_Worker] = []
        self._replacements = 0
        self._task_ids = itertools.count()
        self._lock = threading.RLock()
        self._fatal: str | None = None
        self._started = threading.Event()
        self._closing = threading.Event()  # workers were told to stop: their exits are expected
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> WorkerPool:
        """Start the workers (from the pool's own thread, so they die with it only when the pool ends)."""
        supervisor = threading.Thread(target=self._supervise, name="extractor-workers", daemon=True)
        self._threads.append(supervisor)
        supervisor.start()
        self._started.wait()
        if self._fatal:
            self.close()
            raise WorkerError(self._fatal)
        if self._server is not None and self.server_handle is not None:
            watchdog = threading.Thread(
                target=self.server_handle.watch, args=(self._server, self._stop), name="extractor-server-watch",
                daemon=True,
            )  # fmt: skip
            self._threads.append(watchdog)
            watchdog.start()
        return self

    def close(self, timeout_s: float = 10.0) -> None:
        """Ask every worker to finish what it holds and stop; stop those that do not within ``timeout_s``."""
        with self._lock:
            if self._closing.is_set():
                return
            self._closing.set()
            for worker in self._slots:
                with contextlib.suppress(OSError, ValueError):
                    worker.tasks.send(None)
        deadline = time.monotonic() + timeout_s
        for worker in list(self._slots):
            worker.process.join(max(0.0, deadline - time.monotonic()))
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s)
        for worker in self._slots:
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(5)
            for connection in (worker.tasks, worker.results):
                connection.close()
            self._fail_outstanding(worker, "extraction stopped before this article finished; rerun with --resume")

    def __enter__(self) -> WorkerPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and logs)."""
        with self._lock:
            return [w.process.pid for w in self._slots if w.process.pid is not None]

    # -- work ----------------------------------------------------------------------------------

    def submit(self, article: Article) -> Future[ArticleResult]:
        """Send ``article`` to the least busy live worker; the future ends in its result (or ``WorkerLost``)."""
        future: Future[ArticleResult] = Future()
        with self._lock:
            if self._fatal:
                raise WorkerError(self._fatal)
            if self._closing.is_set():
                raise WorkerError("the worker pool is closed")
            self._dispatch(_Task(future, article))
        return future

    def _dispatch(self, task: _Task) -> None:
        live = [w for w in self._slots if w.alive] or self._slots
        worker = min(live, key=lambda w: len(w.outstanding))
        task_id = next(self._task_ids)
        worker.outstanding[task_id] = task
        # A worker that just died fails to take it: the supervisor handles what it held, this included.
        with contextlib.suppress(OSError, ValueError):
            worker.tasks.send((task_id, task.article))

    def extract_many(
        self, pipeline: Pipeline, items: Iterable[ArticleInput], *, in_flight: int
    ) -> Iterator[ArticleResult]:
        """One result per input, like ``Pipeline.extract_many``, with the articles extracted in the workers.

        ``pipeline`` (the parent's) checks each input, writes the lines of inputs that are no
        article and of articles a dead worker took with it, and says when the budget is spent.
        At most ``in_flight`` articles are out at once; results come as they finish.
        """
        in_flight = max(1, in_flight)
        pending: dict[Future[ArticleResult], Article] = {}
        stopped: Exception | None = None
        try:
            for item in items:
                if pipeline.budget_exhausted:
                    break
                article: Article | ArticleFailure = pipeline.article(item)
                if not isinstance(article, Article):
                    yield pipeline.failed(article)
                    continue
                pending[self.submit(article)] = article
                if len(pending) >= in_flight:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        yield result_of(pipeline, pending.pop(future), future)
        except Exception as exc:  # the inputs raised: the articles already out are finished and yielded first
            stopped = exc
        for future in as_completed(list(pending)):
            yield result_of(pipeline, pending.pop(future), future)
        if stopped is not None:
            raise stopped

    # -- the pool's thread ---------------------------------------------------------------------

    def _supervise(self) -> None:
        try:
            with self._lock:
                for slot in range(self.workers):
                    self._slots.append(self._spawn(slot))
            self._await_ready()
        except BaseException as exc:
            self._fatal = self._fatal or f"worker processes could not start: {type(exc).__name__}: {exc}"
        finally:
            self._started.set()
        while not self._fatal and not self._stop.is_set():
            self._serve_once(timeout_s=0.2)
        if self._fatal:
            for worker in list(self._slots):
                self._fail_outstanding(worker, self._fatal, fatal=True)

    def _spawn(self, slot: int) -> _Worker:
        tasks_in, tasks_out = self._context.Pipe(duplex=False)  # (receiving end, sending end)
        results_in, results_out = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=worker_main,
            args=(self.factory, self.server_handle, tasks_in, results_out, self.threads, os.getpid()),
            name=f"extractor-worker-{slot}",
            daemon=True,
        )
        process.start()
        # The parent's copies of the worker's ends: closed, so a dead worker reads as EOF / EPIPE.
        tasks_in.close()
        results_out.close()
        return _Worker(slot=slot, process=process, tasks=tasks_out, results=results_in)

    def _await_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout_s
        while not all(w.ready for w in self._slots):
            if self._fatal:
                return
            if time.monotonic() > deadline:
                self._fatal = f"worker processes did not start within {self.startup_timeout_s:.0f}s"
                return
            self._serve_once(timeout_s=0.2)

    def _serve_once(self, timeout_s: float) -> None:
        with self._lock:
            by_handle: dict[Any, _Worker] = {}
            for worker in self._slots:
                if worker.alive:
                    by_handle[worker.results] = worker
                    by_handle[worker.process.sentinel] = worker
        if not by_handle:
            time.sleep(timeout_s)
            return
        for handle in wait_for(list(by_handle), timeout=timeout_s):
            worker = by_handle[handle]
            if handle is worker.results:
                self._receive(worker)
            elif worker.alive:
                self._drain(worker)
                self._lost(worker)

    def _receive(self, worker: _Worker) -> bool:
        try:
            message = worker.results.recv()
        except (EOFError, OSError):
            return False  # the worker is gone; its sentinel says so next
        if message[0] == "ready":
            worker.ready = True
        elif message[0] == "fatal":
            self._fatal = f"a worker process could not start: {message[1]}"
        elif message[0] == "started":
            with self._lock:
                task = worker.outstanding.get(message[1])
                if task is not None:
                    task.started = True
        else:
            task_id, result, error = message
            with self._lock:
                task = worker.outstanding.pop(task_id, None)
            if task is not None and not task.future.done():
                if result is not None:
                    task.future.set_result(result)
                else:
                    task.future.set_exception(WorkerLost(error))
        return True

    def _drain(self, worker: _Worker) -> None:
        """Read what a dead worker sent before it died: finished results are not lost with it."""
        with contextlib.suppress(OSError, EOFError):
            while worker.results.poll() and self._receive(worker):
                pass

    def _lost(self, worker: _Worker) -> None:
        worker.alive = False
        worker.process.join(1)
        code = worker.process.exitcode
        if self._closing.is_set():
            return  # told to stop; close() fails whatever it still held
        if not worker.ready:
            self._fatal = self._fatal or (
                f"worker process {worker.process.pid} exited with code {code} while starting (see the messages above)"
            )
            return
        log.warning("worker process %s died (exit code %s); starting a replacement", worker.process.pid, code)
        with self._lock:
            # What it had begun dies with it (an error line each); what it only held goes to another worker.
            queued = {i: task for i, task in worker.outstanding.items() if not task.started}
            for task_id in queued:
                del worker.outstanding[task_id]
        self._fail_outstanding(worker, WORKER_LOST_MESSAGE.format(pid=worker.process.pid, code=code))
        with self._lock:
            if self._replacements >= MAX_REPLACEMENTS_PER_WORKER * self.workers:
                self._fatal = f"worker processes died {self._replacements + 1} times; stopping"
                worker.outstanding.update(queued)
                return
            self._replacements += 1
            for connection in (worker.tasks, worker.results):
                connection.close()
            self._slots[self._slots.index(worker)] = replacement = self._spawn(worker.slot)
            for task in queued.values():
                self._dispatch(task)
        # A replacement that cannot start is fatal: wait for it here, before taking more results.
        deadline = time.monotonic() + self.startup_timeout_s
        while not replacement.ready and not self._fatal and time.monotonic() < deadline:
            self._serve_once(timeout_s=0.2)

    def _fail_outstanding(self, worker: _Worker, message: str, *, fatal: bool = False) -> None:
        with self._lock:
            outstanding, worker.outstanding = worker.outstanding, {}
        for task in outstanding.values():
            if not task.future.done():
                task.future.set_exception(WorkerError(message) if fatal else WorkerLost(message))


def result_of(pipeline: Pipeline, article: Article, future: Future[ArticleResult]) -> ArticleResult:
    """A worker's result, or the error line of an article its worker took down with it."""
    try:
        return future.result()
    except WorkerLost as exc:
        return pipeline.error_result(article, str(exc))


def in_flight(concurrency: int, workers: int, threads: int) -> int:
    """Articles out at once: twice what the workers run, so none idles while the parent collects."""
    return 2 * max(concurrency, workers * threads)


def threads_per_worker(concurrency: int, workers: int, uses_llm: bool) -> int:
    """Threads in each worker: the run's concurrency split over the workers; one without a model to wait on."""
    return max(1, math.ceil(concurrency / workers)) if uses_llm else 1
