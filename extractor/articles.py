"""Reading input articles: text, Markdown, HTML, JSON and JSONL files, folders of them, or standard input.

Each input becomes either an ``Article`` or an ``ArticleFailure`` naming the
input, the line where it applies, and what is wrong; nothing here raises for bad
input. Reading is lazy: a folder of ten thousand files or a JSONL file of any
size is streamed, never loaded at once.

**Identity.** A file's id is its path as reached from the command line
(``d1/x.txt`` and ``d2/x.txt`` stay apart); a JSON record's id is its id field,
else ``file:line`` (``file[i]`` in a JSON list). The same file reached twice
(repeated, through a folder and by name, or by a link) is read once.

**Safety.** Only regular files are read: FIFOs, devices and sockets are refused
from ``fstat`` of a descriptor opened without blocking, so a FIFO never hangs the
run; the size comes from that ``fstat`` before reading and every read is bounded,
so neither a 3 GB file nor a link to ``/dev/zero`` is ever held in memory.
Unreadable files and folders each become a failure.

**Normalisation, once, here.** Text is decoded as UTF-8 and normalised
(``normalise_text``: BOM removed, CRLF and CR turned into LF, lone surrogates
replaced by U+FFFD). Every offset anywhere downstream indexes this normalised
text, which for a ``.txt``/``.md`` file equals what Python's default
``open(path, encoding="utf-8").read()`` returns, less a leading BOM. Inputs whose
text cannot be re-read that way (HTML, JSON/JSONL records, standard input) have
``Article.text_from_source`` false, and their output record carries the text.

Scraped header matter (template placeholders such as
``{{dayPoint.date | date : 'd MMMM yyyy'}}``, a ``date 2024-02-14`` prefix, a
repeated title and the one-sentence standfirst that follows a repeated title; in
HTML, a first line repeating the page's title) is recognised here: the
publication date is taken from it and ``Article.body_start`` is placed after it,
so no claim can come from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from extractor.config import DEFAULT_MAX_ARTICLE_CHARS
from extractor.records import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

DEFAULT_MAX_CHARS = DEFAULT_MAX_ARTICLE_CHARS
STDIN = "-"
STDIN_SOURCE = "<stdin>"
# HTML and JSON carry markup around the text: they may be this large however short --max-article-chars is.
_MIN_MARKUP_BYTES = 64 * 1024**2
_READ_CHUNK = 1024**2

_TEMPLATE_JUNK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|posted)[:\s]+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[A-Z“\"]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MAX_TITLE_CHARS = 200
_MAX_STANDFIRST_CHARS = 300


@dataclass(frozen=True)
class ArticleFailure:
    """An input that could not be read; becomes an error line, never a traceback."""

    id: str
    source: str
    message: str


@dataclass(frozen=True)
class FieldMap:
    """Which JSON/JSONL fields hold what: for each, the first name present in a record is used.

    Fields not named here are kept, unchanged, under the output record's ``meta``.
    """

    id: tuple[str, ...] = ("id",)
    text: tuple[str, ...] = ("text", "content", "body")
    published: tuple[str, ...] = ("published", "date")
    title: tuple[str, ...] = ("title",)
    url: tuple[str, ...] = ("url",)

    @classmethod
    def with_overrides(
        cls, *, id_field: str | None = None, text_field: str | None = None, published_field: str | None = None
    ) -> FieldMap:
        """The defaults, with any field given here read from that one name only (``--id-field`` etc.)."""
        default = cls()
        return cls(
            id=(id_field,) if id_field else default.id,
            text=(text_field,) if text_field else default.text,
            published=(published_field,) if published_field else default.published,
        )

    @property
    def known(self) -> frozenset[str]:
        return frozenset((*self.id, *self.text, *self.published, *self.title, *self.url))


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read. ``exclude``: paths never read as inputs (the output file, its temporary and lock files)."""

    max_chars: int = DEFAULT_MAX_CHARS
    fields: FieldMap = field(default_factory=FieldMap)
    exclude: frozenset[str] = frozenset()

    def is_excluded(self, path: Path) -> bool:
        return bool(self.exclude) and os.path.realpath(path) in self.exclude

    def max_bytes(self, suffix: str) -> int:
        """The largest file read for an article of at most ``max_chars`` characters (4 UTF-8 bytes each)."""
        text_bytes = 4 * self.max_chars + 4
        return text_bytes if suffix in TEXT_SUFFIXES else max(text_bytes, _MIN_MARKUP_BYTES)

    @property
    def max_line_bytes(self) -> int:
        """The longest JSONL line read: a JSON string escapes a character in at most 12 bytes."""
        return 12 * self.max_chars + 64 * 1024


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """The one normalisation: leading BOM removed, CRLF and CR to LF, lone surrogates to U+FFFD.

    Nothing else changes (no Unicode normalisation, no whitespace folding), so the
    text of a ``.txt`` file is what ``Path.read_text(encoding="utf-8")`` returns,
    less a leading BOM.
    """
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATE.sub("\ufffd", text)


