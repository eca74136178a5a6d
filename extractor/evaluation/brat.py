"""Importing brat standoff attribution annotations (PolNeAR) into the gold format.

Each brat event ``E<n>  Attribution:T.. Content:T.. Cue:T.. Source:T..`` becomes a
gold claim: Content is the evidence (and, whitespace collapsed, the claim text),
Source the claimant, Cue the cue. The rules for double annotation, discontinuous
spans, missing sources and contents, Discard/Discuss marks, quotation detection
and resolving pronoun sources are documented in ``docs/evaluation.md``; every
attribution left out is counted in ``ImportStats``, never dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import ClassVar

from extractor.articles import normalise_text
from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import GoldArticle, GoldClaim, GoldClaimant
from extractor.evaluation.names import (
    FIRST_PERSON_PRONOUNS,
    OTHER_PRONOUNS,
    PERSONAL_SINGULAR_PRONOUNS,
    RELATIVE_PRONOUNS,
    MentionForm,
    description_head,
    mention_form,
    same_word,
    words,
)
from extractor.records import AttributionKind, Evidence

Span = tuple[int, int]

ATTRIBUTION_TRIGGERS = frozenset({"Attribution", "Attribution-no-source"})
ROLE_LABELS = frozenset({"Source", "Cue", "Content"})
MARK_LABELS = frozenset({"Discard", "Discuss"})
KNOWN_TEXT_LABELS = ATTRIBUTION_TRIGGERS | ROLE_LABELS | MARK_LABELS

_ENTRY_START = re.compile(r"^(?:[TERAMN]\d+|#\d*|\*)\t")
_ROLE_SUFFIX = re.compile(r"\d+$")
_OFFSETS = re.compile(r"^\d+ \d+(?:;\d+ \d+)*$")
_RELATIVE_GAP = re.compile(r"^[\s,]*(?:\([^()]*\))?[\s,]*$")
_MENTION_EDGE = " \t\n,;:—–-"
# Straight and typographic marks of one family may pair with each other.
QUOTE_FAMILIES = (frozenset('"“”„«»'), frozenset("'‘’‹›"))
_TRAILING_PUNCTUATION = ",.;:!?"


@dataclass(frozen=True)
class TextBound:
    """A ``T`` line: a labelled, possibly discontinuous span."""

    id: str
    label: str
    fragments: tuple[Span, ...]
    line: int


@dataclass(frozen=True)
class BratEvent:
    """An ``E`` line: a trigger and its (role, text-bound id) arguments."""

    id: str
    trigger_label: str
    trigger_id: str
    arguments: tuple[tuple[str, str], ...]
    line: int


@dataclass
class BratDocument:
    path: Path
    textbounds: dict[str, TextBound]
    events: list[BratEvent]
    notes: int = 0
    other_lines: int = 0
    role_label_mismatches: int = 0


@dataclass
class ImportStats:
    """Counts printed after an import; every attribution read is either a claim or a skip reason."""

    ann_files: int = 0
    articles: int = 0
    articles_double_annotated: int = 0
    annotations_not_used: int = 0
    texts_without_annotation: int = 0
    attributions: int = 0
    claims: int = 0
    skipped_no_content: int = 0
    without_source: int = 0
    no_source_label_with_source: int = 0
    discontinuous: int = 0
    multiple_content_arguments: int = 0
    direct_quote: int = 0
    sources_named: int = 0
    sources_resolved: int = 0
    sources_unresolved: int = 0
    discard_marks: int = 0
    discuss_marks: int = 0
    unlinked_spans: int = 0
    annotator_notes: int = 0
    other_brat_lines: int = 0
    role_label_mismatches: int = 0
    not_in_metadata: int = 0

    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "ann_files": ".ann files read",
        "articles": "articles written",
        "articles_double_annotated": "articles annotated more than once (smallest annotator id used)",
        "annotations_not_used": ".ann files not used (other annotators of those articles)",
        "texts_without_annotation": "text files without any .ann file (skipped)",
        "attributions": "attributions (E lines) in the annotations used",
        "claims": "claims written",
        "skipped_no_content": "attributions skipped: no Content",
        "without_source": "claims without a source (claimant null)",
        "no_source_label_with_source": "Attribution-no-source events that do name a Source (kept)",
        "discontinuous": "claims with discontinuous evidence (evidence_parts)",
        "multiple_content_arguments": "claims joining several Content arguments (Content2...)",
        "direct_quote": "claims marked direct_quote (content inside quotation marks)",
        "sources_named": "sources that are names as written",
        "sources_resolved": "pronoun/description sources resolved to an earlier named source",
        "sources_unresolved": "pronoun/description/other sources kept as written",
        "discard_marks": "Discard marks (not attributions; ignored)",
        "discuss_marks": "Discuss marks (not attributions; ignored)",
        "unlinked_spans": "Source/Cue/Content spans in no attribution (ignored)",
        "annotator_notes": "annotator notes (#) (ignored)",
        "other_brat_lines": "other brat lines: A/R/M/N/* (ignored)",
        "role_label_mismatches": "event arguments whose span has another label (role used)",
        "not_in_metadata": "articles missing from the metadata file (published null)",
    }

    def rows(self) -> list[tuple[str, int]]:
        return [(self.DESCRIPTIONS[f.name], getattr(self, f.name)) for f in fields(self)]


def _read_text(path: Path) -> tuple[bytes, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path}: not valid UTF-8 (byte {exc.start})") from None


def _entries(raw: str, path: Path) -> Iterator[tuple[int, str]]:
    """(line number, entry) pairs; a T line's text may run over several lines."""
    current: tuple[int, str] | None = None
    for line_no, line in enumerate(raw.split("\n"), start=1):
        if _ENTRY_START.match(line):
            if current is not None:
                yield current
            current = (line_no, line)
        elif current is not None and current[1].startswith("T"):
            current = (current[0], current[1] + "\n" + line)
        elif line.strip():
            raise EvalInputError(f"{path}:{line_no}: not a brat annotation line: {line[:60]!r}")
    if current is not None:
        yield current


