"""Extraction in several processes: worker processes holding an engine each, fed and read by one parent.

One Python process uses one core, and the default pipeline is CPU-bound (a spaCy parse per
article). ``WorkerPool`` starts ``workers`` processes with the ``spawn`` start method (a fresh
interpreter: no threads, locks or open clients inherited from the parent); each builds its
engine once (an ``Extractor``, so spaCy loads once per process) and extracts the articles it
is sent, ``threads`` at a time (threads overlap model calls; a CPU-only strategy gets one).

The parent keeps everything that must exist once: the input stream, the output writer (the
batch runner reads ``extract_many`` as it always did), the token budget (``SharedTokenBudget``:
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
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for
from typing import TYPE_CHECKING, Any, Protocol

from extractor.errors import ExtractorError
from extractor.llm import TokenBudget
from extractor.records import Article, ArticleResult

if TYPE_CHECKING:
    from multiprocessing.context import SpawnContext, SpawnProcess

    from extractor.articles import ArticleFailure
    from extractor.pipeline import ArticleInput, Pipeline

log = logging.getLogger(__name__)

START_METHOD = "spawn"
# A worker that keeps dying (a poisoned article kills each replacement in turn) must not be
# replaced forever: after this many replacements per worker slot the pool gives up.
MAX_REPLACEMENTS_PER_WORKER = 3
WORKER_LOST_MESSAGE = "worker process {pid} died (exit code {code}) while extracting this article; rerun with --resume"


class WorkerError(ExtractorError, RuntimeError):
    """The worker processes cannot run (a worker failed to start, or kept dying); finished results are kept."""


class WorkerEngine(Protocol):
    """What a worker process extracts with: an ``Extractor``."""

    def extract(self, article: Article) -> ArticleResult: ...
    def close(self) -> None: ...


# Builds a worker's engine inside the worker, given the parent's model server (or None). It is
# pickled to each worker at its start, so it must be a module-level callable (or a partial of one).
EngineFactory = Callable[["ServerHandle | None"], WorkerEngine]


class SharedTokenBudget(TokenBudget):
    """A token budget shared by processes: tokens spent live in shared memory.

    Every process checks it before a model call and charges it after, so the overshoot is
    bounded as with threads: at most the calls in flight over all workers when it ran out.
    """

    def __init__(self, limit: int | None, context: SpawnContext | None = None) -> None:
        context = context or multiprocessing.get_context(START_METHOD)
        self.limit = limit
        self._spent = context.Value("q", 0)

    @property  # type: ignore[override]
    def spent(self) -> int:
        return int(self._spent.value)

    def charge(self, tokens: int) -> None:
        with self._spent.get_lock():
            self._spent.value += tokens


class SupervisableServer(Protocol):
    """The parent's embedded server (``LocalServer``) as the watchdog needs it."""

    base_url: str
    restarts: int

    @property
    def model_name(self) -> str: ...
    def alive(self) -> bool: ...
    def ensure_running(self) -> bool: ...


class ServerHandle:
    """The parent's embedded model server as a worker sees it: its address, whether it is up, its restarts.

    It is what the pipeline supervises in a worker (``SupervisedServer``), but only the parent's
    watchdog restarts the server; a worker waits for that. Created in the parent, handed to
    each worker when it starts (the event and counter live in shared memory).
    """

    def __init__(self, server: SupervisableServer, context: SpawnContext, restart_timeout_s: float = 300.0) -> None:
        self.base_url = server.base_url
        self.model_name = server.model_name
        self.endpoint_label: str | None = getattr(server, "endpoint_label", None)
        self.restart_timeout_s = restart_timeout_s
        self._up = context.Event()
        self._up.set()
        self._restarts = context.Value("i", server.restarts)

    @property
    def restarts(self) -> int:
        return int(self._restarts.value)

    def alive(self) -> bool:
        return self._up.is_set()

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def ensure_running(self) -> bool:
        """Wait until the parent has the server running again (never restarts it from here)."""
        self._up.wait(self.restart_timeout_s)
        return False

    def watch(self, server: SupervisableServer, stop: threading.Event, interval_s: float = 0.1) -> None:
        """The parent's watchdog: restart ``server`` when it dies, until ``stop`` is set."""
        while not stop.wait(interval_s):
            if server.alive():
                continue
            self._up.clear()
            try:
                server.ensure_running()
            except (ExtractorError, RuntimeError, OSError) as exc:
                log.error("the embedded model server died and could not be restarted: %s", exc)
                return  # workers' requests now fail as transport errors: error lines, not a hang
            finally:
                self._restarts.value = server.restarts
                self._up.set()


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
        for future in as_completed(list(pending)):
            yield result_of(pipeline, pending.pop(future), future)

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
            target=_worker_main,
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


# -- the worker process ------------------------------------------------------------------------


def _worker_main(
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