def iter_input_files(
    paths: Iterable[str | os.PathLike[str]], options: ReadOptions | None = None
) -> Iterator[Path | ArticleFailure]:
    """Expand files and folders (recursively, sorted) into the files to read, each once, in a stable order.

    ``-`` stands for standard input and is passed through as ``Path("-")``.
    """
    options = options or ReadOptions()
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        if os.fspath(raw) == STDIN:
            yield Path(STDIN)
            continue
        path = Path(raw)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            yield ArticleFailure(id=str(path), source=str(path), message="no such file")
            continue
        except OSError as exc:
            yield ArticleFailure(id=str(path), source=str(path), message=f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            for item in _walk(path, options, {(info.st_dev, info.st_ino)}):
                if isinstance(item, ArticleFailure) or _first_visit(item, seen):
                    yield item
        elif options.is_excluded(path):
            continue
        elif _first_visit(path, seen):
            yield path


def _first_visit(path: Path, seen: set[tuple[int, int]]) -> bool:
    """False when this file was already reached by another path (a repeat, a link, a folder and its file)."""
    try:
        info = os.stat(path)
    except OSError:
        return True  # reading it will report why
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(folder: Path, options: ReadOptions, ancestors: set[tuple[int, int]]) -> Iterator[Path | ArticleFailure]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield ArticleFailure(str(folder), str(folder), f"cannot read folder: {exc.strerror or exc}")
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir():  # follows links; a link back up the tree is not walked again
            try:
                info = entry.stat()
            except OSError as exc:
                yield ArticleFailure(str(path), str(path), f"cannot read folder: {exc.strerror or exc}")
                continue
            key = (info.st_dev, info.st_ino)
            if key not in ancestors:
                yield from _walk(path, options, ancestors | {key})
        elif path.suffix.lower() in SUPPORTED_SUFFIXES and not options.is_excluded(path):
            # Special files and links to nowhere are yielded too: reading them reports what they are.
            yield path


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    fields: FieldMap | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
    stdin: BinaryIO | None = None,
) -> Iterator[Article | ArticleFailure]:
    """Yield one Article or ArticleFailure per input article, lazily.

    ``paths``: files, folders, or ``-`` for standard input (``stdin``, default
    ``sys.stdin.buffer``), which holds one plain-text article, one JSON document
    or JSON Lines. ``fields`` maps JSON field names (``FieldMap``); ``exclude``
    names files never read as inputs, e.g. an output file inside an input folder.
    """
    options = ReadOptions(
        max_chars=max_chars,
        fields=fields or FieldMap(),
        exclude=frozenset(os.path.realpath(p) for p in exclude),
    )
    stdin_read = False
    for item in iter_input_files(paths, options):
        if isinstance(item, ArticleFailure):
            yield item
        elif str(item) == STDIN:
            if stdin_read:
                yield ArticleFailure(STDIN_SOURCE, STDIN_SOURCE, "standard input was given twice; it is read once")
                continue
            stdin_read = True
            yield from read_stdin(stdin if stdin is not None else sys.stdin.buffer, options)
        else:
            yield from read_file(item, options)


