"""Limits on what a caller may send and spend: per-key request rate, per-key token budget, body size.

The rate limit is a sliding window per key, in memory (with ``--workers N`` each worker
process counts on its own). The token budget is counted in
the job store (SQLite), so it is shared by every worker and survives a restart: every
article's tokens are charged to the key that sent it, and once a key has spent its budget
in the current window its requests get 429 with ``Retry-After`` (the window's end) and its
jobs pause until then. The body size limit is enforced while the body is read, by
``BodyLimit``: a request is cut off at the first byte over the limit, not after it was
taken whole.
"""

from __future__ import annotations

import math
import threading
import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from extractor.service.auth import ApiKey
from extractor.service.jobs import JobStore
from extractor.service.settings import parse_rate


class RateLimiter:
    """Requests per key in a sliding window (counts of this window and the last, weighted): O(1) a request.

    Written here rather than taken from the ``limits`` library: its in-memory storage starts a
    timer thread on most requests under load, measured at 4% of the server's CPU.
    """

    def __init__(self, default: str) -> None:
        self.default = default
        parse_rate(default)  # a bad default fails at start, not at the first request
        self._lock = threading.Lock()
        # key name -> (start of the current window, requests in it, requests in the window before)
        self._windows: dict[str, tuple[float, int, int]] = {}

    def hit(self, key: ApiKey) -> int | None:
        """Count one request; None when allowed, else the seconds until one would be (for Retry-After)."""
        limit, size = parse_rate(key.rate or self.default)
        now = time.monotonic()
        with self._lock:
            start, count, previous = self._windows.get(key.name, (now, 0, 0))
            if now - start >= size:
                passed = int((now - start) // size)
                previous, count, start = (count if passed == 1 else 0), 0, start + passed * size
            elapsed = now - start
            if previous * (size - elapsed) / size + count + 1 <= limit:
                self._windows[key.name] = (start, count + 1, previous)
                return None
        if count + 1 > limit or previous == 0:
            wait = size - elapsed  # this window alone is full: wait for the next one
        else:  # the last window's share fades: wait until it has faded enough
            wait = size - (limit - count - 1) * size / previous - elapsed
        return max(1, math.ceil(wait))


class KeyTokenBudget:
    """Tokens per key per window, counted in the job store."""

    def __init__(self, store: JobStore, default: int | None, window_s: int) -> None:
        self.store = store
        self.default = default
        self.window_s = window_s

    def limit(self, key: ApiKey) -> int | None:
        return key.tokens or self.default

    def retry_after(self, key: ApiKey) -> int | None:
        """None while the key has budget left, else the seconds until its window ends (for Retry-After)."""
        until = self.spent_until(key)
        return None if until is None else max(1, math.ceil(until - time.time()))

    def charge(self, key_name: str, tokens: int) -> None:
        if tokens > 0:
            self.store.charge_tokens(key_name, tokens, self.window_s)

    def spent_until(self, key: ApiKey) -> float | None:
        """When a key over its budget may spend again (the window's end); None while it has budget left."""
        limit = self.limit(key)
        if limit is None:
            return None
        spent, window_end = self.store.tokens_spent(key.name, self.window_s)
        return window_end if spent >= limit else None


def too_large_detail(limit: int) -> str:
    return f"request body over the limit of {limit:,} bytes (--max-body-bytes)"


class BodyLimit:
    """ASGI middleware: 413 for a body over ``max_bytes``, by Content-Length or at the first byte over it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await _refuse(self.max_bytes, scope, receive, send)
                    return
        received = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    over = True
                    # Raised inside the route; FastAPI lets HTTPException through its body parsing.
                    raise HTTPException(413, too_large_detail(self.max_bytes))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except HTTPException as exc:  # reached only where no exception handler ran (outside a route)
            if exc.status_code != 413 or started or not over:
                raise
            await _refuse(self.max_bytes, scope, receive, send)


async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"detail": too_large_detail(limit)}, status_code=413, headers={"Connection": "close"})
    await response(scope, receive, send)
