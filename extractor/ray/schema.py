"""The output records as Arrow: the schema of the JSONL line's fields (dates as ISO strings) and a table of them."""

from __future__ import annotations

import datetime as dt
import json
import types
from collections.abc import Iterable
from typing import Any, Literal, Union, get_args, get_origin

import pyarrow as pa
from pydantic import BaseModel

from extractor.records import ArticleResult


def arrow_schema(model: type[BaseModel] = ArticleResult) -> pa.Schema:
    """The Arrow schema of output records (of ``model``): the JSONL line's fields, dates as ISO strings."""
    return pa.schema([pa.field(name, _arrow_type(field.annotation)) for name, field in model.model_fields.items()])


def _arrow_type(annotation: Any) -> pa.DataType:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _arrow_type(inner)
    if origin is Literal:
        return pa.string()
    if origin is list:
        return pa.list_(_arrow_type(args[0]))
    if origin is dict:  # free-form (``meta``): JSON text, its keys vary from record to record
        return pa.string()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct([pa.field(n, _arrow_type(f.annotation)) for n, f in annotation.model_fields.items()])
    if isinstance(annotation, type) and issubclass(annotation, bool):
        return pa.bool_()
    if isinstance(annotation, type) and issubclass(annotation, int):
        return pa.int64()
    if isinstance(annotation, type) and issubclass(annotation, float):
        return pa.float64()
    if isinstance(annotation, type) and issubclass(annotation, str | dt.date):  # StrEnum, dates (ISO text)
        return pa.string()
    raise TypeError(f"no Arrow type for {annotation!r}")


def result_table(results: Iterable[ArticleResult]) -> pa.Table:
    """Output records as an Arrow table of ``arrow_schema()`` (what ``write_parquet`` stores); ``meta`` as JSON text."""
    rows = []
    for result in results:
        row = result.model_dump(mode="json")
        if row.get("meta") is not None:
            row["meta"] = json.dumps(row["meta"], ensure_ascii=False)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=arrow_schema())