def read_file(path: Path, options: ReadOptions | None = None) -> Iterator[Article | ArticleFailure]:
    """The articles of one file (one, or one per JSON list item or JSONL line)."""
    options = options or ReadOptions()
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        yield ArticleFailure(source, source, f"unsupported file type {suffix or '(none)'!r}; use one of {supported}")
        return
    opened = _open_regular(path)
    if isinstance(opened, ArticleFailure):
        yield opened
        return
    handle, size = opened
    with handle:
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_records(handle, source, options)
            return
        limit = options.max_bytes(suffix)
        if size > limit:
            yield ArticleFailure(source, source, _too_big(size, limit, suffix, options.max_chars))
            return
        try:
            raw = _read_bounded(handle, limit)
        except OSError as exc:
            yield ArticleFailure(source, source, f"cannot read file: {exc.strerror or exc}")
            return
    if raw is None:  # grew past the limit while being read
        yield ArticleFailure(source, source, _too_big(limit + 1, limit, suffix, options.max_chars))
        return
    yield from _articles_from_bytes(raw, suffix, source, options)


def read_stdin(stream: BinaryIO, options: ReadOptions | None = None) -> Iterator[Article | ArticleFailure]:
    """Standard input: JSON Lines when the first line is a JSON object, a JSON document, else one text article."""
    options = options or ReadOptions()
    try:
        first = stream.readline(options.max_line_bytes + 1)
    except OSError as exc:
        yield ArticleFailure(STDIN_SOURCE, STDIN_SOURCE, f"cannot read standard input: {exc.strerror or exc}")
        return
    if _is_json_object_line(first):
        yield from _jsonl_records(stream, STDIN_SOURCE, options, first_line=first)
        return
    suffix = ".json" if first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")) else ".txt"
    limit = options.max_bytes(suffix)
    try:
        rest = _read_bounded(stream, limit - len(first)) if len(first) <= limit else None
    except OSError as exc:
        yield ArticleFailure(STDIN_SOURCE, STDIN_SOURCE, f"cannot read standard input: {exc.strerror or exc}")
        return
    if rest is None:
        message = f"standard input is over {limit:,} bytes (--max-article-chars)"
        yield ArticleFailure(STDIN_SOURCE, STDIN_SOURCE, message)
        return
    yield from _articles_from_bytes(first + rest, suffix, STDIN_SOURCE, options)


def _is_json_object_line(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line.decode("utf-8-sig")), dict)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False


_KINDS = {
    stat.S_IFIFO: "FIFO",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
    stat.S_IFDIR: "folder",
}


def _open_regular(path: Path) -> tuple[BinaryIO, int] | ArticleFailure:
    """Open ``path`` for reading if it is a regular file, with its size; never blocks on a FIFO."""
    source = str(path)
    try:
        # O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return ArticleFailure(source, source, f"cannot read file: {exc.strerror or exc}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "special file")
            os.close(fd)
            return ArticleFailure(source, source, f"not a regular file ({kind}); only regular files are read")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), info.st_size
    except OSError as exc:
        os.close(fd)
        return ArticleFailure(source, source, f"cannot read file: {exc.strerror or exc}")