def parse_ann(path: Path, text: str) -> BratDocument:
    """Parse one .ann file, checking every span against the article text it annotates."""
    _, raw = _read_text(path)
    document = BratDocument(path=path, textbounds={}, events=[])
    for line_no, entry in _entries(raw, path):
        where = f"{path}:{line_no}"
        kind = entry[0]
        if kind == "T":
            bound = _parse_textbound(entry, where, line_no, text)
            if bound.id in document.textbounds:
                raise EvalInputError(f"{where}: duplicate id {bound.id}")
            document.textbounds[bound.id] = bound
        elif kind == "E":
            document.events.append(_parse_event(entry, where, line_no))
        elif kind == "#":
            document.notes += 1
        else:
            document.other_lines += 1
    for event in document.events:
        for role, target in ((event.trigger_label, event.trigger_id), *event.arguments):
            bound = document.textbounds.get(target)
            if bound is None:
                raise EvalInputError(f"{path}:{event.line}: {event.id} refers to {target}, which is not defined")
            expected = role if role in ATTRIBUTION_TRIGGERS else _ROLE_SUFFIX.sub("", role)
            # The event's role decides (PolNeAR has a few spans labelled Discuss or
            # with swapped labels but used in a clear role); the mismatch is counted.
            if bound.label != expected:
                document.role_label_mismatches += 1
    return document


