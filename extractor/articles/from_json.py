"""JSON and JSON Lines input: one article per record, mapped by ``FieldMap``, the rest kept under ``meta``.

A JSON record's id is its id field, else ``file:line`` (``file[i]`` in a JSON list).
A JSONL file is read a line at a time, each line bounded: a file of any size is never held whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from extractor.articles.header import parse_published
from extractor.articles.normalise import clean_strings, normalise_text
from extractor.articles.options import (
    DEFAULT_DATE_ORDER,
    READ_CHUNK,
    ArticleFailure,
    DateOrder,
    FieldMap,
    ReadOptions,
)
from extractor.articles.text import checked_article, header_of
from extractor.records import Article


def read_json(text: str, source: str, options: ReadOptions) -> Iterator[Article | ArticleFailure]:
    """The articles of one JSON document: one record, or one per item of a list."""
    try:
        data = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        yield ArticleFailure(source, source, f"invalid JSON at line {exc.lineno}: {exc.msg}")
        return
    if isinstance(data, list):
        for index, item in enumerate(data):
            where = f"{source}[{index}]"
            yield checked_article(_record_article(item, where, options), options.max_chars)
    else:
        yield checked_article(_record_article(data, source, options), options.max_chars)


def jsonl_records(
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
        yield checked_article(_record_article(item, where, options), options.max_chars)


def _record_article(item: object, where: str, options: ReadOptions) -> Article | ArticleFailure:
    return article_from_json(
        item,
        where,
        options.fields,
        detect_header=options.detects_header(from_file=False),
        date_order=options.date_order,
    )


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
                more = handle.readline(READ_CHUNK)
                if not more or more.endswith(b"\n"):
                    break
            yield b"", False
            continue
        for line in physical.splitlines():
            yield line, True


def article_from_json(
    item: object,
    where: str,
    fields: FieldMap | None = None,
    *,
    detect_header: bool = False,
    date_order: DateOrder = DEFAULT_DATE_ORDER,
    default_id: Callable[[str], str] | None = None,
) -> Article | ArticleFailure:
    """One JSON record as an Article: mapped fields, the rest under ``meta``; ``where`` is its source.

    Its id is the id field, else ``default_id`` of the (normalised) text, else ``where``. The
    text field is article text, kept whole unless ``detect_header``; a date that cannot be read
    is a warning on the line (``published`` null), never a failure.
    """
    fields = fields or FieldMap()
    if not isinstance(item, dict):
        return ArticleFailure(where, where, f"{where}: Input should be a valid dictionary (a JSON object)")
    record: dict[str, Any] = clean_strings(item)
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
    if raw_id is None and default_id is not None:
        article_id = default_id(text)

    warnings: list[str] = []
    published_name, raw_published = pick(fields.published)
    try:
        published = parse_published(raw_published, date_order)
    except ValueError as exc:
        published = None
        warnings.append(f"field {published_name!r}: {exc}; published is null (--published-field, --date-order)")
    optional: dict[str, str | None] = {}
    for key, names in (("title", fields.title), ("url", fields.url)):
        name, value = pick(names)
        if value is not None and not isinstance(value, str):
            return ArticleFailure(article_id, where, f"{where}: field {name!r}: Input should be a valid string")
        optional[key] = value or None
    meta = {key: value for key, value in record.items() if key not in used}

    # The text field is article text: nothing is skipped unless asked. Asked, a record's own title is
    # metadata (only a line repeating it is the headline), and without one no first line is taken as one.
    header = header_of(text, detect_header, known_title=optional["title"], detect_title=False)
    warning = header.warning(text)
    return Article(
        id=article_id,
        text=text,
        title=optional["title"],
        published=published or header.published,
        url=optional["url"],
        source=where,
        body_start=header.body_start,
        meta=meta or None,
        warnings=[*warnings, *([warning] if warning else [])],
        text_from_source=False,
    )
