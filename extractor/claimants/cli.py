"""``extractor claimants`` and ``extractor table``: the tables of ``extractor.claimants.tables`` from an output file.

Both read an ``extractor extract`` output (any: a finished, resumed or streamed one;
keys are given across the whole file as it is read) and write CSV (default), JSON or
Parquet to ``-o FILE`` or standard output. Exit codes: 0 written; 2 bad input (no such
file, a folder, a line that is not an output line), a bad option (Parquet to standard
output, pyarrow missing) or an output that cannot be written.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from extractor.claimants.tables import Table, TableError, claimants_table, claims_table, read_output
from extractor.exits import fail
from extractor.records import ArticleResult

_err = Console(stderr=True, soft_wrap=True)  # a path in a message stays whole


class Format(enum.StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


OutputArg = Annotated[Path, typer.Argument(help="An output file of `extractor extract` (JSONL).")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="csv, json (an array of rows) or parquet.")]
OutOption = Annotated[str, typer.Option("--out", "-o", help="Where to write the table; - (default): standard output.")]


def _write(make: Callable[[list[ArticleResult]], Table], output: Path, table_format: Format, out: str) -> None:
    if table_format is Format.parquet and out == "-":
        raise fail("Parquet is binary: give -o FILE")
    try:
        table = make(read_output(output))
        target = sys.stdout.buffer if out == "-" else Path(out)
        table.write(target, table_format.value)
        if out == "-":
            sys.stdout.flush()
    except TableError as exc:
        raise fail(str(exc)) from None


def claimants_command(output: OutputArg, table_format: FormatOption = Format.csv, out: OutOption = "-") -> None:
    """One row per speaker key: its name, aliases seen, claims, articles, asserts/denies, first and last said_on."""
    _write(claimants_table, output, table_format, out)


def table_command(output: OutputArg, table_format: FormatOption = Format.csv, out: OutOption = "-") -> None:
    """One row per claim: article id, title, published, key, claimant, stance, claim, quote, start, end, said_on."""
    _write(claims_table, output, table_format, out)
