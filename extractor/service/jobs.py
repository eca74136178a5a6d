"""Durable jobs: a SQLite store (WAL) beside the cache, and the runner that works through it.

A job is committed, with every one of its articles, before ``POST /v1/jobs`` answers 202,
so an accepted job survives ``kill -9``. Each article is one row; its output line is
written to that row as soon as it is finished, in the same transaction that marks it
done, so a result is never lost and never written twice. Any number of runners (one per
server process) share a store: a runner *leases* pending articles by writing its owner
id on them, and holds an exclusive ``flock`` on ``<store>.owners/<owner>.lock`` for as
long as it lives. A lease whose owner's lock is free belongs to a dead process: any
runner puts such articles back to pending (``reclaim``), so a restarted server resumes
unfinished jobs, skipping the finished articles. On a graceful stop a runner waits for
its articles in flight, then hands back those still unfinished (``release``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.records import ArticleResult

log = logging.getLogger(__name__)

JOB_STATES = ("queued", "running", "paused", "done", "cancelled")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    key_name TEXT NOT NULL,
    state TEXT NOT NULL,              -- queued, running, done, cancelled
    total INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    paused_until REAL                 -- the key's token budget is spent: nothing starts before then
);
CREATE TABLE IF NOT EXISTS items (
    job_id TEXT NOT NULL REFERENCES jobs(id),
    idx INTEGER NOT NULL,
    article TEXT NOT NULL,            -- the article as the request gave it (JSON)
    state TEXT NOT NULL,              -- pending, running, done, cancelled
    owner TEXT,                       -- the runner working on it (state running)
    status TEXT,                      -- ok / error, once done
    result TEXT,                      -- the output line (ArticleResult JSON), once done
    seq INTEGER,                      -- finishing order within the job
    PRIMARY KEY (job_id, idx)
);
CREATE INDEX IF NOT EXISTS items_by_state ON items(state, job_id);
CREATE INDEX IF NOT EXISTS items_by_seq ON items(job_id, seq);
CREATE TABLE IF NOT EXISTS key_usage (
    key_name TEXT PRIMARY KEY,
    window_start REAL NOT NULL,
    tokens INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class Lease:
    """One article a runner has taken on."""

    job_id: str
    index: int
    key_name: str
    article: dict[str, Any]


@dataclass(frozen=True)
class JobInfo:
    """A job as ``GET /v1/jobs/{id}`` shows it."""

    id: str
    key_name: str
    state: str
    created_at: float
    updated_at: float
    paused_until: float | None
    counts: dict[str, int]
    usage: dict[str, int]
    errors: list[dict[str, Any]]


class JobStore:
    """The jobs database; safe to share between threads (one connection behind a lock) and processes (SQLite)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the 202 goes out, even if the machine loses power.
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so concurrent writers queue instead of failing."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- jobs ----------------------------------------------------------------------------------

    def create(self, key_name: str, articles: list[dict[str, Any]]) -> str:
        """Store a job and all its articles in one transaction; returns its id once committed."""
        job_id = uuid.uuid4().hex
        now = time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO jobs (id, key_name, state, total, created_at, updated_at)"
                " VALUES (?, ?, 'queued', ?, ?, ?)",
                (job_id, key_name, len(articles), now, now),
            )
            db.executemany(
                "INSERT INTO items (job_id, idx, article, state) VALUES (?, ?, ?, 'pending')",
                ((job_id, index, json.dumps(article, ensure_ascii=False)) for index, article in enumerate(articles)),
            )
        return job_id

    def info(self, job_id: str, *, max_errors: int = 100) -> JobInfo | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, key_name, state, created_at, updated_at, paused_until, total FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
            if row is None:
                return None
            counts = dict.fromkeys(("pending", "running", "done", "cancelled", "ok", "error", "claims"), 0)
            for state, status, count in self._db.execute(
                "SELECT state, status, COUNT(*) FROM items WHERE job_id = ? GROUP BY state, status", (job_id,)
            ):
                counts[state] += count
                if status in ("ok", "error"):
                    counts[status] += count
            usage_row = self._db.execute(
                "SELECT " + ", ".join(f"COALESCE(SUM(json_extract(result, '$.usage.{f}')), 0)" for f in _USAGE_FIELDS)
                + ", COALESCE(SUM(json_array_length(result, '$.claims')), 0)"
                + " FROM items WHERE job_id = ? AND state = 'done'",
                (job_id,),
            ).fetchone()
            counts["claims"] = int(usage_row[-1])
            usage_row = usage_row[:-1]
            errors = [
                {"index": index, "id": json.loads(result)["id"], "error": json.loads(result)["error"]}
                for index, result in self._db.execute(
                    "SELECT idx, result FROM items WHERE job_id = ? AND status = 'error' ORDER BY seq LIMIT ?",
                    (job_id, max_errors),
                )
            ]
        job_id, key_name, state, created_at, updated_at, paused_until, total = row
        counts["total"] = total
        if state in ("queued", "running") and paused_until is not None and paused_until > time.time():
            state = "paused"
        return JobInfo(
            id=job_id, key_name=key_name, state=state, created_at=created_at, updated_at=updated_at,
            paused_until=paused_until if state == "paused" else None, counts=counts,
            usage=dict(zip(_USAGE_FIELDS, (int(v) for v in usage_row), strict=True)), errors=errors,
        )  # fmt: skip

    def results_after(self, job_id: str, seq: int, limit: int = 500) -> list[tuple[int, str]]:
        """Output lines finished after ``seq`` (finishing order): ``(seq, line)``."""
        with self._lock:
            return self._db.execute(
                "SELECT seq, result FROM items WHERE job_id = ? AND state = 'done' AND seq > ? ORDER BY seq LIMIT ?",
                (job_id, seq, limit),
            ).fetchall()

    def cancel(self, job_id: str) -> bool:
        """Cancel a job: its pending articles never start (those in flight still finish); False if it had ended."""
        with self._write() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE id = ? AND state IN ('queued', 'running')",
                (time.time(), job_id),
            ).rowcount
            if changed:
                db.execute("UPDATE items SET state = 'cancelled' WHERE job_id = ? AND state = 'pending'", (job_id,))
        return bool(changed)

    def counts_by_state(self) -> dict[str, int]:
        """Jobs by state, for /metrics."""
        counts = dict.fromkeys(JOB_STATES, 0)
        now = time.time()
        with self._lock:
            for state, paused, count in self._db.execute(
                "SELECT state, paused_until IS NOT NULL AND paused_until > ?, COUNT(*) FROM jobs GROUP BY 1, 2", (now,)
            ):
                counts["paused" if paused and state in ("queued", "running") else state] += count
        return counts

    # -- what a runner does ----------------------------------------------------------------------

    def lease(self, owner: str, limit: int) -> list[Lease]:
        """Take up to ``limit`` pending articles (oldest job first) for ``owner``."""
        now = time.time()
        with self._write() as db:
            rows = db.execute(
                "SELECT i.job_id, i.idx, j.key_name, i.article FROM items i JOIN jobs j ON j.id = i.job_id"
                " WHERE i.state = 'pending' AND j.state IN ('queued', 'running')"
                " AND (j.paused_until IS NULL OR j.paused_until <= ?)"
                " ORDER BY j.created_at, i.job_id, i.idx LIMIT ?",
                (now, limit),
            ).fetchall()
            for job_id, index, _, _ in rows:
                db.execute(
                    "UPDATE items SET state = 'running', owner = ? WHERE job_id = ? AND idx = ?", (owner, job_id, index)
                )
            for job_id in {row[0] for row in rows}:
                db.execute(
                    "UPDATE jobs SET state = 'running', paused_until = NULL, updated_at = ?"
                    " WHERE id = ? AND state = 'queued'",
                    (now, job_id),
                )
        return [Lease(job_id, index, key_name, json.loads(article)) for job_id, index, key_name, article in rows]

    def finish(self, owner: str, lease: Lease, result: ArticleResult) -> bool:
        """Write an article's output line and mark it done; False if the lease was no longer ``owner``'s."""
        now = time.time()
        with self._write() as db:
            written = db.execute(
                "UPDATE items SET state = 'done', owner = NULL, status = ?, result = ?,"
                " seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM items WHERE job_id = ?)"
                " WHERE job_id = ? AND idx = ? AND state = 'running' AND owner = ?",
                (result.status, result.model_dump_json(), lease.job_id, lease.job_id, lease.index, owner),
            ).rowcount
            if written:
                unfinished = db.execute(
                    "SELECT COUNT(*) FROM items WHERE job_id = ? AND state IN ('pending', 'running')", (lease.job_id,)
                ).fetchone()[0]
                db.execute(
                    "UPDATE jobs SET updated_at = ?, state = CASE WHEN ? = 0 AND state = 'running' THEN 'done'"
                    " ELSE state END WHERE id = ?",
                    (now, unfinished, lease.job_id),
                )
        return bool(written)

    def release(self, owner: str, leases: list[Lease] | None = None) -> int:
        """Hand ``owner``'s unfinished articles back (all, or just ``leases``): pending again, or cancelled."""
        where, parameters = "owner = ? AND state = 'running'", [owner]
        with self._write() as db:
            targets = (
                [(lease.job_id, lease.index) for lease in leases]
                if leases is not None
                else db.execute(f"SELECT job_id, idx FROM items WHERE {where}", parameters).fetchall()
            )
            released = 0
            for job_id, index in targets:
                released += db.execute(
                    "UPDATE items SET owner = NULL, state = CASE"
                    " WHEN (SELECT state FROM jobs WHERE id = ?) = 'cancelled' THEN 'cancelled' ELSE 'pending' END"
                    f" WHERE job_id = ? AND idx = ? AND {where}",
                    (job_id, job_id, index, *parameters),
                ).rowcount
        return released

    def owners_with_leases(self) -> set[str]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT DISTINCT owner FROM items WHERE state = 'running'")}

    def pause_key(self, key_name: str, until: float) -> None:
        """Hold the key's unfinished jobs until its token budget window ends."""
        with self._write() as db:
            db.execute(
                "UPDATE jobs SET paused_until = ? WHERE key_name = ? AND state IN ('queued', 'running')",
                (until, key_name),
            )

    # -- per-key token use ---------------------------------------------------------------------

    def tokens_spent(self, key_name: str, window_s: int) -> tuple[int, float]:
        """Tokens the key spent in the current budget window, and when that window ends."""
        start = _window_start(window_s)
        with self._lock:
            row = self._db.execute(
                "SELECT window_start, tokens FROM key_usage WHERE key_name = ?", (key_name,)
            ).fetchone()
        spent = row[1] if row is not None and row[0] == start else 0
        return spent, start + window_s

    def charge_tokens(self, key_name: str, tokens: int, window_s: int) -> int:
        """Add ``tokens`` to the key's current window; returns the window's total."""
        start = _window_start(window_s)
        with self._write() as db:
            db.execute(
                "INSERT INTO key_usage (key_name, window_start, tokens) VALUES (?, ?, ?)"
                " ON CONFLICT(key_name) DO UPDATE SET tokens = CASE WHEN window_start = excluded.window_start"
                " THEN tokens + excluded.tokens ELSE excluded.tokens END, window_start = excluded.window_start",
                (key_name, start, tokens),
            )
            return db.execute("SELECT tokens FROM key_usage WHERE key_name = ?", (key_name,)).fetchone()[0]


