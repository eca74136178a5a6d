"""Resuming on a cluster: the ``(id, text sha256)`` of the records an earlier output already holds.

The CLI's ``--resume`` rule: a record counts as done when the run would make it again
(same ``RunIdentity``: strategy, model and prompt version; ``extractor.identity``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from extractor.api import run_identity
from extractor.config import ExtractorConfig
from extractor.identity import RunIdentity


def completed(output: str | os.PathLike[str], config: ExtractorConfig | None = None) -> set[tuple[str, str]]:
    """``(id, text sha256)`` of the ``ok`` records of an earlier output: a JSONL file, or a folder of JSON/Parquet.

    With ``config``, only records that run would make again (same strategy, model and prompt
    version: the CLI's ``--resume`` rule) count as done; the rest are redone.
    """
    path = Path(output)
    if not path.exists():
        return set()
    wanted = run_identity(config) if config is not None else None
    done: set[tuple[str, str]] = set()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        for record in _records(file):
            if record.get("status") != "ok" or not record.get("text_sha256"):
                continue
            if wanted is None or RunIdentity.of_line(record) == wanted:
                done.add((str(record["id"]), str(record["text_sha256"])))
    return done


def _records(file: Path) -> list[dict[str, Any]]:
    columns = ["id", "status", "text_sha256", "strategy", "model", "prompt_version"]
    if file.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(file, columns=columns).to_pylist()
    if file.suffix not in {".json", ".jsonl"}:
        return []
    records = []
    with file.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a torn last line: that article is redone
    return records