def _read_bounded(handle: BinaryIO, limit: int) -> bytes | None:
    """At most ``limit`` bytes; None when there is more (the size said one thing, the file another)."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(min(_READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None


def _too_big(size: int, limit: int, suffix: str, max_chars: int) -> str:
    if suffix in TEXT_SUFFIXES:  # 4 bytes at most per character: more bytes cannot fit the limit
        return f"file has {size:,} bytes, over the limit of {max_chars:,} characters (--max-article-chars)"
    hint = "; split it into JSON Lines" if suffix in JSON_SUFFIXES else ""
    return f"file has {size:,} bytes, over the {limit:,} read for one file (--max-article-chars){hint}"


def _articles_from_bytes(
    raw: bytes, suffix: str, source: str, options: ReadOptions
) -> Iterator[Article | ArticleFailure]:
    text_or_failure = _decode(raw, source)
    if isinstance(text_or_failure, ArticleFailure):
        yield text_or_failure
        return
    if suffix in JSON_SUFFIXES:
        yield from _read_json(text_or_failure, source, options)
    elif suffix in HTML_SUFFIXES:
        yield checked_article(_article_from_html(text_or_failure, source), options.max_chars)
    else:
        from_file = source != STDIN_SOURCE
        yield checked_article(
            article_from_plain_text(source, normalise_text(text_or_failure), source, text_from_source=from_file),
            options.max_chars,
        )


def _decode(raw: bytes, source: str) -> str | ArticleFailure:
    if b"\x00" in raw:
        return ArticleFailure(source, source, "binary file (contains NUL bytes), not an article")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ArticleFailure(source, source, f"not valid UTF-8 (byte {exc.start}); re-encode the file as UTF-8")


def checked_article(article: Article | ArticleFailure, max_chars: int) -> Article | ArticleFailure:
    """``article``, or why it cannot be extracted: no text after its header, or over ``max_chars``."""
    if isinstance(article, ArticleFailure):
        return article
    if not article.text[article.body_start :].strip():
        return ArticleFailure(article.id, article.source, "empty article (no text)")
    if len(article.text) > max_chars:
        return ArticleFailure(
            article.id,
            article.source,
            f"article has {len(article.text):,} characters, over the limit of {max_chars:,} (--max-article-chars)",
        )
    return article


def article_from_text(
    text: str,
    *,
    id: str | None = None,
    source: str = "<text>",
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Article | ArticleFailure:
    """A string given in code read as a text file would be (normalised); its id defaults to a hash of the text."""
    article_id = id or f"text-{sha256_text(normalise_text(text))[:12]}"
    if "\x00" in text:
        return ArticleFailure(article_id, source, "text contains NUL bytes, not an article")
    article = article_from_plain_text(article_id, text, source, title=title, published=published, url=url)
    return checked_article(article, max_chars)


def article_from_plain_text(
    article_id: str,
    text: str,
    source: str,
    *,
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    text_from_source: bool = False,
) -> Article:
    """Build an Article from text (normalised here), finding title, header date and where the body starts."""
    text = normalise_text(text)
    header = parse_header(text)
    return Article(
        id=article_id,
        text=text,
        title=title or header.title,
        published=published or header.published,
        url=url,
        source=source,
        body_start=header.body_start,
        text_from_source=text_from_source,
    )


@dataclass(frozen=True)
class Header:
    title: str | None
    published: dt.date | None
    body_start: int


def parse_header(text: str, *, detect_title: bool = True, known_title: str | None = None) -> Header:
    """Find the title line, a scraped publication date and the start of the body.

    The first non-empty line is the title unless it reads like body text (several
    sentences or very long); with ``known_title`` (from HTML metadata), only a line
    repeating it is. Lines that are only template junk or a date marker are
    header matter; a ``date YYYY-MM-DD`` prefix fused to the first paragraph is cut
    off. Lines repeating the title right after it are header matter too, and so is
    a one-sentence paragraph right after such a repeat: scrapers that print the
    title twice (page title, then headline) print the standfirst next, a summary
    of claims the body makes again (docs/annotation.md §1).
    """
    published: dt.date | None = None
    title: str | None = None
    title_repeated = standfirst_seen = False
    known = _title_key(known_title) if known_title else None
    pos = 0
    for line_start, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            pos = line_start + len(line)
            continue
        date_match = _DATE_PREFIX.match(line)
        if date_match:
            published = published or _parse_iso(date_match.group(1))
            rest_offset = date_match.end()
            rest = line[rest_offset:]
            if not _TEMPLATE_JUNK.sub("", rest).strip():
                pos = line_start + len(line)
                continue
            # A date marker fused to the first paragraph: the body starts right after it.
            lead = len(rest) - len(rest.lstrip())
            return Header(title=None, published=published, body_start=line_start + rest_offset + lead)
        if not _TEMPLATE_JUNK.sub("", stripped).strip():
            pos = line_start + len(line)
            continue
        if title is None and (
            _title_key(stripped) == known
            if known is not None
            else detect_title and _one_short_sentence(stripped, _MAX_TITLE_CHARS)
        ):
            title = stripped
            pos = line_start + len(line)
            continue
        if title is not None and stripped == title:
            title_repeated = True
            pos = line_start + len(line)
            continue
        if (
            title_repeated
            and not standfirst_seen
            and _one_short_sentence(stripped, _MAX_STANDFIRST_CHARS)
            and text[line_start + len(line) :].strip()
        ):
            standfirst_seen = True
            pos = line_start + len(line)
            continue
        return Header(title=title, published=published, body_start=line_start + (len(line) - len(line.lstrip())))
    return Header(title=title, published=published, body_start=min(pos, len(text)))


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _one_short_sentence(line: str, max_chars: int) -> bool:
    return len(line) <= max_chars and not _SENTENCE_BREAK.search(line)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _parse_iso(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_published(value: object) -> dt.date | None:
    """An ISO date or datetime (``2024-02-14``, ``2024-02-14T09:30:00+03:00``, ``…Z``) as the date it names.

    A datetime keeps the calendar date it was written with, whatever its offset.
    Raises ValueError for anything else.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO date or datetime string, got {type(value).__name__}")
    text = value.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"not an ISO date or datetime: {value[:40]!r}") from None


