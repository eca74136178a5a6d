"""Article rows of a Ray Data dataset: articles in and out of rows, and files read on the cluster.

An article row holds the ``Article`` fields, ``meta`` as JSON text (its keys vary from
record to record, which a columnar block cannot hold as a struct), and ``error``, set
when the input could not be read. A row of the user's own dataset maps like a JSONL line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ray

from extractor.articles import ArticleFailure, FieldMap, article_from_json, iter_input_files
from extractor.articles import read_articles as read_article_files
from extractor.config import ExtractorConfig
from extractor.records import Article

# Columns of an article row (``read_articles``): the ``Article`` fields, ``meta`` as JSON text (its
# keys vary from record to record, which a columnar block cannot hold as a struct), and ``error``,
# set when the input could not be read.
ARTICLE_COLUMNS = (*Article.model_fields, "error")


def article_row(item: Article | ArticleFailure) -> dict[str, Any]:
    """An article (or an input that is none) as a Ray Data row."""
    if isinstance(item, ArticleFailure):
        return {**dict.fromkeys(ARTICLE_COLUMNS), "id": item.id, "source": item.source, "error": item.message}
    row = item.model_dump(mode="json")
    row["meta"] = json.dumps(row["meta"], ensure_ascii=False) if row.get("meta") is not None else None
    row["warnings"] = json.dumps(row["warnings"], ensure_ascii=False)  # a list column may not be empty in Arrow
    return {**row, "error": None}


def row_article(row: dict[str, Any], index: int = 0) -> Article | ArticleFailure:
    """A Ray Data row as an article: an ``article_row``, or any record read as a JSON input record is.

    A record of the user's own dataset maps like a JSONL line (``id``, ``text``, ``title``,
    ``published``, ``url``; other columns go to ``meta``); without an id it is ``row N``.
    """
    if set(row) >= set(ARTICLE_COLUMNS):
        if row["error"]:
            return ArticleFailure(str(row["id"]), str(row["source"]), str(row["error"]))
        fields = {key: row[key] for key in Article.model_fields}
        fields["meta"] = json.loads(fields["meta"]) if fields["meta"] else None
        fields["warnings"] = json.loads(fields["warnings"]) if fields["warnings"] else []
        return Article.model_validate(fields)
    where = str(row.get("source") or f"row {index}")
    record = {key: _plain(value) for key, value in row.items() if value is not None}
    return article_from_json(record, where)


def _plain(value: Any) -> Any:
    """Arrow's values as JSON's: dates as ISO text (the reader parses them), arrays as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def read_articles(
    paths: Iterable[str | os.PathLike[str]],
    *,
    max_article_chars: int | None = None,
    fields: FieldMap | None = None,
) -> ray.data.Dataset:
    """Article rows (``ARTICLE_COLUMNS``) of files and folders, read on the cluster by the CLI's readers.

    The driver only lists the files; each is read in a Ray task, so the paths must be
    visible to every node (a shared filesystem) or the cluster must be this machine.
    Relative paths are made absolute first (a Ray worker's working folder is its own), so
    ids are absolute paths here where the CLI's are the paths as given.
    """
    listed = [
        {"path": str(item.absolute())} if isinstance(item, Path) else article_row(item)
        for item in iter_input_files([Path(p).absolute() for p in paths])
    ]
    limit = max_article_chars or ExtractorConfig().max_article_chars

    def read(row: dict[str, Any]) -> list[dict[str, Any]]:
        if row.get("path") is None:  # a listing failure (no such file), or the empty placeholder
            return [{column: row.get(column) for column in ARTICLE_COLUMNS}] if row.get("error") else []
        items = read_article_files([row["path"]], max_chars=limit, fields=fields)
        return [article_row(item) for item in items]

    return ray.data.from_items(listed or [{"path": None}]).flat_map(read)
