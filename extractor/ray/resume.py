"""Resuming on a cluster: the ``(id, text sha256)`` of the records an earlier output already holds.

The CLI's ``--resume`` rule: a record counts as done when the run would make it again
(same strategy, model and prompt version).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from extractor.config import ExtractorConfig


def run_fingerprint(config: ExtractorConfig) -> tuple[str, str | None, str | None]:
    """(strategy, model, prompt version) of the lines ``config`` makes: what resume compares, besides the article."""
    from extractor.strategies import get_strategy

    strategy = get_strategy(config.strategy)
    model = None
    if strategy.uses_llm:
        model = config.effective_model() if config.remote else config.local_model
    return strategy.name, model, getattr(strategy, "prompt_version", None)


def completed(output: str | os.PathLike[str], config: ExtractorConfig | None = None) -> set[tuple[str, str]]:
    """``(id, text sha256)`` of the ``ok`` records of an earlier output: a JSONL file, or a folder of JSON/Parquet.

    With ``config``, only records that run would make again (same strategy, model and prompt
    version: the CLI's ``--resume`` rule) count as done; the rest are redone.
    """
    path = Path(output)
    if not path.exists():
        return set()
    wanted = run_fingerprint(config) if config is not None else None
    done: set[tuple[str, str]] = set()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        for record in _records(file):
            if record.get("status") != "ok" or not record.get("text_sha256"):
                continue
            made_by = (record.get("strategy"), record.get("model"), record.get("prompt_version"))
            if wanted is None or made_by == wanted:
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