def _article_from_html(html: str, source: str) -> Article | ArticleFailure:
    import trafilatura  # imported lazily: only HTML inputs pay for it

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not extracted or not extracted.strip():
        return ArticleFailure(source, source, "no article text found in the HTML")
    text = normalise_text(extracted)
    metadata = trafilatura.extract_metadata(html)
    published = _parse_iso(metadata.date) if metadata and metadata.date else None
    title = metadata.title if metadata and metadata.title else None
    # The headline usually opens the extracted text: header matter, never a claim.
    header = parse_header(text, detect_title=False, known_title=title)
    return Article(
        id=source,
        text=text,
        title=title,
        published=published or header.published,
        url=metadata.url if metadata else None,
        source=source,
        body_start=header.body_start,
        text_from_source=False,
    )


def _read_json(text: str, source: str, options: ReadOptions) -> Iterator[Article | ArticleFailure]:
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        yield ArticleFailure(source, source, f"invalid JSON at line {exc.lineno}: {exc.msg}")
        return
    if isinstance(data, list):
        for index, item in enumerate(data):
            where = f"{source}[{index}]"
            yield checked_article(article_from_json(item, where, options.fields), options.max_chars)
    else:
        yield checked_article(article_from_json(data, source, options.fields), options.max_chars)


def _jsonl_records(
    handle: BinaryIO, source: str, options: ReadOptions, *, first_line: bytes | None = None
) -> Iterator[Article | ArticleFailure]:
    """One article per line, read a line at a time (each bounded): a JSONL file of any size is never held whole."""
    line_no = 0
    for raw_line, whole in _bounded_lines(handle, options.max_line_bytes, first_line):
        line_no += 1
        where = f"{source}:{line_no}"
        if not whole:
            yield ArticleFailure(
                where, where, f"line {line_no}: over {options.max_line_bytes:,} bytes (--max-article-chars)"
            )
            continue
        if not raw_line.strip():
            continue
        try:
            item = json.loads(raw_line.decode("utf-8-sig" if line_no == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            yield ArticleFailure(where, where, f"line {line_no}: not valid UTF-8 (byte {exc.start})")
            continue
        except json.JSONDecodeError as exc:
            yield ArticleFailure(where, where, f"line {line_no}: invalid JSON: {exc.msg}")
            continue
        yield checked_article(article_from_json(item, where, options.fields), options.max_chars)


def _bounded_lines(handle: BinaryIO, limit: int, first_line: bytes | None) -> Iterator[tuple[bytes, bool]]:
    """Lines as ``bytes.splitlines`` splits them (``\\n``, ``\\r\\n``, ``\\r``), each with whether it fit in ``limit``.

    A line over the limit is skipped to its end without being held; it comes out as ``(b"", False)``.
    """
    pending = first_line
    while True:
        try:
            physical = pending if pending is not None else handle.readline(limit + 1)
        except OSError:
            return
        pending = None
        if not physical:
            return
        if len(physical) > limit and not physical.endswith(b"\n"):
            while True:  # the rest of an oversized line is drained, never kept
                more = handle.readline(_READ_CHUNK)
                if not more or more.endswith(b"\n"):
                    break
            yield b"", False
            continue
        for line in physical.splitlines():
            yield line, True


def article_from_json(item: object, where: str, fields: FieldMap | None = None) -> Article | ArticleFailure:
    """One JSON record as an Article: mapped fields, the rest under ``meta``; ``where`` is its id when it has none."""
    fields = fields or FieldMap()
    if not isinstance(item, dict):
        return ArticleFailure(where, where, f"{where}: Input should be a valid dictionary (a JSON object)")
    record: dict[str, Any] = _clean(item)
    used: set[str] = set()

    def pick(names: tuple[str, ...]) -> tuple[str | None, Any]:
        for name in names:
            if name in record:
                used.add(name)
                return name, record[name]
        return None, None

    id_name, raw_id = pick(fields.id)
    if raw_id is None:
        article_id = where
    elif isinstance(raw_id, str | int) and not isinstance(raw_id, bool) and str(raw_id).strip():
        article_id = str(raw_id)
    else:
        return ArticleFailure(where, where, f"{where}: field {id_name!r}: an id must be a non-empty string or integer")

    text_name, text = pick(fields.text)
    if text_name is None:
        names = ", ".join(fields.text)
        return ArticleFailure(article_id, where, f"{where}: field 'text': Field required (looked for {names})")
    if not isinstance(text, str):
        return ArticleFailure(article_id, where, f"{where}: field {text_name!r}: Input should be a valid string")
    if "\x00" in text:
        return ArticleFailure(article_id, where, f"{where}: text contains NUL bytes")
    text = normalise_text(text)

    published_name, raw_published = pick(fields.published)
    try:
        published = parse_published(raw_published)
    except ValueError as exc:
        return ArticleFailure(article_id, where, f"{where}: field {published_name!r}: {exc}")
    optional: dict[str, str | None] = {}
    for key, names in (("title", fields.title), ("url", fields.url)):
        name, value = pick(names)
        if value is not None and not isinstance(value, str):
            return ArticleFailure(article_id, where, f"{where}: field {name!r}: Input should be a valid string")
        optional[key] = value or None
    meta = {key: value for key, value in record.items() if key not in used}

    # JSON carries the title in its own field, so the text is all body apart from scraped junk lines.
    header = parse_header(text, detect_title=False)
    return Article(
        id=article_id,
        text=text,
        title=optional["title"],
        published=published or header.published,
        url=optional["url"],
        source=where,
        body_start=header.body_start,
        meta=meta or None,
        text_from_source=False,
    )


def _clean(value: Any) -> Any:
    """Lone surrogates (``"\\ud800"`` in JSON) replaced in every string, so any value can be hashed and written."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value
