"""The service's request and response bodies, typed: FastAPI validates with them and the OpenAPI schema shows them.

Every request model is strict (``extra="forbid"``): an unknown field is a 422 naming it, and so
is a value no answer could carry (a lone surrogate, ``meta`` nested past 64 levels).
The extraction response is the library's own ``ArticleResult``, the line ``extractor
extract`` writes; the eval response is the ``EvaluationReport`` that ``extractor eval``
writes as report.json.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from extractor.articles import unwritable
from extractor.evaluation.gate import DEFAULT_TOLERANCE
from extractor.records import Usage

MAX_ID_CHARS = 200
MAX_LABEL_CHARS = 2000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _writable(cls, value: Any) -> Any:
        """What no answer could carry (a lone surrogate, nesting deeper than MAX_NESTING) is a 422, never a 500."""
        reason = unwritable(value)
        if reason is not None:
            raise ValueError(f"value {reason}")
        return value


class ArticleIn(_Request):
    """One article. ``text`` is read as ``Extractor.extract(text)`` reads it (a title line, a scraped date)."""

    text: str = Field(min_length=1, description="The article text; offsets in the answer index it as given.")
    id: str | None = Field(
        default=None, min_length=1, max_length=MAX_ID_CHARS, description="Default: `text-` + 12 hex of its sha256."
    )
    published: dt.date | None = Field(default=None, description="Publication date, to resolve 'on Monday'.")
    title: str | None = Field(default=None, max_length=MAX_LABEL_CHARS, description="Headline (else found in text).")
    url: str | None = Field(default=None, max_length=MAX_LABEL_CHARS, description="Where the article was published.")
    meta: dict[str, Any] | None = Field(
        default=None, description="Anything else about the article: carried unchanged to the output line's `meta`."
    )
    strategy: str | None = Field(
        default=None, min_length=1, max_length=100, description="One the server allows (default: the server's)."
    )


class JobAccepted(BaseModel):
    """The answer to ``POST /v1/jobs``: the job is stored and will run."""

    id: str
    state: Literal["queued"] = "queued"
    articles: int
    status_url: str
    results_url: str


class JobCounts(BaseModel):
    total: int
    pending: int
    running: int
    done: int
    cancelled: int
    ok: int
    error: int


class JobError(BaseModel):
    index: int = Field(description="Position of the article in the submitted list (0-based).")
    id: str
    error: str | None


class JobStatus(BaseModel):
    """A job's progress: state, counts, what it cost so far, and its failed articles (first 100)."""

    id: str
    state: Literal["queued", "running", "paused", "done", "cancelled"]
    created_at: dt.datetime
    updated_at: dt.datetime
    paused_until: dt.datetime | None = Field(
        default=None, description="Set while paused: the key's token budget is spent until then."
    )
    counts: JobCounts
    usage: Usage
    errors: list[JobError]


class EvalRequest(_Request):
    """A gold file and predictions, as ``extractor eval --gold --pred`` reads them, plus the gold's article texts."""

    gold: str = Field(min_length=1, description="The gold file's content (JSON Lines, docs/evaluation.md).")
    predictions: str = Field(description="The predictions' content: JSON Lines as `extractor extract` writes.")
    texts: dict[str, str] = Field(
        description="Article text for each `source` the gold names (the text whose sha256 the gold records)."
    )
    thresholds: dict[str, float] | None = Field(default=None, description="{metric: minimum}, as --thresholds.")
    baseline: dict[str, object] | None = Field(default=None, description="An earlier report.json, as --baseline.")
    tolerance: float = Field(default=DEFAULT_TOLERANCE, ge=0, le=1, description="As --tolerance.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    model_endpoint: str | None = Field(description="Where the model is served (none for strategies without one).")
    detail: str | None = None


class ErrorBody(BaseModel):
    """Every error answer: ``detail`` says what is wrong (for a 422, FastAPI's list naming each field)."""

    detail: str | list[dict[str, object]]
