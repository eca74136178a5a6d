"""Reading brat standoff files: ``T`` (text-bound) and ``E`` (event) lines of one .ann, checked against its text.

Every span is checked against the article text it annotates; a malformed line, an
unknown label or role, or an event naming an undefined span is an ``EvalInputError``
naming the file and line. Notes (``#``) and other brat lines are counted, not used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from extractor.evaluation.errors import EvalInputError

Span = tuple[int, int]

ATTRIBUTION_TRIGGERS = frozenset({"Attribution", "Attribution-no-source"})
ROLE_LABELS = frozenset({"Source", "Cue", "Content"})
MARK_LABELS = frozenset({"Discard", "Discuss"})
KNOWN_TEXT_LABELS = ATTRIBUTION_TRIGGERS | ROLE_LABELS | MARK_LABELS

_ENTRY_START = re.compile(r"^(?:[TERAMN]\d+|#\d*|\*)\t")
ROLE_SUFFIX = re.compile(r"\d+$")
_OFFSETS = re.compile(r"^\d+ \d+(?:;\d+ \d+)*$")


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


def read_text(path: Path) -> tuple[bytes, str]:
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
    _, raw = read_text(path)
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
            expected = role if role in ATTRIBUTION_TRIGGERS else ROLE_SUFFIX.sub("", role)
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
        if ROLE_SUFFIX.sub("", role) not in ROLE_LABELS:
            raise EvalInputError(f"{where}: unknown role {role!r}; expected Source, Cue or Content")
    return BratEvent(
        id=parts[0],
        trigger_label=trigger_label,
        trigger_id=trigger_id,
        arguments=tuple(arguments[1:]),
        line=line_no,
    )
