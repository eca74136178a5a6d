"""The gold file format (JSON Lines, one article per line) and its strict loader.

Every line is validated with pydantic (``extra="forbid"`` everywhere) and then
checked against the article it names: the file must exist (its path relative to
the gold file's folder), its SHA-256 must match, and every evidence span must be
exactly ``text[start:end]``, where ``text`` is the file read the way ``extractor
extract`` reads it (``extractor.articles.normalise_text``: no BOM, LF line ends),
so gold and predicted offsets index the same text. Any problem
raises ``EvalInputError`` naming the file, the line and the field; nothing is
skipped silently. The format is documented in ``docs/evaluation.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from extractor.articles import normalise_text, sha256_text
from extractor.evaluation.errors import EvalInputError
from extractor.records import AttributionKind, Evidence, Stance


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GoldClaimant(_Strict):
    """The source of a gold claim: a resolved name plus the mention as written."""

    name: str = Field(min_length=1)
    role: str | None = None
    organization: str | None = None
    mention: str | None = Field(default=None, description="The source as written at this attribution.")
    aliases: list[str] = Field(default_factory=list, description="Other acceptable names.")
    named: bool | None = Field(
        default=None, description="Whether `name` is a name (true) or a description such as 'officials' (false)."
    )


class GoldClaim(_Strict):
    """One gold claim; ``None`` marks what the corpus does not annotate."""

    claimant: GoldClaimant | None = None
    stance: Stance | None = None
    claim: str = Field(min_length=1)
    evidence: Evidence
    evidence_parts: list[Evidence] | None = None
    said_on: dt.date | None = None
    attribution: AttributionKind | None = None
    cue: str | None = None
    notes: str | None = Field(
        default=None, description="The annotator's reason for a borderline decision (docs/annotation.md); not scored."
    )

    @model_validator(mode="after")
    def _parts_cover_evidence(self) -> GoldClaim:
        parts = self.evidence_parts
        if parts is None:
            return self
        if len(parts) < 2:
            raise ValueError("evidence_parts is only for discontinuous spans: give 2 or more parts or null")
        for before, after in pairwise(parts):
            if after.start < before.end:
                raise ValueError(
                    f"evidence_parts must be in text order and not overlap "
                    f"({before.start}:{before.end} then {after.start}:{after.end})"
                )
        if parts[0].start != self.evidence.start or parts[-1].end != self.evidence.end:
            raise ValueError(
                f"evidence {self.evidence.start}:{self.evidence.end} must run from the first part's "
                f"start to the last part's end ({parts[0].start}:{parts[-1].end})"
            )
        return self

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Character spans the claim's evidence consists of (the parts when discontinuous)."""
        if self.evidence_parts:
            return [(part.start, part.end) for part in self.evidence_parts]
        return [(self.evidence.start, self.evidence.end)]


class GoldArticle(_Strict):
    """One line of a gold file: an article and every claim it holds."""

    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="Article text file, relative to the gold file's folder.")
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    published: dt.date | None = None
    claims: list[GoldClaim]
    notes: str | None = Field(
        default=None, description="The annotator's remarks on the article as a whole (e.g. what was left out and why)."
    )
    reviewed: bool = Field(
        default=True,
        description="False for a draft nobody has checked (`gold from-predictions`, an annotation not marked done).",
    )


@dataclass(frozen=True)
class LoadedGoldArticle:
    """A validated gold article with the article text it was checked against."""

    article: GoldArticle
    text: str
    line: int

    @property
    def text_sha256(self) -> str:
        """sha256 of the text as read (what ``extractor extract`` records): how a prediction is found by content."""
        return sha256_text(self.text)


@dataclass(frozen=True)
class GoldSet:
    """A whole gold file, in file order, keyed by article id."""

    path: Path
    sha256: str
    articles: dict[str, LoadedGoldArticle]
    warnings: list[str] = field(default_factory=list)

    @property
    def claim_count(self) -> int:
        return sum(len(item.article.claims) for item in self.articles.values())


