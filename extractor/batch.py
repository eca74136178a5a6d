"""Running many articles into one output file: resume, atomic lines, progress and the run summary.

One output line per article is the unit of everything: of resumption (``--resume``
keeps the articles already done and redoes the rest), of error reporting (a
failure is a line with ``status: "error"``, never an exception escaping the
batch) and of atomic writing (each line goes out in one ``write`` on an
``O_APPEND`` descriptor, so a kill never leaves a torn line). What happens to
one article, and how many are in flight, is the pipeline's business
(``Pipeline.extract_many``, which ``Extractor.extract_many`` runs): inputs are
streamed with at most ``2 × concurrency`` articles in flight, so memory stays flat
however large the batch. Exit codes are the CLI's.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from extractor.articles import ArticleFailure
from extractor.records import Article, ArticleResult, Usage


class ArticleEngine(Protocol):
    """What a batch runs articles through: an ``Extractor`` or a ``Pipeline``."""

    @property
    def budget_exhausted(self) -> bool: ...
    @property
    def budget_limit(self) -> int | None: ...
    @property
    def server_restarts(self) -> int: ...

    def extract_many(
        self, items: Iterable[Article | ArticleFailure], *, concurrency: int
    ) -> Iterator[ArticleResult]: ...


@dataclass
class BatchSummary:
    articles: int = 0
    ok: int = 0
    errors: int = 0
    skipped_resumed: int = 0
    claims: int = 0
    dropped_ungrounded: int = 0
    usage: Usage = field(default_factory=Usage)
    wall_seconds: float = 0.0
    stopped_reason: str | None = None
    server_restarts: int = 0

    def record(self, result: ArticleResult) -> None:
        self.articles += 1
        self.usage.add(result.usage)
        if result.status == "ok":
            self.ok += 1
            self.claims += len(result.claims)
            self.dropped_ungrounded += result.dropped_ungrounded
        else:
            self.errors += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "ok": self.ok,
            "errors": self.errors,
            "skipped_resumed": self.skipped_resumed,
            "claims": self.claims,
            "dropped_ungrounded": self.dropped_ungrounded,
            "llm_calls": self.usage.llm_calls,
            "cache_hits": self.usage.cache_hits,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "reasks": self.usage.reasks,
            "transport_retries": self.usage.transport_retries,
            "server_restarts": self.server_restarts,
            "wall_seconds": round(self.wall_seconds, 3),
            "stopped_reason": self.stopped_reason,
        }


class OutputFile:
    """Append-only JSONL output; each record is one write() so lines are never torn."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._lock = threading.Lock()

    def write(self, result: ArticleResult) -> None:
        data = (result.model_dump_json() + "\n").encode("utf-8")
        with self._lock:
            os.write(self._fd, data)

    def close(self) -> None:
        os.close(self._fd)


def completed_ids(path: Path) -> set[str]:
    """Compact an existing output for ``--resume``: keep whole ``ok`` lines, drop errors and torn lines.

    Returns the ids kept. Errored articles are then redone, so every article ends
    up with exactly one line.
    """
    if not path.exists():
        return set()
    kept: list[str] = []
    done: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not line.endswith("\n") or record.get("status") != "ok" or record.get("id") in done:
                continue
            done.add(record["id"])
            kept.append(line)
    temporary = path.with_name(path.name + ".resume-tmp")
    temporary.write_text("".join(kept), encoding="utf-8")
    os.replace(temporary, path)
    return done


class BatchRunner:
    """Runs articles through an engine (an ``Extractor`` or a ``Pipeline``) into one output file."""

    def __init__(self, engine: ArticleEngine, *, concurrency: int = 1, show_progress: bool = True) -> None:
        self.engine = engine
        self.concurrency = max(1, concurrency)
        self.show_progress = show_progress

    def run(self, inputs: Iterable[Article | ArticleFailure], out_path: Path, *, resume: bool = False) -> BatchSummary:
        summary = BatchSummary()
        started = time.perf_counter()
        done = completed_ids(out_path) if resume else set()
        if not resume and out_path.exists():
            out_path.unlink()
        output = OutputFile(out_path)
        todo = _Remaining(_skip_done(inputs, done, summary))
        try:
            with _progress(self.show_progress) as progress:
                task = progress.add_task("extracting", total=None)
                for result in self.engine.extract_many(todo, concurrency=self.concurrency):
                    output.write(result)
                    summary.record(result)
                    progress.advance(task)
        finally:
            output.close()
        if not todo.exhausted and self.engine.budget_exhausted:
            summary.stopped_reason = f"token budget of {self.engine.budget_limit:,} tokens spent"
        summary.wall_seconds = time.perf_counter() - started
        summary.server_restarts = self.engine.server_restarts
        return summary


class _Remaining:
    """The inputs, noting whether they were read to the end: an engine stops taking them when the budget is spent."""

    def __init__(self, items: Iterable[Article | ArticleFailure]) -> None:
        self._items = items
        self.exhausted = False

    def __iter__(self) -> Iterator[Article | ArticleFailure]:
        yield from self._items
        self.exhausted = True


def _skip_done(
    inputs: Iterable[Article | ArticleFailure], done: set[str], summary: BatchSummary
) -> Iterator[Article | ArticleFailure]:
    for item in inputs:
        if item.id in done:
            summary.skipped_resumed += 1
            continue
        yield item


def _progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not enabled,
        transient=False,
    )
