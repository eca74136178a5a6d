"""The service's request and response bodies, typed: FastAPI validates with them and the OpenAPI schema shows them.

Every request model is strict (``extra="forbid"``): an unknown field is a 422 naming it, except
an article (``ArticleIn``), whose other fields are carried to the output line's ``meta``, as
for a JSONL record in the CLI; a value no answer could carry (a lone surrogate, ``meta`` nested
past 64 levels) is a 422 too.
The extraction response is the library's own ``ArticleResult``, the line ``extractor
extract`` writes; the eval response is the ``EvaluationReport`` that ``extractor eval``
writes as report.json.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class ArticleIn(BaseModel):
    """One article. ``text`` is article text, kept whole (no title or header line is looked for unless
    ``detect_header``); any other field is carried to the output line's ``meta``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    text: str = Field(min_length=1, description="The article text; offsets in the answer index it as given.")
    id: str | None = Field(
        default=None, min_length=1, max_length=MAX_ID_CHARS, description="Default: `text-` + 12 hex of its sha256."
    )
    published: str | None = Field(
        default=None,
        description="Publication date, to resolve 'on Monday': ISO, or as scrapers write it ('Sep 12, 2016', read "
        "month first); one that names no date is a warning on the line, with `published` null.",
    )
    title: str | None = Field(default=None, max_length=MAX_LABEL_CHARS, description="Headline; never removes text.")
    url: str | None = Field(default=None, max_length=MAX_LABEL_CHARS, description="Where the article was published.")
    meta: dict[str, Any] | None = Field(
        default=None, description="Anything else about the article: carried unchanged to the output line's `meta`."
    )
    strategy: str | None = Field(
        default=None, min_length=1, max_length=100, description="One the server allows (default: the server's)."
    )
    detect_header: bool = Field(
        default=False,
        description="Look for a title line and scraped header matter and leave them out of the body (the line's "
        "`body_start` and `warnings` say what was left out).",
    )

    _writable = field_validator("*", mode="after")(_Request._writable.__func__)  # type: ignore[attr-defined]

    @model_validator(mode="after")
    def _extras_writable(self) -> ArticleIn:
        """The other fields (carried to ``meta``) must be writable too: a 422 naming the field, never a 500."""
        for name, value in (self.model_extra or {}).items():
            reason = unwritable(value)
            if reason is not None:
                raise ValueError(f"field {name!r}: value {reason}")
        return self


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


class JobProgress(BaseModel):
    """The figures ``extractor extract --progress log`` prints: done/total, errors, claims, rate and ETA."""

    done: int
    total: int
    errors: int
    claims: int = Field(description="Claims in the finished articles' lines.")
    elapsed_s: float = Field(description="Seconds since the job was accepted.")
    rate_per_s: float | None = Field(description="Articles finished per second since the job was accepted.")
    eta_s: float | None = Field(description="Seconds left at that rate (null until an article finished).")


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
    progress: JobProgress
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
