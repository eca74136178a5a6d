"""One typed, frozen configuration for an extraction run, and the one place for its defaults.

``ExtractorConfig`` holds what the CLI's ``extractor extract`` options hold, one field per
option (``--timeout`` is ``timeout_s``, ``--max-retries`` is ``max_retries``), and
``ExtractorConfig.from_env`` reads the same environment variables the CLI reads:

=======================  ============
``OPENAI_BASE_URL``      ``base_url``
``OPENAI_API_KEY``       ``api_key``
``EXTRACTOR_MODEL``      ``model``
``EXTRACTOR_CACHE_DIR``  ``cache_dir``
=======================  ============

Where the model runs is decided here too (like LangExtract's model-config factory): an
endpoint (``base_url``) or an API key means a remote OpenAI-compatible service; neither
means the embedded llama.cpp server, which then also sets the timeout and concurrency
defaults (a single local server answers one request at a time). The API key is a
``SecretStr``: it never appears in a repr, a log line, a cache key or an output record.

This module imports only ``extractor.errors`` from the package, so every layer may depend on it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from extractor.errors import ConfigError

DEFAULT_STRATEGY = "guided"
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-0.5b"
DEFAULT_MODE = "tools"
DEFAULT_REMOTE_TIMEOUT_S = 120.0
# The embedded server answers one request at a time: a request may queue behind others,
# so it gets longer before counting as timed out.
DEFAULT_EMBEDDED_TIMEOUT_S = 600.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_MAX_REASKS = 1
DEFAULT_REMOTE_CONCURRENCY = 8
DEFAULT_EMBEDDED_CONCURRENCY = 2
DEFAULT_MAX_ARTICLE_CHARS = 1_000_000
# Worker processes: the library runs in its caller's process unless asked (a spawned worker
# re-imports the caller's main module, which a script without an ``if __name__ == "__main__"``
# guard cannot survive); the CLI asks for "auto": one process per usable core when the strategy
# has a CPU pass, except with the embedded model, whose server already keeps every core busy
# while one process's threads overlap the CPU pass with it (docs/scaling.md has the measurements).
DEFAULT_WORKERS = 1
DEFAULT_CLI_WORKERS = "auto"
MAX_CONCURRENCY = 256
MAX_WORKERS = 256
MAX_REASKS = 5
MAX_RETRIES = 10

Mode = Literal["tools", "json_schema", "json"]
DEFAULT_ENGINE = "local"
# Seconds to wait for a Ray cluster at ``ray_address`` before giving up (an unreachable address must not hang).
DEFAULT_RAY_CONNECT_TIMEOUT_S = 30.0

# Environment variable -> field: what ``from_env`` reads (and nothing else).
ENV_VARS = {
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
    "EXTRACTOR_MODEL": "model",
    "EXTRACTOR_CACHE_DIR": "cache_dir",
}


class ExtractorConfig(BaseModel):
    """Everything that decides how articles are extracted; every field has its default here.

    ``None`` in ``model``, ``timeout_s`` and ``concurrency`` means "the default for where
    the model runs" (see ``effective_*``); ``cache_dir=None`` means the default cache folder.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: str = Field(
        default=DEFAULT_STRATEGY,
        min_length=1,
        description=(
            "Strategy: guided (default), guided_full, whole_article, baseline (no model), guided_checked, "
            "or a plugin's."
        ),
    )
    model: str | None = Field(
        default=None, description=f"Model name at the endpoint (default: {DEFAULT_REMOTE_MODEL}; EXTRACTOR_MODEL)."
    )
    base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint (OPENAI_BASE_URL); none: the embedded model."
    )
    api_key: SecretStr | None = Field(default=None, description="Key for the endpoint; never printed or stored.")
    local_model: str = Field(
        default=DEFAULT_LOCAL_MODEL,
        description=f"Embedded model when no endpoint is set (default: {DEFAULT_LOCAL_MODEL}; extractor fetch-model).",
    )
    mode: Mode = Field(
        default=DEFAULT_MODE,
        description="instructor mode: tools (default; works everywhere), json_schema (OpenAI, vLLM) or json.",
    )
    timeout_s: float | None = Field(
        default=None,
        ge=1,
        description="Seconds per model request (default: 120; 600 for the embedded server).",
        json_schema_extra={"cli": "--timeout"},
    )
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, ge=0, le=MAX_RETRIES, description="Transport retries.")
    max_reasks: int = Field(default=DEFAULT_MAX_REASKS, ge=0, le=MAX_REASKS, description="Re-asks on invalid output.")
    concurrency: int | None = Field(
        default=None, ge=1, le=MAX_CONCURRENCY, description="Articles in flight (over all worker processes)."
    )
    engine: str = Field(
        default=DEFAULT_ENGINE,
        min_length=1,
        description='Where articles run: "local" (threads here), "processes" (worker processes) or "ray" (Ray '
        "actors); a plugin may add more (extractor.executors).",
    )
    workers: int | Literal["auto"] = Field(
        default=DEFAULT_WORKERS,
        description='Worker processes or Ray actors extracting at once ("auto": one per usable core for a CPU pass '
        'with processes, the cluster\'s CPUs with Ray); more than 1 with engine "local" means "processes".',
    )
    ray_address: str | None = Field(
        default=None, description='Ray cluster to join with engine "ray" ("auto": this machine\'s); none: start one.'
    )
    cache: bool = Field(default=True, description="Keep model responses and finished results on disk (default: on).")
    cache_dir: Path | None = Field(
        default=None, description="Cache folder (EXTRACTOR_CACHE_DIR; default: ~/.cache/extractor/responses)."
    )
    token_budget: int | None = Field(default=None, ge=1, description="Stop once this many tokens are spent.")
    max_article_chars: int = Field(default=DEFAULT_MAX_ARTICLE_CHARS, ge=1, description="Longer articles fail.")

    @field_validator("workers", mode="before")
    @classmethod
    def _workers_number(cls, value: Any) -> Any:
        # "2" from an environment or a form is 2; anything else but "auto" must be a whole number >= 1.
        if isinstance(value, str) and value.strip().lower() != "auto":
            try:
                value = int(value)
            except ValueError:
                raise ValueError('must be a whole number or "auto"') from None
        if isinstance(value, str):
            return "auto"
        if isinstance(value, bool):
            raise ValueError('must be a whole number or "auto"')
        if isinstance(value, int) and not 1 <= value <= MAX_WORKERS:
            raise ValueError(f"must be between 1 and {MAX_WORKERS}")
        return value

    @field_validator("model", "base_url", "api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # An empty OPENAI_BASE_URL or --model "" means "not set", as it did for the CLI.
        return None if isinstance(value, str) and not value.strip() else value

    @classmethod
    def build(cls, **values: Any) -> ExtractorConfig:
        """Validate ``values`` into a config; a bad value raises ``ConfigError`` naming the field."""
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "config"
            raise ConfigError(f"invalid setting {where}: {first['msg']}") from None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> ExtractorConfig:
        """The config the CLI would build: ``overrides`` (None ones ignored), then ``ENV_VARS``, then defaults."""
        environ = dict(os.environ) if environ is None else environ
        values: dict[str, Any] = {field: environ[name] for name, field in ENV_VARS.items() if environ.get(name)}
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls.build(**values)

    @property
    def remote(self) -> bool:
        """True when a remote endpoint is configured (an address or a key); else the embedded model serves."""
        return self.base_url is not None or self.api_key is not None

    def effective_timeout_s(self, embedded: bool) -> float:
        if self.timeout_s is not None:
            return self.timeout_s
        return DEFAULT_EMBEDDED_TIMEOUT_S if embedded else DEFAULT_REMOTE_TIMEOUT_S

    def effective_concurrency(self, embedded: bool) -> int:
        if self.concurrency is not None:
            return self.concurrency
        return DEFAULT_EMBEDDED_CONCURRENCY if embedded else DEFAULT_REMOTE_CONCURRENCY

    def effective_workers(self, cpu_pass: bool, embedded: bool = False) -> int:
        """Worker processes to run: ``workers``, or for "auto" the usable cores when the strategy has a CPU
        pass and no embedded model shares the cores, else 1 (see docs/scaling.md for the measurements)."""
        if self.workers != "auto":
            return self.workers
        return usable_cores() if cpu_pass and not embedded else 1

    def effective_model(self) -> str:
        """The model name sent to a remote endpoint."""
        return self.model or DEFAULT_REMOTE_MODEL

    def secret(self) -> str:
        """The API key in clear, for the HTTP client only."""
        return self.api_key.get_secret_value() if self.api_key is not None else ""


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers and taskset narrow), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