_USAGE_FIELDS = ("llm_calls", "cache_hits", "prompt_tokens", "completion_tokens", "reasks", "transport_retries")


def _window_start(window_s: int) -> float:
    return float(int(time.time() // window_s) * window_s)


class OwnerLock:
    """This process's lease on its owner id: an exclusive flock held for as long as the runner lives."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.owner = uuid.uuid4().hex
        self.path = folder / f"{self.owner}.lock"
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def owner_alive(self, owner: str) -> bool:
        """True while the process holding ``owner`` runs (its lock file is locked)."""
        if owner == self.owner:
            return True
        path = self.folder / f"{owner}.lock"
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return False

    def close(self) -> None:
        os.close(self._fd)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# What the runner calls for one leased article: returns its output line (failures are error lines).
RunArticle = Callable[[Lease], ArticleResult]
# What an article that raised on every try becomes: its error line (never handed back to spin forever).
GiveUp = Callable[[Lease, BaseException], ArticleResult]
# Tries of an article whose run raises, with a doubling pause between them (ARTICLE_RETRY_S, then twice that).
MAX_ARTICLE_TRIES = 3
ARTICLE_RETRY_S = 0.5


class JobRunner:
    """Works through the store's pending articles, ``concurrency`` at a time, in a background thread."""

    def __init__(
        self,
        store: JobStore,
        run_article: RunArticle,
        *,
        concurrency: int,
        poll_s: float = 0.5,
        reclaim_every_s: float = 2.0,
        hold_until: Callable[[Lease], float | None] = lambda lease: None,
        give_up: GiveUp | None = None,
        retry_s: float = ARTICLE_RETRY_S,
    ) -> None:
        self.store = store
        self.run_article = run_article
        self.concurrency = max(1, concurrency)
        self.poll_s = poll_s
        self.reclaim_every_s = reclaim_every_s
        # When a leased article may not start yet (its key's token budget is spent): until when.
        self.hold_until = hold_until
        self.give_up = give_up
        self.retry_s = retry_s
        self.lock = OwnerLock(store.path.with_name(store.path.name + ".owners"))
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._inflight: dict[Future[None], Lease] = {}
        self._inflight_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="job-article")
        self._thread = threading.Thread(target=self._loop, name="job-runner", daemon=True)

    @property
    def owner(self) -> str:
        return self.lock.owner

    def start(self) -> JobRunner:
        self.reclaim()
        self._thread.start()
        return self

    def wake(self) -> None:
        """New work was stored: look now rather than at the next poll."""
        self._wake.set()

    def reclaim(self) -> int:
        """Put back the articles leased by runners that died (kill -9, a crash); returns how many."""
        reclaimed = 0
        for owner in self.store.owners_with_leases():
            if owner is not None and not self.lock.owner_alive(owner):
                count = self.store.release(owner)
                reclaimed += count
                log.info("resuming %d article(s) left unfinished by a stopped server", count)
        return reclaimed

    def _loop(self) -> None:
        last_reclaim = time.monotonic()
        while not self._stopping.is_set():
            self._wake.clear()
            if time.monotonic() - last_reclaim >= self.reclaim_every_s:
                last_reclaim = time.monotonic()
                self._guard(self.reclaim)
            with self._inflight_lock:
                free = self.concurrency - len(self._inflight)
            leases = self._guard(lambda free=free: self.store.lease(self.owner, free)) if free > 0 else None
            for lease in leases or []:
                until = self.hold_until(lease)
                if until is not None:  # hand it back, then hold the key's jobs (never paused while running)
                    self.store.release(self.owner, [lease])
                    self.store.pause_key(lease.key_name, until)
                    continue
                future = self._pool.submit(self._run, lease)
                with self._inflight_lock:
                    self._inflight[future] = lease
                future.add_done_callback(self._done)
            if not leases:
                self._wake.wait(self.poll_s)

    def _guard(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except sqlite3.Error:  # a locked or busy store: try again at the next turn
            log.exception("job store error; retrying")
            return None

    def _run(self, lease: Lease) -> None:
        result = self._run_with_retries(lease)
        if not self.store.finish(self.owner, lease, result):
            log.warning("job %s article %d finished after its lease was released; result dropped", lease.job_id,
                        lease.index)

    def _run_with_retries(self, lease: Lease) -> ArticleResult:
        """The article's line; a run that raises is tried again after a pause, then becomes an error line."""
        for attempt in range(1, MAX_ARTICLE_TRIES + 1):
            try:
                return self.run_article(lease)
            except Exception as exc:
                log.error("job %s article %d failed (try %d of %d): %r", lease.job_id, lease.index, attempt,
                          MAX_ARTICLE_TRIES, exc)  # fmt: skip
                if self.give_up is None:
                    raise
                if attempt == MAX_ARTICLE_TRIES:
                    return self.give_up(lease, exc)
                if self._stopping.wait(self.retry_s * 2 ** (attempt - 1)):
                    raise  # stopping: handed back, it resumes at the next start
        raise AssertionError("unreachable")

    def _done(self, future: Future[None]) -> None:
        with self._inflight_lock:
            lease = self._inflight.pop(future, None)
        if future.exception() is not None and lease is not None:
            log.error("job %s article %d failed unexpectedly: %r", lease.job_id, lease.index, future.exception())
            with contextlib.suppress(sqlite3.Error):
                self.store.release(self.owner, [lease])
        self._wake.set()

    @property
    def inflight(self) -> int:
        with self._inflight_lock:
            return len(self._inflight)

    def stop(self, grace_s: float) -> int:
        """Stop leasing; wait up to ``grace_s`` for articles in flight; hand back the rest. Returns how many."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        deadline = time.monotonic() + grace_s
        while self.inflight and time.monotonic() < deadline:
            time.sleep(0.05)
        released = self.store.release(self.owner)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.lock.close()
        return released
