"""The claims table (one row per claim) and the claimants table (one row per speaker key) of a batch.

``claims_table(results)`` and ``claimants_table(results)`` take output records (or an
output file, ``read_output``), give every claimant its batch key first
(``keys.assign_keys``: the keys ``extractor extract`` writes, whatever the results came
from) and return a ``Table``: plain rows (dicts), written as CSV, JSON or Parquet
(``Table.write``) or turned into a pandas DataFrame (``Table.to_dataframe``; pandas
and pyarrow are the optional extra ``tables``). ``extractor table`` and
``extractor claimants`` (``extractor.claimants.cli``) print the same tables.
"""

from __future__ import annotations

import collections
import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import ValidationError

from extractor.claimants.keys import assign_keys, name_key, name_tokens
from extractor.errors import ExtractorError
from extractor.records import SCHEMA_VERSION, ArticleResult, Stance

TableFormat = Literal["csv", "json", "parquet"]
CLAIM_COLUMNS = (
    "article_id", "title", "published", "key", "claimant", "named", "stance", "claim", "quote", "start", "end",
    "said_on",
)  # fmt: skip
CLAIMANT_COLUMNS = (
    "key", "name", "named", "aliases", "claims", "articles", "asserts", "denies", "first_said_on", "last_said_on",
)  # fmt: skip
# How a list cell (a claimant's aliases) is written in a CSV cell.
CSV_LIST_SEPARATOR = " | "


class TableError(ExtractorError, ValueError):
    """An output file that cannot be read as extractor output, or a table that cannot be written as asked."""


@dataclass(frozen=True)
class Table:
    """Rows with fixed columns; list cells (aliases) stay lists until written as CSV."""

    columns: tuple[str, ...]
    rows: list[dict[str, Any]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_dataframe(self) -> Any:  # -> pandas.DataFrame
        """The rows as a pandas DataFrame (needs pandas: ``pip install 'extractor[tables]'``)."""
        try:
            import pandas as pd
        except ImportError:
            raise TableError("to_dataframe needs pandas: pip install 'extractor[tables]'") from None
        return pd.DataFrame(self.rows, columns=list(self.columns))

    def write(self, target: Path | IO[bytes], table_format: TableFormat) -> None:
        """Write the table as ``csv``, ``json`` (one array of row objects) or ``parquet`` (needs pyarrow)."""
        data = self._encode(table_format)
        if isinstance(target, Path):
            try:
                target.write_bytes(data)
            except OSError as exc:
                raise TableError(f"cannot write {target}: {exc.strerror or exc}") from None
        else:
            target.write(data)

    def _encode(self, table_format: TableFormat) -> bytes:
        if table_format == "csv":
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(self.columns), lineterminator="\n")
            writer.writeheader()
            for row in self.rows:
                writer.writerow(
                    {k: CSV_LIST_SEPARATOR.join(v) if isinstance(v, list) else v for k, v in row.items()}
                )
            return text.getvalue().encode("utf-8")
        if table_format == "json":
            return (json.dumps(self.rows, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        if table_format == "parquet":
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise TableError("Parquet needs pyarrow: pip install 'extractor[tables]'") from None
            sink = io.BytesIO()
            columns = {name: [row[name] for row in self.rows] for name in self.columns}
            pq.write_table(pa.table(columns), sink)
            return sink.getvalue()
        raise TableError(f"unknown table format {table_format!r}: csv, json or parquet")


def read_output(path: Path) -> list[ArticleResult]:
    """The records of an ``extractor extract`` output (JSONL); TableError naming the line when one is not."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the loop
    except FileNotFoundError:
        raise TableError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TableError(f"{path} is a folder; give the output file of `extractor extract`") from None
    except OSError as exc:
        raise TableError(f"cannot read {path}: {exc.strerror or exc}") from None
    results: dict[str, ArticleResult] = {}
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                result = ArticleResult.model_validate_json(raw)
            except ValidationError as exc:
                problem = exc.errors()[0]
                where = ".".join(str(part) for part in problem["loc"]) or "line"
                raise TableError(
                    f"{path}:{number}: not an extractor output line ({where}: {problem['msg']}); "
                    f"expected the JSONL that `extractor extract` writes ({SCHEMA_VERSION})"
                ) from None
            results[result.id] = result  # a resumed id's later line wins, as resume itself decides
    return list(results.values())


def _claims_rows(results: Sequence[ArticleResult]) -> Iterator[dict[str, Any]]:
    for result in results:
        if result.status != "ok":
            continue
        for claim in result.claims:
            yield {
                "article_id": result.id,
                "title": result.title,
                "published": result.published.isoformat() if result.published else None,
                "key": claim.claimant.key,
                "claimant": claim.claimant.name,
                "named": claim.claimant.named,
                "stance": claim.stance.value,
                "claim": claim.claim,
                "quote": claim.evidence.quote,
                "start": claim.evidence.start,
                "end": claim.evidence.end,
                "said_on": claim.said_on.isoformat() if claim.said_on else None,
            }


def claims_table(results: Iterable[ArticleResult]) -> Table:
    """One row per claim of the ok results (columns ``CLAIM_COLUMNS``), claimants keyed across ``results``."""
    return Table(CLAIM_COLUMNS, list(_claims_rows(assign_keys(results))))


def _canonical_name(key: str, names: collections.Counter[str]) -> str:
    """The name shown for a key: the most used name that is the key's full form, plainest first."""
    full = [name for name in names if name_key(name_tokens(name)) == key] or list(names)
    return min(full, key=lambda name: (-names[name], len(name), name))


def claimants_table(results: Iterable[ArticleResult]) -> Table:
    """One row per speaker key (columns ``CLAIMANT_COLUMNS``), most claims first, then by key."""
    rows = list(_claims_rows(assign_keys(results)))
    by_key: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        by_key[row["key"]].append(row)
    table = []
    for key, claims in by_key.items():
        names = collections.Counter(row["claimant"] for row in claims)
        dates = sorted(row["said_on"] for row in claims if row["said_on"])
        name = _canonical_name(key, names)
        table.append(
            {
                "key": key,
                "name": name,
                "named": claims[0]["named"],
                "aliases": sorted(alias for alias in names if alias != name),
                "claims": len(claims),
                "articles": len({row["article_id"] for row in claims}),
                "asserts": sum(row["stance"] == Stance.ASSERTS.value for row in claims),
                "denies": sum(row["stance"] == Stance.DENIES.value for row in claims),
                "first_said_on": dates[0] if dates else None,
                "last_said_on": dates[-1] if dates else None,
            }
        )
    table.sort(key=lambda row: (-row["claims"], row["key"]))
    return Table(CLAIMANT_COLUMNS, table)