def format_location(loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location as ``claims[0].evidence.start``."""
    rendered = ""
    for part in loc:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += f".{part}" if rendered else str(part)
    return rendered or "(line)"


def validation_message(where: str, error: ValidationError) -> str:
    """One line naming the first invalid field, plus how many more there are."""
    errors = error.errors(include_url=False)
    first = errors[0]
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return f"{where}: field {format_location(tuple(first['loc']))}: {first['msg']}{more}"


def read_article_text(
    source: str, base_dir: Path, where: str, fallback_dir: Path | None = None
) -> tuple[Path, bytes, str]:
    """Read the article a gold line names: its path, raw bytes and text as ``extractor extract`` reads it.

    A relative ``source`` is looked up under ``base_dir``, then (older gold files) under ``fallback_dir``.
    """
    path = Path(source) if os.path.isabs(source) else base_dir / source
    if fallback_dir is not None and not os.path.isabs(source) and not path.exists():
        legacy = fallback_dir / source
        path = legacy if legacy.exists() else path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EvalInputError(f"{where}: field source: article file not found: {path}") from None
    except OSError as exc:
        raise EvalInputError(f"{where}: field source: cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{where}: field source: {path} is not valid UTF-8 (byte {exc.start})") from None
    return path, raw, normalise_text(text)


def load_gold(path: Path, base_dir: Path | None = None) -> GoldSet:
    """Load and fully check a gold file; article paths are relative to ``base_dir`` (default: the gold file's folder).

    With the default, a path not found there is tried against the working directory (how older gold files were
    written), with a warning.
    """
    fallback = Path.cwd() if base_dir is None else None
    base_dir = path.parent if base_dir is None else base_dir
    try:
        raw_file = path.read_bytes()
    except FileNotFoundError:
        raise EvalInputError(f"{path}: gold file not found") from None
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read gold file: {exc.strerror or exc}") from None

    def read_article(source: str, where: str) -> tuple[Path, bytes, str, bool]:
        article_path, raw, text = read_article_text(source, base_dir, where, fallback)
        return article_path, raw, text, not os.path.isabs(source) and not (base_dir / source).exists()

    return parse_gold(raw_file, path, read_article)


# (source as the gold line names it, where for messages) -> (path shown, raw bytes, text as
# `extractor extract` reads it, whether it was found only in the fallback folder)
ArticleReader = Callable[[str, str], tuple[Path, bytes, str, bool]]


def parse_gold(raw_file: bytes, path: Path, read_article: ArticleReader) -> GoldSet:
    """Check a gold file's bytes; ``read_article`` supplies each article it names (a file, or a request's text).

    The one parser behind ``load_gold`` and the service's ``POST /v1/eval``; ``path`` names the
    gold in messages and in the report.
    """
    articles: dict[str, LoadedGoldArticle] = {}
    legacy = 0
    for line_no, raw_line in enumerate(raw_file.split(b"\n"), start=1):
        where = f"{path}:{line_no}"
        if not raw_line.strip():
            continue
        loaded, used_fallback = _parse_gold_line(raw_line, where, read_article, line_no)
        legacy += used_fallback
        previous = articles.get(loaded.article.id)
        if previous is not None:
            raise EvalInputError(
                f"{where}: field id: duplicate article id {loaded.article.id!r} (first on line {previous.line})"
            )
        articles[loaded.article.id] = loaded
    if not articles:
        raise EvalInputError(f"{path}: gold file holds no articles")
    warnings = []
    unreviewed = [article_id for article_id, loaded in articles.items() if not loaded.article.reviewed]
    if unreviewed:
        warnings.append(
            f"{len(unreviewed)} of {len(articles)} articles in {path} are unreviewed drafts (reviewed: false); "
            "scores against them measure agreement with the draft's source, not quality"
        )
    if legacy:
        warnings.append(
            f"{legacy} article paths in {path} were found relative to the working directory, not to the gold file; "
            "write them relative to the gold file so eval works from any folder"
        )
    return GoldSet(path=path, sha256=hashlib.sha256(raw_file).hexdigest(), articles=articles, warnings=warnings)


def _parse_gold_line(
    raw_line: bytes, where: str, read_article: ArticleReader, line_no: int
) -> tuple[LoadedGoldArticle, bool]:
    try:
        data = json.loads(raw_line.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{where}: not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise EvalInputError(f"{where}: a gold line must be a JSON object, got {type(data).__name__}")
    try:
        article = GoldArticle.model_validate(data)
    except ValidationError as exc:
        raise EvalInputError(validation_message(where, exc)) from None

    article_path, raw_text, text, used_fallback = read_article(article.source, where)
    actual_sha = hashlib.sha256(raw_text).hexdigest()
    if actual_sha != article.text_sha256:
        raise EvalInputError(
            f"{where}: field text_sha256: {article_path} has SHA-256 {actual_sha}, "
            "not the one recorded; the article changed, so the gold offsets may be wrong"
        )
    for index, claim in enumerate(article.claims):
        _check_grounded(claim.evidence, text, f"{where}: field claims[{index}].evidence")
        for part_index, part in enumerate(claim.evidence_parts or []):
            _check_grounded(part, text, f"{where}: field claims[{index}].evidence_parts[{part_index}]")
    return LoadedGoldArticle(article=article, text=text, line=line_no), used_fallback


def _check_grounded(evidence: Evidence, text: str, where: str) -> None:
    if evidence.end > len(text):
        raise EvalInputError(
            f"{where}: span {evidence.start}:{evidence.end} ends past the article ({len(text)} characters)"
        )
    if not evidence.grounded_in(text):
        found = text[evidence.start : evidence.end]
        raise EvalInputError(
            f"{where}: quote is not the article text at {evidence.start}:{evidence.end} "
            f"(quote {_preview(evidence.quote)}, text {_preview(found)})"
        )


def _preview(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def gold_line(article: GoldArticle) -> str:
    """Serialise a gold article as one JSON line (nulls kept, so the format stays explicit).

    The optional fields added later (annotator ``notes``, ``reviewed``, a claimant's ``named``) are
    written only when they say something, so gold files written before them (and converted gold,
    ``gold import-brat``) stay byte-identical.
    """
    data = article.model_dump(mode="json")
    if data["reviewed"]:
        del data["reviewed"]
    for record in (data, *data["claims"]):
        if record.get("notes") is None:
            record.pop("notes", None)
    for claim in data["claims"]:
        if claim["claimant"] is not None and claim["claimant"]["named"] is None:
            del claim["claimant"]["named"]
    return json.dumps(data, ensure_ascii=False)
