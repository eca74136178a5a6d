"""The service's settings: the extraction defaults (an ``ExtractorConfig``) plus what only a server has.

``ServiceSettings`` is frozen and validated once, in ``extractor serve``; uvicorn worker
processes get it through one environment variable (``to_env``/``from_env``) as JSON. The
endpoint's API key never travels that way: each process reads ``OPENAI_API_KEY`` itself.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from extractor.config import ExtractorConfig

SETTINGS_ENV = "EXTRACTOR_SERVICE_SETTINGS"
STATE_DIR_ENV = "EXTRACTOR_STATE_DIR"
KEYS_FILE_ENV = "EXTRACTOR_API_KEYS_FILE"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_RATE_LIMIT = "120/minute"
DEFAULT_BUDGET_WINDOW_S = 86_400
DEFAULT_MAX_JOB_ARTICLES = 10_000
DEFAULT_SHUTDOWN_GRACE_S = 30.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class ServiceSettings(BaseModel):
    """Everything ``extractor serve`` decides before the first request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    extraction: ExtractorConfig = Field(default_factory=ExtractorConfig, description="Defaults of every request.")
    allowed_strategies: tuple[str, ...] = Field(
        default=(), description="Strategies a request may ask for besides the default one."
    )
    host: str = DEFAULT_HOST
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    http_workers: int = Field(default=1, ge=1, le=64, description="uvicorn processes sharing the job store.")
    keys_file: Path | None = Field(default=None, description="API keys; None: no authentication (loopback only).")
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1024)
    max_job_articles: int = Field(default=DEFAULT_MAX_JOB_ARTICLES, ge=1)
    rate_limit: str = Field(default=DEFAULT_RATE_LIMIT, description="Per key, e.g. '120/minute'; keys may override.")
    key_token_budget: int | None = Field(default=None, ge=1, description="Tokens per key per budget window.")
    budget_window_s: int = Field(default=DEFAULT_BUDGET_WINDOW_S, ge=1)
    state_dir: Path | None = Field(
        default=None,
        description="Where the server keeps its state (the job store): default EXTRACTOR_STATE_DIR, else "
        "$XDG_STATE_HOME/extractor, else ~/.local/state/extractor.",
    )
    jobs_db: Path | None = Field(default=None, description="Job store (default: jobs.sqlite3 in the state folder).")
    shutdown_grace_s: float = Field(default=DEFAULT_SHUTDOWN_GRACE_S, ge=0)
    log_level: str = "info"

    @property
    def strategies(self) -> tuple[str, ...]:
        """The default strategy first, then the other allowed ones (no repeats)."""
        names = [self.extraction.strategy, *self.allowed_strategies]
        return tuple(dict.fromkeys(names))

    def jobs_path(self) -> Path:
        """The job store: ``--jobs-db``, else ``jobs.sqlite3`` in the state folder (``--state-dir``)."""
        if self.jobs_db is not None:
            return self.jobs_db
        return (self.state_dir or default_state_dir()) / "jobs.sqlite3"

    def to_env(self) -> str:
        """JSON for a worker process; the endpoint key is left out (each process reads OPENAI_API_KEY)."""
        data = self.model_dump(mode="json", exclude={"extraction": {"api_key"}})
        return json.dumps(data)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ServiceSettings:
        environ = dict(os.environ) if environ is None else environ
        data: dict[str, Any] = json.loads(environ[SETTINGS_ENV])
        extraction = {key: value for key, value in data.pop("extraction").items() if value is not None}
        return cls(extraction=ExtractorConfig.from_env(environ, **extraction), **data)


def default_state_dir(environ: dict[str, str] | None = None) -> Path:
    """The server's state folder: ``EXTRACTOR_STATE_DIR``, else ``$XDG_STATE_HOME/extractor``, else
    ``~/.local/state/extractor`` (the XDG base directory rule: state, not cache, since a job is not
    something to throw away)."""
    environ = dict(os.environ) if environ is None else environ
    if environ.get(STATE_DIR_ENV):
        return Path(environ[STATE_DIR_ENV])
    base = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "extractor"


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_PERIOD_S = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400}


@lru_cache(maxsize=64)
def parse_rate(text: str) -> tuple[int, int]:
    """``"120/minute"`` -> (120 requests, 60 seconds); ``ValueError`` for anything else."""
    match = _RATE.match(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"a rate looks like 120/minute (per second, minute, hour or day), not {text!r}")
    return int(match.group(1)), _PERIOD_S[match.group(2).lower()]


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")
