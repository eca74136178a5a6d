"""Reading inputs safely: files, standard input, bounded reads, decoding, and dispatch by format.

Only regular files are read: FIFOs, devices and sockets are refused from ``fstat`` of a
descriptor opened without blocking, so a FIFO never hangs the run; the size comes from
that ``fstat`` before reading and every read is bounded, so neither a 3 GB file nor a
link to ``/dev/zero`` is ever held in memory. Reading is lazy: a folder of ten thousand
files or a JSONL file of any size is streamed, never loaded at once.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from extractor.articles.files import iter_input_files
from extractor.articles.from_html import article_from_html
from extractor.articles.from_json import jsonl_records, read_json
from extractor.articles.normalise import normalise_text
from extractor.articles.options import (
    DEFAULT_DATE_ORDER,
    DEFAULT_MAX_CHARS,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    READ_CHUNK,
    STDIN,
    STDIN_SOURCE,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    ArticleFailure,
    DateOrder,
    FieldMap,
    ReadOptions,
)
from extractor.articles.text import article_from_plain_text, checked_article
from extractor.records import Article


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    fields: FieldMap | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
    stdin: BinaryIO | None = None,
    detect_header: bool | None = None,
    date_order: DateOrder = DEFAULT_DATE_ORDER,
) -> Iterator[Article | ArticleFailure]:
    """Yield one Article or ArticleFailure per input article, lazily.

    ``paths``: files, folders, or ``-`` for standard input (``stdin``, default
    ``sys.stdin.buffer``), which holds one plain-text article, one JSON document
    or JSON Lines. ``fields`` maps JSON field names (``FieldMap``); ``exclude``
    names files never read as inputs, e.g. an output file inside an input folder.
    ``detect_header``: None for each format's rule (header matter is looked for in
    ``.txt``/``.md``/HTML files only), True or False for every input.
    ``date_order``: how an ambiguous numeric date is read (``MDY``, ``DMY``, ``YMD``).
    """
    options = ReadOptions(
        max_chars=max_chars,
        fields=fields or FieldMap(),
        exclude=frozenset(os.path.realpath(p) for p in exclude),
        detect_header=detect_header,
        date_order=date_order,
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
            yield from jsonl_records(handle, source, options)
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
        yield from jsonl_records(stream, STDIN_SOURCE, options, first_line=first)
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
        chunk = handle.read(min(READ_CHUNK, limit + 1 - total))
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
        yield from read_json(text_or_failure, source, options)
    elif suffix in HTML_SUFFIXES:
        article = article_from_html(text_or_failure, source, detect_header=options.detects_header(from_file=True))
        yield checked_article(article, options.max_chars)
    else:
        from_file = source != STDIN_SOURCE
        article = article_from_plain_text(
            source,
            normalise_text(text_or_failure),
            source,
            text_from_source=from_file,
            detect_header=options.detects_header(from_file=from_file),
        )
        yield checked_article(article, options.max_chars)


def _decode(raw: bytes, source: str) -> str | ArticleFailure:
    if b"\x00" in raw:
        return ArticleFailure(source, source, "binary file (contains NUL bytes), not an article")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ArticleFailure(source, source, f"not valid UTF-8 (byte {exc.start}); re-encode the file as UTF-8")
