"""Content-addressed store of model responses, so repeat runs never pay twice.

Keys are tagged hashes (``sha256:…``) of canonical JSON of everything that
changes an answer: endpoint, model, instructor mode, prompt version, response
schema, the rendered messages (which hold the article text) and decoding
parameters. The API key and headers are never part of a key or a value.
Storage is diskcache (SQLite in WAL mode): safe when two runs share it, and it
survives a ``kill -9`` mid-write.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache

CACHE_FORMAT = "extractor-cache/1"


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


@dataclass(frozen=True)
class CacheStats:
    directory: str
    entries: int
    size_bytes: int
    hits: int
    misses: int


class ResponseCache:
    """Validated model outputs (as JSON-able dicts) by cache key."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._store = diskcache.Cache(str(self.directory), statistics=True)

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._store.get(key, default=None, retry=True)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._store.set(key, value, retry=True)

    def stats(self) -> CacheStats:
        hits, misses = self._store.stats()
        return CacheStats(
            directory=str(self.directory),
            entries=len(self._store),
            size_bytes=self._store.volume(),
            hits=hits,
            misses=misses,
        )

    def clear(self) -> int:
        removed = self._store.clear(retry=True)
        self._store.stats(reset=True)
        return removed

    def close(self) -> None:
        self._store.close()