def _parse_textbound(entry: str, where: str, line_no: int, text: str) -> TextBound:
    parts = entry.split("\t", 2)
    if len(parts) != 3 or " " not in parts[1]:
        raise EvalInputError(f"{where}: malformed text-bound line, expected 'T<n>\\t<Label> <start> <end>\\t<text>'")
    identifier, middle, annotated_text = parts
    label, offsets = middle.split(" ", 1)
    if label not in KNOWN_TEXT_LABELS:
        raise EvalInputError(
            f"{where}: unknown label {label!r}; expected one of {', '.join(sorted(KNOWN_TEXT_LABELS))}"
        )
    if not _OFFSETS.match(offsets):
        raise EvalInputError(f"{where}: malformed offsets {offsets!r}, expected 'start end' or 'start end;start end'")
    fragments = tuple((int(a), int(b)) for a, b in (piece.split() for piece in offsets.split(";")))
    for start, end in fragments:
        if not 0 <= start <= end <= len(text):
            raise EvalInputError(f"{where}: span {start}:{end} is outside the article ({len(text)} characters)")
    # brat joins the fragments of a discontinuous span with a space; whitespace
    # inside the stored text is not reliable, so compare word by word.
    expected = " ".join(text[start:end] for start, end in fragments)
    if expected.split() != annotated_text.split():
        raise EvalInputError(
            f"{where}: annotated text does not match the article at {offsets} "
            f"(annotation {annotated_text[:40]!r}, article {expected[:40]!r})"
        )
    return TextBound(id=identifier, label=label, fragments=tuple(sorted(fragments)), line=line_no)


def _parse_event(entry: str, where: str, line_no: int) -> BratEvent:
    parts = entry.split("\t")
    if len(parts) < 2 or not parts[1].strip():
        raise EvalInputError(f"{where}: malformed event line, expected 'E<n>\\t<Type>:<T id> <Role>:<T id> ...'")
    arguments = []
    for item in parts[1].split():
        role, separator, target = item.partition(":")
        if not separator or not role or not target:
            raise EvalInputError(f"{where}: malformed event argument {item!r}")
        arguments.append((role, target))
    trigger_label, trigger_id = arguments[0]
    if trigger_label not in ATTRIBUTION_TRIGGERS:
        raise EvalInputError(
            f"{where}: unknown event type {trigger_label!r}; expected one of {', '.join(sorted(ATTRIBUTION_TRIGGERS))}"
        )
    for role, _ in arguments[1:]:
        if _ROLE_SUFFIX.sub("", role) not in ROLE_LABELS:
            raise EvalInputError(f"{where}: unknown role {role!r}; expected Source, Cue or Content")
    return BratEvent(
        id=parts[0],
        trigger_label=trigger_label,
        trigger_id=trigger_id,
        arguments=tuple(arguments[1:]),
        line=line_no,
    )


