"""API keys: read from the keys file, held only as SHA-256 digests, checked in constant time.

The file named by ``EXTRACTOR_API_KEYS_FILE`` has one key per line; blank lines and lines
starting with ``#`` are ignored. After the key, optional ``name=value`` settings narrow it::

    # key                              settings (all optional)
    3f9c0e6b4a2d4c1e8b7a5d6f0e1c2b3a   name=newsroom routes=extract,jobs rate=30/minute tokens=200000

``name`` labels the key in logs and metrics (default ``key-`` and 8 hex digits of its
digest, never the key); ``routes`` limits it to some of ``extract``, ``jobs``, ``eval``
(default: all; another route answers 403); ``rate`` and ``tokens`` override the server's
per-key rate limit and token budget. A key is at least 16 characters of printable ASCII
without spaces. The keys themselves are dropped once hashed: a comparison hashes the
presented token and compares digests with ``hmac.compare_digest`` against every key, so
the time taken does not tell how much of a key matched, nor which key.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from extractor.errors import ConfigError
from extractor.service.settings import parse_rate

SCOPES = ("extract", "jobs", "eval")
MIN_KEY_CHARS = 16
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class ApiKey:
    """One key as the server holds it: its digest and what it may do; never the key itself."""

    name: str
    digest: bytes
    routes: frozenset[str] = frozenset(SCOPES)
    rate: str | None = None
    tokens: int | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.routes


# Who calls when the server runs without keys (loopback only): one identity, every route.
ANONYMOUS_KEY = ApiKey(name=ANONYMOUS, digest=b"")


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class KeyRing:
    """The accepted keys; ``check`` finds the one a bearer token is, in constant time."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = tuple(keys)

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        """Parse the keys file; a bad line raises ``ConfigError`` naming the line (never echoing its content)."""
        try:
            # A FIFO or a device would block the read (or never end): only a regular file is a keys file.
            if path.exists() and not path.is_file():
                raise ConfigError(f"API keys file {path}: cannot read it: not a regular file")
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise ConfigError(f"API keys file {path}: cannot read it: {reason}") from None
        keys: list[ApiKey] = []
        seen: set[bytes] = set()
        for number, line in enumerate(lines, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            key = _parse_line(stripped, f"API keys file {path}, line {number}")
            if key.digest in seen:
                raise ConfigError(f"API keys file {path}, line {number}: the same key appears twice")
            seen.add(key.digest)
            keys.append(key)
        if not keys:
            raise ConfigError(f"API keys file {path} holds no keys (blank lines and # comments are ignored)")
        names = [key.name for key in keys]
        if len(set(names)) != len(names):
            raise ConfigError(f"API keys file {path}: two keys share a name")
        return cls(keys)

    def check(self, token: str) -> ApiKey | None:
        """The key ``token`` is, or None; every key is compared, so timing says nothing."""
        presented = digest(token)
        found: ApiKey | None = None
        for key in self.keys:
            if hmac.compare_digest(presented, key.digest):
                found = key
        return found


def _parse_line(line: str, where: str) -> ApiKey:
    token, *settings = line.split()
    if len(token) < MIN_KEY_CHARS or not token.isascii() or not token.isprintable() or "=" in token:
        raise ConfigError(f"{where}: a key must be at least {MIN_KEY_CHARS} printable ASCII characters without '='")
    key_digest = digest(token)
    values: dict[str, str] = {}
    for position, setting in enumerate(settings, start=2):
        name, sep, value = setting.partition("=")
        if not sep or name not in {"name", "routes", "rate", "tokens"} or not value:
            # Never echo the word: a second key pasted on the line would be printed.
            raise ConfigError(
                f"{where}: word {position} is not a setting (name=, routes=, rate= or tokens=); one key per line"
            )
        values[name] = value
    routes = frozenset(SCOPES)
    if "routes" in values:
        routes = frozenset(part for part in values["routes"].split(",") if part)
        unknown = sorted(routes - set(SCOPES))
        if unknown or not routes:
            raise ConfigError(f"{where}: routes= takes a comma list of {', '.join(SCOPES)}")
    rate = values.get("rate")
    if rate is not None:
        try:
            parse_rate(rate)
        except ValueError:
            raise ConfigError(f"{where}: rate= must look like 30/minute or 5/second") from None
    tokens = None
    if "tokens" in values:
        if not values["tokens"].isdigit() or int(values["tokens"]) < 1:
            raise ConfigError(f"{where}: tokens= must be a positive whole number")
        tokens = int(values["tokens"])
    name = values.get("name") or f"key-{key_digest.hex()[:8]}"
    return ApiKey(name=name, digest=key_digest, routes=routes, rate=rate, tokens=tokens)
