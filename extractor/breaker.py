"""A circuit breaker for one endpoint: after N calls in a row fail on transport, fail the next ones at once.

A dead endpoint would otherwise make every remaining article of a batch wait out
its own retries (minutes for a few hundred articles). Once ``threshold``
consecutive calls have failed for good (retries spent) on a transport error, the
breaker *opens*: calls fail immediately, and retry loops still running stop at
their next attempt. After ``reset_s`` it lets one probe call through
(*half-open*); a success closes it, a failure opens it again. Any success resets
the count, so a single article's persistent fault never trips it.

Hand-written (a few lines under one lock) because the libraries do not fit a
thread pool: pybreaker holds its lock for the whole wrapped call, which would
serialise every request, and circuitbreaker keeps its state without a lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Thread-safe consecutive-failure breaker. ``threshold`` 0 disables it."""

    def __init__(self, threshold: int = 5, reset_s: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = threshold
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self.last_failure: str | None = None
        self.times_opened = 0

    @property
    def is_open(self) -> bool:
        """True while calls are refused (open, or half-open with its one probe in flight)."""
        with self._lock:
            return self._refusing()

    def _refusing(self) -> bool:
        if self._opened_at is None:
            return False
        if self._probing:
            return True
        return self._clock() - self._opened_at < self.reset_s

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state, the first caller becomes the probe."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._refusing():
                return False
            self._probing = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self, description: str) -> None:
        with self._lock:
            self._failures += 1
            self.last_failure = description
            if self._probing or (self.threshold and self._failures >= self.threshold and self._opened_at is None):
                self._opened_at = self._clock()
                self.times_opened += 1
            self._probing = False

    def reset(self) -> None:
        """Forget past failures (e.g. after the embedded server was restarted)."""
        self.record_success()

    @property
    def consecutive_failures(self) -> int:
        return self._failures
