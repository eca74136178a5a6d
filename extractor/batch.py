"""Running a strategy over many articles: bounded concurrency, progress, resume, atomic lines, summary.

One output line per article is the unit of everything: of resumption (``--resume``
keeps the articles already done and redoes the rest), of error reporting (a
failure is a line with ``status: "error"``, never an exception escaping the
batch) and of atomic writing (each line goes out in one ``write`` on an
``O_APPEND`` descriptor, so a kill never leaves a torn line). Inputs are
streamed with at most ``2 × concurrency`` articles in flight, so memory stays
flat however large the batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from extractor.records import Article, ArticleResult, Claim, Usage
from extractor.strategies.base import Strategy

log = logging.getLogger(__name__)

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
        return server.restarts != restarts_before

    def run(self, inputs: Iterable[Article | ArticleFailure], out_path: Path, *, resume: bool = False) -> BatchSummary:
        summary = BatchSummary()
        started = time.perf_counter()
        done = completed_ids(out_path) if resume else set()
        if not resume and out_path.exists():
            out_path.unlink()
        output = OutputFile(out_path)
        budget = self.llm.budget if self.llm else None
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

            try:
                with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                    pending: set[Future[ArticleResult]] = set()
                    for item in _skip_done(inputs, done, summary):
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
            finally:
                output.close()
        summary.wall_seconds = time.perf_counter() - started
        if self.local_server is not None:
            summary.server_restarts = self.local_server.restarts
        return summary


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
