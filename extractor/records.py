"""Record types shared by extraction and evaluation: articles, claims, output lines.

This module imports nothing else from the package, so every other module can
depend on it. Offsets are Python string indices (code points) into the article
text as read: decoded from UTF-8 and normalised once (leading BOM removed, CRLF
and CR turned into LF, lone surrogates replaced by U+FFFD; nothing else). For a
``.txt``/``.md`` file that is what ``open(path, encoding="utf-8").read()``
returns less a leading BOM; for every other input (HTML and other converted
inputs, JSON/JSONL records, standard input) the output line carries the text in
``ArticleResult.text``. Either way any reader can highlight ``text[start:end]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "claim-record/3"
TEXT_SOURCE = "<text>"  # the source of an article given as text in code
# Field limits of a claim record, defined once: strategies cut their output to these.
MAX_NAME_CHARS = 200  # claimant name, role and organisation
MAX_KEY_CHARS = 300  # a description key: its words (up to a name's length) and the article's tag
MAX_CLAIM_CHARS = 1000
MAX_CUE_CHARS = 100


@dataclass(frozen=True)
class Span:
    """A half-open character range ``[start, end)`` of an article's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}:{self.end}")

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def text(self, text: str) -> str:
        return text[self.start : self.end]


class Stance(StrEnum):
    """Whether the claimant says something is so, or says it is not so."""

    ASSERTS = "asserts"
    DENIES = "denies"


class AttributionKind(StrEnum):
    """How the article conveys the claim."""

    DIRECT_QUOTE = "direct_quote"
    REPORTED = "reported"
    OUTLET = "outlet"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Claimant(_Frozen):
    """Who made the claim: a name as written in full in the article, never a pronoun.

    Where the article never names the speaker, ``name`` is an explicit description
    ("Republican officials", "Hillary Clinton's campaign") and ``named`` is False.
    """

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    role: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    organization: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    named: bool = Field(
        default=True,
        description="False when `name` is a description of a speaker the article does not name ('a senior official').",
    )
    key: str | None = Field(
        default=None,
        max_length=MAX_KEY_CHARS,
        description=(
            "The speaker's identity across the batch: the same for every claim of one speaker in an output "
            "('Trump', 'Donald J. Trump', 'Mr. Trump' -> 'donald-trump'); a description's key ('desc:...') is "
            "its article's own. The name is for reading, the key for counting (extractor.claimants.keys)."
        ),
    )


class Evidence(_Frozen):
    """An exact span of the article: ``article.text[start:end] == quote``."""

    quote: str = Field(min_length=1)
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _span_matches_quote(self) -> Evidence:
        if self.end - self.start != len(self.quote):
            raise ValueError(
                f"span {self.start}:{self.end} has length {self.end - self.start}, quote has length {len(self.quote)}"
            )
        return self

    def grounded_in(self, text: str) -> bool:
        return text[self.start : self.end] == self.quote


class Claim(_Frozen):
    """One claim record: who claimed what, asserting or denying it, with its evidence."""

    claimant: Claimant
    stance: Stance
    claim: str = Field(min_length=1, max_length=MAX_CLAIM_CHARS)
    evidence: Evidence
    said_on: dt.date | None = None
    attribution: AttributionKind
    cue: str | None = Field(
        default=None, max_length=MAX_CUE_CHARS, description="The reporting words, e.g. 'said', 'denied'."
    )


class Article(_Frozen):
    """One input article. ``text`` is the text as read and normalised once; every offset indexes it."""

    id: str = Field(min_length=1, description="Unique in a batch: the path as given, a JSON id, or file:line.")
    text: str
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None
    source: str = Field(
        default=TEXT_SOURCE,
        description="Path of the file the article came from (with :line for JSONL); `<text>` for text given in code.",
    )
    body_start: int = Field(
        default=0,
        ge=0,
        description="Offset where the article body begins; text before it is title/header matter.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What reading noticed and the line should say: header text left out of the body, a bad date.",
    )
    meta: dict[str, Any] | None = Field(
        default=None, description="Fields of a JSON/JSONL record beyond id, text, title, published and url."
    )
    text_from_source: bool = Field(
        default=False,
        description=(
            "True when `text` is the file at `source` read as UTF-8 with universal newlines, less a leading BOM; "
            "otherwise (HTML, JSON/JSONL, standard input, text passed in by a program) output lines carry the text."
        ),
    )


class Usage(BaseModel):
    """LLM cost of one article (or a whole run), retries and re-asks included."""

    model_config = ConfigDict(extra="forbid")

    llm_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasks: int = 0
    transport_retries: int = 0

    def add(self, other: Usage) -> None:
        for name in type(self).model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class ArticleResult(BaseModel):
    """One output line of ``extractor extract``: the unit of resumption and of errors."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    id: str
    source: str
    status: Literal["ok", "error"]
    claims: list[Claim] = Field(default_factory=list)
    error: str | None = None
    dropped_ungrounded: int = Field(
        default=0, description="Model outputs rejected because their evidence was not in the article."
    )
    usage: Usage = Field(default_factory=Usage)
    strategy: str
    model: str | None = Field(default=None, description="The model name requested from the endpoint.")
    served_model: str | None = Field(
        default=None,
        description="The model name the endpoint reported in its answers (may differ from `model`); null when none.",
    )
    endpoint: str | None = Field(default=None, description="The endpoint, with any credentials in its URL redacted.")
    prompt_version: str | None = None
    text_sha256: str | None = Field(default=None, description="sha256 of the article text the offsets index.")
    text: str | None = Field(
        default=None,
        description=(
            "The article text the evidence offsets index, carried when it cannot be re-read from `source`: "
            "HTML and other converted inputs, JSON/JSONL records, standard input. Null for .txt/.md files, whose "
            "text is the file decoded as UTF-8 with a leading BOM removed and CRLF/CR turned into LF."
        ),
    )
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    meta: dict[str, Any] | None = Field(
        default=None, description="Fields of the input JSON record beyond id, text, title, published and url."
    )
    body_start: int = Field(
        default=0,
        ge=0,
        description=(
            "Offset where the body begins: text before it (a header the reader recognised) is never a claim's "
            "evidence, and `warnings` says what it was. 0 for text given as a string, a JSON field, standard input "
            "or a request, unless header detection was asked for."
        ),
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the reader left out or could not use (header text before `body_start`, an unparseable date).",
    )
    seconds: float = 0.0
    finished_at: dt.datetime | None = None


def output_json_schema() -> dict[str, Any]:
    """The JSON Schema of one output line (``ArticleResult``), as ``extractor schema`` prints it."""
    schema = ArticleResult.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_VERSION, **schema}