def merge_fragments(fragments: list[Span]) -> list[Span]:
    """Sort fragments and join the ones that touch or overlap; empty fragments are dropped."""
    merged: list[Span] = []
    for start, end in sorted(f for f in fragments if f[1] > f[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def collapsed(text: str) -> str:
    return " ".join(text.split())


def is_direct_quote(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a quotation.

    It is when a quotation mark opens it (its first non-space character, or the
    nearest non-space character before it) and a mark of the same family closes
    it (its last character, or the nearest one after it, skipping spaces and
    ``,.;:!?``).
    """
    head = start
    while head < end and text[head].isspace():
        head += 1
    before = start - 1
    while before >= 0 and text[before].isspace():
        before -= 1
    tail = end - 1
    while tail > head and (text[tail].isspace() or text[tail] in _TRAILING_PUNCTUATION):
        tail -= 1
    after = end
    while after < len(text) and (text[after].isspace() or text[after] in _TRAILING_PUNCTUATION):
        after += 1
    for family in QUOTE_FAMILIES:
        opens = (head < end and text[head] in family) or (before >= 0 and text[before] in family)
        closes = (tail > head and text[tail] in family) or (after < len(text) and text[after] in family)
        if opens and closes:
            return True
    return False


@dataclass(frozen=True)
class _SourceMention:
    start: int
    end: int
    mention: str
    form: MentionForm


@dataclass
class _Attribution:
    event: BratEvent
    content: list[Span]
    source: _SourceMention | None
    cue: str | None


def _clean_mention(mention: str) -> str:
    return collapsed(mention).strip(_MENTION_EDGE)


def _fragments(document: BratDocument, ids: list[str]) -> list[Span]:
    return [fragment for identifier in ids for fragment in document.textbounds[identifier].fragments]


def _joined(text: str, spans: list[Span]) -> str:
    return " ".join(text[start:end] for start, end in spans)


def _attributions(document: BratDocument, text: str, stats: ImportStats) -> list[_Attribution]:
    found = []
    for event in document.events:
        stats.attributions += 1
        by_role: dict[str, list[str]] = defaultdict(list)
        for role, target in event.arguments:
            by_role[_ROLE_SUFFIX.sub("", role)].append(target)
        content = merge_fragments(_fragments(document, by_role["Content"]))
        if not content or not collapsed(_joined(text, content)):
            stats.skipped_no_content += 1
            continue
        if len(by_role["Content"]) > 1:
            stats.multiple_content_arguments += 1
        source = None
        source_spans = merge_fragments(_fragments(document, by_role["Source"]))
        if source_spans:
            mention = _clean_mention(_joined(text, source_spans))
            if mention:
                source = _SourceMention(source_spans[0][0], source_spans[-1][1], mention, mention_form(mention))
            if event.trigger_label == "Attribution-no-source":
                stats.no_source_label_with_source += 1
        cue_spans = merge_fragments(_fragments(document, by_role["Cue"]))
        cue = collapsed(_joined(text, cue_spans)) or None
        found.append(_Attribution(event=event, content=content, source=source, cue=cue))
    return found


_RELATIVE_CLAUSE = re.compile(r",?\s+(?:who|whom|whose|which)\b.*$", re.DOTALL)


def name_of_named_mention(mention: str) -> str:
    """A named mention as a name: cut before a relative clause ("Weld, who added ..." -> "Weld")."""
    return _RELATIVE_CLAUSE.sub("", mention).strip(_MENTION_EDGE) or mention


class SourceResolver:
    """Gives each attribution's Source mention a name, resolving pronouns and descriptions.

    The rule (documented in docs/evaluation.md): a named mention is its own name
    (cut before a relative clause); "he"/"she" and the like take the nearest named
    source mention ending before them that does not start with a quantifier
    ("some Democrats"); "who"/"which"/"that" take a named source mention directly
    before them (only commas, spaces or one parenthesis between); a definite
    description ("the spokesman") takes the nearest earlier named source mention
    containing its head word; "I"/"we" and the like take the name given to the
    source of the innermost attribution whose content holds them (the speaker of
    the quote). Anything else keeps the mention as written.
    """

    def __init__(self, text: str, attributions: list[_Attribution]) -> None:
        self.text = text
        self.attributions = attributions
        self.named = sorted(
            {a.source for a in attributions if a.source and a.source.form is MentionForm.NAMED},
            key=lambda m: (m.end, m.start),
        )

    def names(self) -> list[str | None]:
        """Per attribution: the resolved name, or None (no source, or it stays as written)."""
        resolved: list[str | None] = [
            self._resolve_from_context(a.source) if a.source else None for a in self.attributions
        ]
        # First person needs the speaker's name, so it is resolved after the others.
        for index, attribution in enumerate(self.attributions):
            source = attribution.source
            if source and source.form is MentionForm.PRONOUN and source.mention.casefold() in FIRST_PERSON_PRONOUNS:
                resolved[index] = self._speaker_around(source, resolved)
        return resolved

    def _resolve_from_context(self, source: _SourceMention) -> str | None:
        if source.form is MentionForm.NAMED:
            return name_of_named_mention(source.mention)
        folded = source.mention.casefold()
        earlier = [m for m in self.named if m.end <= source.start]
        if source.form is MentionForm.PRONOUN:
            if folded in PERSONAL_SINGULAR_PRONOUNS:
                for candidate in reversed(earlier):
                    if words(candidate.mention)[0].casefold() not in OTHER_PRONOUNS:
                        return name_of_named_mention(candidate.mention)
            elif (
                folded in RELATIVE_PRONOUNS
                and earlier
                and _RELATIVE_GAP.match(self.text[earlier[-1].end : source.start])
            ):
                return name_of_named_mention(earlier[-1].mention)
            return None
        if source.form is MentionForm.DEFINITE:
            head = description_head(source.mention)
            for candidate in reversed(earlier):
                if head and any(same_word(head, word) for word in words(candidate.mention)):
                    return name_of_named_mention(candidate.mention)
        return None

    def _speaker_around(self, source: _SourceMention, resolved: list[str | None]) -> str | None:
        enclosing = [
            (a.content[-1][1] - a.content[0][0], a.content[0][0], name)
            for a, name in zip(self.attributions, resolved, strict=True)
            if name is not None and a.content[0][0] <= source.start and source.end <= a.content[-1][1]
        ]
        return min(enclosing)[2] if enclosing else None


def convert_article(
    article_id: str,
    text_path: Path,
    ann_path: Path,
    base_dir: Path,
    published: dt.date | None,
    stats: ImportStats,
) -> GoldArticle:
    """Turn one text file and its chosen .ann file into a gold article."""
    raw, text = _read_text(text_path)
    if normalise_text(text) != text:
        # brat offsets count a BOM and CR characters; predictions index the text without them.
        raise EvalInputError(
            f"{text_path}: has a byte-order mark, CR line ends or lone surrogates, which extract normalises "
            "away; convert it to plain UTF-8 with LF line ends (and its .ann offsets with it) first"
        )
    document = parse_ann(ann_path, text)
    stats.annotator_notes += document.notes
    stats.other_brat_lines += document.other_lines
    stats.role_label_mismatches += document.role_label_mismatches
    labels = [bound.label for bound in document.textbounds.values()]
    stats.discard_marks += labels.count("Discard")
    stats.discuss_marks += labels.count("Discuss")
    used = {target for event in document.events for _, target in (("", event.trigger_id), *event.arguments)}
    stats.unlinked_spans += sum(
        1 for bound in document.textbounds.values() if bound.label in ROLE_LABELS and bound.id not in used
    )

    attributions = _attributions(document, text, stats)
    names = SourceResolver(text, attributions).names()
    claims: list[tuple[tuple[int, int, int], GoldClaim]] = []
    for order, (attribution, resolved) in enumerate(zip(attributions, names, strict=True)):
        parts = attribution.content
        start, end = parts[0][0], parts[-1][1]
        claimant = None
        if attribution.source is None:
            stats.without_source += 1
        else:
            if attribution.source.form is MentionForm.NAMED:
                stats.sources_named += 1
            elif resolved is not None:
                stats.sources_resolved += 1
            else:
                stats.sources_unresolved += 1
            claimant = GoldClaimant(name=resolved or attribution.source.mention, mention=attribution.source.mention)
        quoted = is_direct_quote(text, start, end)
        stats.direct_quote += quoted
        stats.discontinuous += len(parts) > 1
        claim = GoldClaim(
            claimant=claimant,
            claim=collapsed(_joined(text, parts)),
            evidence=Evidence(quote=text[start:end], start=start, end=end),
            evidence_parts=[Evidence(quote=text[s:e], start=s, end=e) for s, e in parts] if len(parts) > 1 else None,
            attribution=AttributionKind.DIRECT_QUOTE if quoted else None,
            cue=attribution.cue,
        )
        claims.append(((start, end, order), claim))
    stats.claims += len(claims)
    return GoldArticle(
        id=article_id,
        source=Path(os.path.relpath(text_path.resolve(), base_dir.resolve())).as_posix(),
        text_sha256=hashlib.sha256(raw).hexdigest(),
        published=published,
        claims=[claim for _, claim in sorted(claims, key=lambda item: item[0])],
    )


def _annotations_by_article(text_dir: Path, ann_dir: Path) -> tuple[dict[str, list[tuple[str, Path]]], list[Path]]:
    """Map article stems to (annotator id, .ann path); ``<stem>.ann`` has annotator id ''."""
    texts = {path.stem: path for path in sorted(text_dir.glob("*.txt"))}
    by_article: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for ann_path in sorted(ann_dir.glob("*.ann")):
        stem, annotator = ann_path.stem, ""
        if stem not in texts and "_" in stem:
            stem, annotator = stem.rsplit("_", 1)
        if stem not in texts:
            raise EvalInputError(f"{ann_path}: no matching text file {stem}.txt in {text_dir}")
        by_article[stem].append((annotator, ann_path))
    return by_article, [texts[stem] for stem in sorted(texts)]


def chosen_annotations(text_dir: Path, ann_dir: Path) -> list[tuple[Path, Path]]:
    """Each annotated article's text and the .ann file ``import_brat`` uses for it, sorted by id.

    The rule is ``import_brat``'s: of several annotators, the smallest annotator id.
    """
    by_article, text_paths = _annotations_by_article(text_dir, ann_dir)
    return [(path, sorted(by_article[path.stem])[0][1]) for path in text_paths if by_article.get(path.stem)]


def read_publication_dates(metadata: Path) -> dict[str, dt.date | None]:
    """``filename`` -> ``publication_date`` from a PolNeAR-style metadata.tsv."""
    _, raw = _read_text(metadata)
    dates: dict[str, dt.date | None] = {}
    reader = csv.DictReader(raw.splitlines(), delimiter="\t")
    if reader.fieldnames is None or not {"filename", "publication_date"} <= set(reader.fieldnames):
        raise EvalInputError(f"{metadata}: expected a tab-separated file with filename and publication_date columns")
    for line_no, row in enumerate(reader, start=2):
        value = (row.get("publication_date") or "").strip()
        try:
            dates[row["filename"]] = dt.date.fromisoformat(value) if value and value != "None" else None
        except ValueError:
            raise EvalInputError(f"{metadata}:{line_no}: field publication_date: not a date: {value!r}") from None
    return dates


@dataclass
class ImportResult:
    articles: list[GoldArticle]
    stats: ImportStats = field(default_factory=ImportStats)


def import_brat(
    text_dir: Path, ann_dir: Path, *, base_dir: Path | None = None, metadata: Path | None = None
) -> ImportResult:
    """Convert a folder of texts and a folder of .ann files into gold articles (sorted by id).

    When an article has several .ann files (``<stem>_<annotator>.ann``), the one
    with the lexicographically smallest annotator id is used.
    """
    for folder in (text_dir, ann_dir):
        if not folder.is_dir():
            raise EvalInputError(f"{folder}: not a folder")
    base_dir = Path.cwd() if base_dir is None else base_dir
    dates = read_publication_dates(metadata) if metadata is not None else {}
    result = ImportResult(articles=[])
    stats = result.stats
    by_article, text_paths = _annotations_by_article(text_dir, ann_dir)
    for text_path in text_paths:
        annotations = sorted(by_article.get(text_path.stem, []))
        if not annotations:
            stats.texts_without_annotation += 1
            continue
        stats.ann_files += len(annotations)
        if len(annotations) > 1:
            stats.articles_double_annotated += 1
            stats.annotations_not_used += len(annotations) - 1
        if metadata is not None and text_path.stem not in dates:
            stats.not_in_metadata += 1
        article = convert_article(
            text_path.stem, text_path, annotations[0][1], base_dir, dates.get(text_path.stem), stats
        )
        result.articles.append(article)
        stats.articles += 1
    return result
