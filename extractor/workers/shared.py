"""What the parent shares with its worker processes: the token budget and the embedded model server.

``SharedTokenBudget`` is a counter in shared memory that every worker charges after,
and checks before, each model call. ``ServerHandle`` is the parent's embedded model
server as a worker sees it: its address, whether it is up, its restarts; only the
parent's watchdog (``ServerHandle.watch``) restarts it.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from typing import TYPE_CHECKING

from extractor.errors import ExtractorError
from extractor.llm import TokenBudget
from extractor.local_model import endpoint_answers

if TYPE_CHECKING:
    from multiprocessing.context import SpawnContext

    from extractor.local_model import ModelEndpoint

# The logger of the workers package (``extractor.workers``), whichever module logs.
log = logging.getLogger("extractor.workers")

START_METHOD = "spawn"


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


class ServerHandle:
    """The parent's embedded model server as a worker sees it: its address, whether it is up, its restarts.

    It is what the pipeline supervises in a worker (a ``ModelEndpoint``), but only the parent's
    watchdog restarts the server; a worker waits for that. Created in the parent, handed to
    each worker when it starts (the event and counter live in shared memory).
    """

    def __init__(self, server: ModelEndpoint, context: SpawnContext, restart_timeout_s: float = 300.0) -> None:
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
        return endpoint_answers(self.base_url)

    def ensure_running(self) -> bool:
        """Wait until the parent has the server running again (never restarts it from here)."""
        self._up.wait(self.restart_timeout_s)
        return False

    def watch(self, server: ModelEndpoint, stop: threading.Event, interval_s: float = 0.1) -> None:
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
