"""One supervised child process that serves HTTP on loopback: started, awaited, restarted, stopped.

Both the embedded model server (``extractor.local_model.LocalServer``) and the test
suite's stand-in for it (``support.endpoint.FakeEndpointProcess``) are a child
process that is useful only once a URL answers, that may crash mid-batch and must
then come back on the same port, and that must never outlive this process. This
module is that logic, once:

* **start**: spawn the command in a new session (its own process group), then poll
  ``ready_url`` until it answers 200; if the child exits first, or does not answer
  within ``startup_timeout_s``, stop it and raise ``ProcessStartError``.
* **die with the parent**: on Linux the child asks the kernel (``PR_SET_PDEATHSIG``)
  for SIGKILL when its parent goes, so even ``kill -9`` of extractor leaves no server
  behind. The kernel means the parent *thread*, so every child is spawned from one
  long-lived thread: a server first started, or restarted, by a short-lived worker
  thread would otherwise be killed when that worker ends.
* **restart**: ``ensure_running`` starts a new child when the last one died, waiting
  out a restart another thread began; ``restarts`` counts them.
* **stop**: SIGTERM to the whole process group, SIGKILL after ``stop_timeout_s``.
  ``kill`` is a crash on purpose (SIGKILL, connections in flight drop), for tests.

Why not a library: mirakuru (the closest fit, "process executor for tests") always
replaces ``preexec_fn`` with its own ``os.setsid``, so the child could not ask to die
with its parent, spawns from whichever thread calls it, and has one timeout for both
starting and stopping (the model server needs minutes to start and seconds to stop);
supervisord and circus are daemons that manage services, not a library's children.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import ctypes
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from extractor.errors import ProcessStartError

Command = Sequence[str] | Callable[[], Sequence[str]]
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _libc_prctl() -> Any:
    """libc's ``prctl``, looked up in the parent: loading a library in a forked child can deadlock."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGKILL when the spawning thread (see ``_Spawner``) ends."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Spawner:
    """One daemon thread that lives as long as the process and runs every ``Popen``.

    ``PR_SET_PDEATHSIG`` fires when the thread that forked the child exits, not the process;
    a daemon thread started once ends only with the process, which is the lifetime wanted.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, call: Callable[[], Any]) -> Any:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="extractor-spawner", daemon=True)
                self._thread.start()
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._requests.put((call, future))
        return future.result()

    def _serve(self) -> None:
        while True:
            call, future = self._requests.get()
            try:
                future.set_result(call())
            except BaseException as exc:  # handed to the caller, whatever it is
                future.set_exception(exc)


_SPAWNER = _Spawner()


class Supervisor:
    """A child process behind a readiness URL (see the module docstring); a context manager.

    ``command`` is the argument list, or a function returning it, called before every
    spawn (the model server resolves its model file there). ``output`` is a file the
    child's stdout and stderr are appended to (default: discarded). ``name`` goes into
    error messages.
    """

    def __init__(
        self,
        command: Command,
        *,
        ready_url: str,
        name: str = "child process",
        startup_timeout_s: float = 30.0,
        stop_timeout_s: float = 10.0,
        poll_interval_s: float = 0.05,
        output: Path | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.command = command
        self.ready_url = ready_url
        self.name = name
        self.startup_timeout_s = startup_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.poll_interval_s = poll_interval_s
        self.output = output
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.restarts = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stop_at_exit = False

    @property
    def pid(self) -> int | None:
        """The running child's process id (None when there is none)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def alive(self) -> bool:
        process = self._process
        return process is not None and process.poll() is None

    def healthy(self) -> bool:
        """True when ``ready_url`` answers 200 now."""
        try:
            with urllib.request.urlopen(self.ready_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def start(self) -> Self:
        """Start the child unless it runs; returns once it answers (raises ``ProcessStartError`` if it cannot)."""
        with self._lock:
            if not self.alive():
                self._spawn()
        return self

    def ensure_running(self) -> bool:
        """Start a new child if the last one died; True when this call restarted it."""
        with self._lock:
            if self.alive():
                return False
            self.restarts += 1
            self._spawn()
            return True

    def kill(self) -> None:
        """Crash the child on purpose: SIGKILL to its process group, no cleanup."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM to the child's process group; SIGKILL if it has not exited after ``stop_timeout_s``."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=self.stop_timeout_s)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self) -> None:
        command = list(self.command() if callable(self.command) else self.command)
        self._process = _SPAWNER.run(lambda: self._popen(command))
        if not self._stop_at_exit:
            atexit.register(self.stop)  # a clean SIGTERM when Python exits normally
            self._stop_at_exit = True
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                self._process = None
                raise ProcessStartError(f"{self.name} exited with code {code} while starting", exit_code=code)
            if self.healthy():
                return
            time.sleep(self.poll_interval_s)
        self.stop()
        raise ProcessStartError(f"{self.name} did not answer at {self.ready_url} within {self.startup_timeout_s:.0f}s")

    def _popen(self, command: list[str]) -> subprocess.Popen[bytes]:
        if self.output is None:  # stdout discarded, stderr shared: a child that fails says why
            return self._popen_to(command, subprocess.DEVNULL, None)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with open(self.output, "ab") as log:  # the child keeps its own copy of the descriptor
            return self._popen_to(command, log, subprocess.STDOUT)

    def _popen_to(self, command: list[str], stdout: Any, stderr: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
