"""Running a strategy over many articles: bounded concurrency, progress, resume, identity, summary.

One output line per article is the unit of everything: of resumption (``--resume``
keeps the articles already done and redoes the rest), of error reporting (a
failure is a line with ``status: "error"``, never an exception escaping the
batch) and of atomic writing (``extractor.output``: each line is one ``write``;
the file is locked, and replaced only when the batch ends). Every article id is
unique in a batch: a repeated id gets an error line of its own instead of
overwriting the first. Inputs are streamed with at most ``2 × concurrency``
articles in flight, so memory stays flat however large the batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from extractor.articles import ArticleFailure, sha256_text
from extractor.cache import cache_key, code_fingerprint
from extractor.llm import LLM, LLMError, redact
from extractor.output import BatchOutput, Fingerprint, ResumeIndex
from extractor.records import Article, ArticleResult, Claim, Usage
from extractor.strategies.base import Strategy

log = logging.getLogger(__name__)

REASON_UNREADABLE = "could not be read this time"

EXIT_OK = 0
EXIT_ARTICLE_ERRORS = 1
EXIT_USAGE = 2
EXIT_BUDGET_SPENT = 3


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

    @property
    def exit_code(self) -> int:
        if self.stopped_reason:
            return EXIT_BUDGET_SPENT
        return EXIT_ARTICLE_ERRORS if self.errors else EXIT_OK

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
        }


def _error_line(
    article_id: str, source: str, message: str, strategy: Strategy, llm: LLM | None, usage: Usage | None = None
) -> ArticleResult:
    identity = llm.identity if llm else {}
    return ArticleResult(
        id=article_id,
        source=source,
        status="error",
        error=message,
        strategy=strategy.name,
        model=identity.get("model"),
        endpoint=identity.get("endpoint"),
        prompt_version=getattr(strategy, "prompt_version", None),
        usage=usage or Usage(),
        finished_at=dt.datetime.now(dt.UTC),
    )


def strategy_settings(strategy: Strategy) -> dict[str, Any]:
    """A strategy's name, prompt version and scalar settings: what, besides code, shapes its claims."""
    settings: dict[str, Any] = {"name": strategy.name, "prompt_version": getattr(strategy, "prompt_version", None)}
    if dataclasses.is_dataclass(strategy):
        for item in dataclasses.fields(strategy):
            value = getattr(strategy, item.name)
            if item.init and isinstance(value, str | int | float | bool | None):
                settings[item.name] = value
    return settings


