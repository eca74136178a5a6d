"""Running many articles into one output: identity, resume, progress and the run summary.

One output line per article is the unit of everything: of resumption (``--resume``
keeps the articles already done, by id, text sha256 and run fingerprint, and
redoes the rest, saying why), of error reporting (a failure is a line with
``status: "error"``, never an exception escaping the batch) and of atomic writing
(``extractor.output``: each line one ``write``; the file locked, and replaced only
when the batch ends). Every article id is unique in a batch: a repeated id gets an
error line of its own instead of overwriting the first. What happens to
one article is the pipeline's business, and how many are in flight where is the batch
loop's (``extractor.executors``, which ``Extractor.extract_many`` runs): inputs are
streamed with a bounded number of articles in flight, so memory stays flat however
large the batch. Exit codes are the CLI's.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from extractor.articles import ArticleFailure, sha256_text
from extractor.executors import local_stream
from extractor.identity import RunIdentity
from extractor.output import BatchOutput, ResumeIndex
from extractor.pipeline import Pipeline
from extractor.progress import Progress, ProgressMode
from extractor.records import Article, ArticleResult, Usage

REASON_UNREADABLE = "could not be read this time"


class ArticleEngine(Protocol):
    """What a batch runs articles through: an ``Extractor`` (or a bare ``Pipeline``, run on local threads)."""

    @property
    def budget_exhausted(self) -> bool: ...
    @property
    def budget_limit(self) -> int | None: ...
    @property
    def server_restarts(self) -> int: ...

    def run_identity(self) -> RunIdentity:
        """What, besides the article, makes a line (``extractor.identity``)."""
        ...

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
    # Articles of this batch that had a line in the resumed output and were done again, by reason.
    redone: dict[str, int] = field(default_factory=dict)
    torn_lines_dropped: int = 0
    duplicate_ids: int = 0
    # With --resume: the ok lines of the earlier output still in OUT at the end, and their claims.
    kept_articles: int = 0
    kept_claims: int = 0

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
            "redone": dict(self.redone),
            "torn_lines_dropped": self.torn_lines_dropped,
            "duplicate_ids": self.duplicate_ids,
            "kept_articles": self.kept_articles,
            "kept_claims": self.kept_claims,
            "articles_in_output": self.articles_in_output,
            "claims_in_output": self.claims_in_output,
        }

    @property
    def articles_in_output(self) -> int:
        """Every article with a line in OUT at the end: kept from before, and done now."""
        return self.kept_articles + self.articles

    @property
    def claims_in_output(self) -> int:
        """Every claim in OUT at the end: kept from before, and found now."""
        return self.kept_claims + self.claims


class BatchRunner:
    """Runs articles through an engine (an ``Extractor`` or a ``Pipeline``) into one output file."""

    def __init__(
        self,
        engine: ArticleEngine | Pipeline,
        *,
        concurrency: int = 1,
        show_progress: bool = True,
        progress: Progress | None = None,
    ) -> None:
        """``progress``: how to show it (``extractor.progress``); else ``show_progress``: auto, or none."""
        self.engine = engine
        self.concurrency = max(1, concurrency)
        self.progress = progress or Progress(ProgressMode.auto if show_progress else ProgressMode.none)

    def run(
        self, inputs: Iterable[Article | ArticleFailure], out_path: Path | str, *, resume: bool = False
    ) -> BatchSummary:
        """Run the batch into ``out_path`` (``-``: standard output). Raises ``OutputError`` before any work."""
        summary = BatchSummary()
        started = time.perf_counter()
        output = BatchOutput(out_path, resume=resume, identity=self.engine.run_identity())
        index = output.open()
        if index is not None:
            summary.torn_lines_dropped = index.dropped_torn
        redone: set[str] = set()
        todo = _Remaining(_unique_and_not_done(inputs, index, output, summary, redone))
        completed = False
        try:
            with self.progress.reporter() as progress:
                for result in self._results(todo):
                    output.write(result)
                    summary.record(result)
                    progress.update(
                        done=summary.articles + summary.skipped_resumed, errors=summary.errors, claims=summary.claims
                    )
            completed = True
        finally:
            # A finished batch (a spent budget included) puts its output in place; an interrupted one
            # leaves what it wrote where --resume finds it, and the previous output untouched.
            if completed:
                output.finish()
            else:
                output.abort()
        if index is not None:
            kept = [article_id for article_id in index.kept if article_id not in redone]
            summary.kept_articles = len(kept)
            summary.kept_claims = sum(index.claims.get(article_id, 0) for article_id in kept)
        if not todo.exhausted and self.engine.budget_exhausted:
            summary.stopped_reason = f"token budget of {self.engine.budget_limit:,} tokens spent"
        summary.wall_seconds = time.perf_counter() - started
        summary.server_restarts = self.engine.server_restarts
        return summary


    def _results(self, todo: Iterable[Article | ArticleFailure]) -> Iterator[ArticleResult]:
        if isinstance(self.engine, Pipeline):  # a bare pipeline (tests, a custom model client): threads here
            return local_stream(self.engine, todo, self.concurrency)
        return self.engine.extract_many(todo, concurrency=self.concurrency)


class _Remaining:
    """The inputs, noting whether they were read to the end: an engine stops taking them when the budget is spent."""

    def __init__(self, items: Iterable[Article | ArticleFailure]) -> None:
        self._items = items
        self.exhausted = False

    def __iter__(self) -> Iterator[Article | ArticleFailure]:
        yield from self._items
        self.exhausted = True


def _unique_and_not_done(
    inputs: Iterable[Article | ArticleFailure],
    index: ResumeIndex | None,
    output: BatchOutput,
    summary: BatchSummary,
    redone: set[str],
) -> Iterator[Article | ArticleFailure]:
    """The inputs to do: a repeated id becomes a failure of its own; with ``--resume``, finished ones are skipped."""
    first_source: dict[str, str] = {}
    for item in inputs:
        earlier = first_source.get(item.id)
        if earlier is None:
            first_source[item.id] = item.source
        else:
            summary.duplicate_ids += 1
            # Named by its place, so it has a line of its own and the first article's line stands.
            yield ArticleFailure(
                item.source,
                item.source,
                f"duplicate id {item.id!r}: already used by {earlier}; give every article its own id (--id-field)",
            )
            continue
        if index is not None:
            if isinstance(item, Article):
                reason = index.decide(item.id, sha256_text(item.text))
            else:  # unreadable now: its error line replaces whatever stood before
                reason = REASON_UNREADABLE if item.id in index.kept else index.decide(item.id, None) or ""
            if reason is None:
                summary.skipped_resumed += 1
                continue
            if reason:
                summary.redone[reason] = summary.redone.get(reason, 0) + 1
            if item.id in index.kept:
                redone.add(item.id)
                output.note_superseded()
        yield item