class BatchRunner:
    """Runs one strategy over a stream of articles into one output file."""

    def __init__(
        self,
        strategy: Strategy,
        llm: LLM | None,
        *,
        concurrency: int = 1,
        local_server: Any | None = None,
        show_progress: bool = True,
    ) -> None:
        self.strategy = strategy
        self.llm = llm
        self.concurrency = max(1, concurrency)
        self.local_server = local_server
        self.show_progress = show_progress

    def process(self, article: Article) -> ArticleResult:
        started = time.perf_counter()
        identity = self.llm.identity if self.llm else {}
        base: dict[str, Any] = {
            "id": article.id,
            "source": article.source,
            "strategy": self.strategy.name,
            "model": identity.get("model"),
            "endpoint": identity.get("endpoint"),
            "prompt_version": getattr(self.strategy, "prompt_version", None),
            "published": article.published,
            "title": article.title,
            "url": article.url,
            "meta": article.meta,
            "text_sha256": sha256_text(article.text),
        }
        # The text the offsets index travels with the line whenever it cannot be re-read from `source`.
        carried = {"text": None if article.text_from_source else article.text}
        memo_key = self._memo_key(article, base["text_sha256"])
        remembered = self._remembered(memo_key)
        if remembered is not None:
            claims, dropped, responses, served = remembered
            return ArticleResult(
                **base,
                **carried,
                served_model=served,
                status="ok",
                claims=claims,
                usage=Usage(cache_hits=responses),
                dropped_ungrounded=dropped,
                seconds=time.perf_counter() - started,
                finished_at=dt.datetime.now(dt.UTC),
            )
        restarts_before = self.local_server.restarts if self.local_server is not None else 0
        try:
            output = self.strategy.extract(article, self.llm)
        except LLMError as exc:
            message = f"{exc.kind} error: {exc}"
            if exc.kind == "transport" and self.local_server is not None and self._restarted(restarts_before):
                message = "local model server crashed during this article (it was restarted); rerun with --resume"
            return ArticleResult(
                **base,
                status="error",
                error=message,
                usage=exc.usage,
                seconds=time.perf_counter() - started,
                finished_at=dt.datetime.now(dt.UTC),
            )
        except Exception as exc:  # one article's failure must never stop the batch
            secret = self.llm.settings.api_key if self.llm else None
            return ArticleResult(
                **base,
                status="error",
                error=redact(f"{type(exc).__name__}: {exc}", secret)[:500],
                seconds=time.perf_counter() - started,
                finished_at=dt.datetime.now(dt.UTC),
            )
        # Last gate before output: whatever a strategy returns, nothing ungrounded goes out.
        claims = [
            claim
            for claim in output.claims
            if claim.evidence.grounded_in(article.text) and claim.evidence.start >= article.body_start
        ]
        dropped = output.dropped_ungrounded + len(output.claims) - len(claims)
        served = self.llm.served_model if self.llm is not None and self.strategy.uses_llm else None
        if memo_key is not None:
            responses = output.usage.llm_calls + output.usage.cache_hits
            self._remember(memo_key, claims, dropped, responses, served)
        return ArticleResult(
            **base,
            **carried,
            served_model=served,
            status="ok",
            claims=claims,
            usage=output.usage,
            dropped_ungrounded=dropped,
            seconds=time.perf_counter() - started,
            finished_at=dt.datetime.now(dt.UTC),
        )

    def _memo_key(self, article: Article, text_sha256: str) -> str | None:
        """The key of this article's finished result, or None when results are not kept (no model, no cache)."""
        if not self.strategy.uses_llm or self.llm is None or self.llm.cache is None:
            return None
        settings = self.llm.settings
        return cache_key(
            {
                "kind": "article-result",
                "code": code_fingerprint(),
                "strategy": strategy_settings(self.strategy),
                **self.llm.identity,
                "decoding": {"temperature": settings.temperature, "seed": settings.seed},
                "text_sha256": text_sha256,
                "body_start": article.body_start,
                "published": article.published,
            }
        )

    def _remembered(self, key: str | None) -> tuple[list[Claim], int, int, str | None] | None:
        if key is None or self.llm is None or self.llm.cache is None:
            return None
        stored = self.llm.cache.get_result(key)
        if stored is None:
            return None
        try:
            claims = [Claim.model_validate(claim) for claim in stored["claims"]]
            served = stored.get("served_model")
            return claims, int(stored["dropped_ungrounded"]), int(stored["responses"]), served
        except (KeyError, TypeError, ValueError):
            log.warning("a stored article result no longer validates; extracting again")
            return None

    def _remember(self, key: str, claims: list[Claim], dropped: int, responses: int, served: str | None) -> None:
        assert self.llm is not None and self.llm.cache is not None
        self.llm.cache.set_result(
            key,
            {
                "claims": [claim.model_dump(mode="json") for claim in claims],
                "dropped_ungrounded": dropped,
                "responses": responses,
                "served_model": served,
            },
        )

    def _restarted(self, restarts_before: int) -> bool:
        """After a transport error: restart the local server if it died; True when it was restarted meanwhile."""
        server = self.local_server
        # A crashing server resets its connections a moment before its process is gone: wait for
        # one or the other, so the crash is seen here and not by the next article.
        deadline = time.monotonic() + 2.0
        while server.alive() and not server.healthy() and time.monotonic() < deadline:
            time.sleep(0.05)
        # ensure_running() also waits out a restart another worker began, so this worker's next
        # article never meets a half-started server.
        server.ensure_running()
        restarted = server.restarts != restarts_before
        if restarted and self.llm is not None:
            self.llm.breaker.reset()  # the failures were the old server's
        return restarted

    def fingerprint(self) -> Fingerprint:
        """What, besides the article, made this run's lines: resume redoes lines made otherwise."""
        identity = self.llm.identity if self.llm else {}
        return Fingerprint(
            strategy=self.strategy.name,
            model=identity.get("model"),
            prompt_version=getattr(self.strategy, "prompt_version", None),
        )

    def run(
        self, inputs: Iterable[Article | ArticleFailure], out_path: Path | str, *, resume: bool = False
    ) -> BatchSummary:
        """Run the batch into ``out_path`` (``-``: standard output). Raises ``OutputError`` before any work."""
        summary = BatchSummary()
        started = time.perf_counter()
        output = BatchOutput(out_path, resume=resume, fingerprint=self.fingerprint())
        index = output.open()
        if index is not None:
            summary.torn_lines_dropped = index.dropped_torn
        budget = self.llm.budget if self.llm else None
        completed = False
        try:
            with _progress(self.show_progress) as progress:
                task = progress.add_task("extracting", total=None)

                def record(result: ArticleResult) -> None:
                    output.write(result)
                    summary.articles += 1
                    summary.usage.add(result.usage)
                    if result.status == "ok":
                        summary.ok += 1
                        summary.claims += len(result.claims)
                        summary.dropped_ungrounded += result.dropped_ungrounded
                    else:
                        summary.errors += 1
                    progress.advance(task)

                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    pending: set[Future[ArticleResult]] = set()
                    for item in _unique_and_not_done(inputs, index, output, summary):
                        if budget is not None and budget.exhausted:
                            summary.stopped_reason = f"token budget of {budget.limit:,} tokens spent"
                            break
                        if isinstance(item, ArticleFailure):
                            record(_error_line(item.id, item.source, item.message, self.strategy, self.llm))
                            continue
                        pending.add(pool.submit(self.process, item))
                        if len(pending) >= 2 * self.concurrency:
                            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                            for future in finished:
                                record(future.result())
                    for future in pending:
                        record(future.result())
            completed = True
        finally:
            # A finished batch (a spent budget included) puts its output in place; an interrupted one
            # leaves what it wrote where --resume finds it, and the previous output untouched.
            if completed:
                output.finish()
            else:
                output.abort()
        summary.wall_seconds = time.perf_counter() - started
        if self.local_server is not None:
            summary.server_restarts = self.local_server.restarts
        return summary


def _unique_and_not_done(
    inputs: Iterable[Article | ArticleFailure],
    index: ResumeIndex | None,
    output: BatchOutput,
    summary: BatchSummary,
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
                output.note_superseded()
        yield item


def _progress(enabled: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),  # stdout may be the output itself (-o -)
        disable=not enabled,
        transient=False,
    )
