"""Endpoint faults against the real LLM layer and batch runner: retried, re-asked, or one clear error line.

Every test runs ``WholeArticleStrategy`` through ``LLM`` and ``BatchRunner`` (or
the CLI in a child process) against ``FakeEndpoint`` on loopback, with waits kept
short (``max_retry_wait_s`` caps backoff). The expectations: transient faults
(429/5xx, resets, timeouts) are retried and counted in ``usage.transport_retries``;
broken model output is re-asked and counted in ``usage.reasks``; a fault that
outlasts its budget costs that one article an error line saying why, while the
rest of the batch succeeds; no article is ever lost or written twice.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from typer.testing import CliRunner

from extractor.batch import BatchRunner, BatchSummary
from extractor.cli import EXIT_ARTICLE_ERRORS, EXIT_BUDGET_SPENT, app, exit_code
from extractor.output import partial_path
from extractor.pipeline import Pipeline
from extractor.records import Article
from extractor.strategies.whole_article import WholeArticleStrategy, response_model
from support.endpoint import (
    FakeEndpoint,
    FakeEndpointProcess,
    Fault,
    arguments_of,
    completion,
    minimal_instance,
    reporting_responder,
    schema_violation,
)
from tests.reliability import (
    article_of,
    by_id,
    cli_env,
    make_articles,
    make_llm,
    read_lines,
    run_cli,
    tally,
    write_jsonl,
)


def run_batch(
    endpoint: FakeEndpoint, articles: list[Article], out: Path, *, concurrency: int = 2, resume: bool = False,
    local_server: Any = None, **llm_settings: Any,
) -> tuple[BatchSummary, dict[str, dict[str, Any]]]:
    llm = make_llm(endpoint, **llm_settings)
    try:
        pipeline = Pipeline(WholeArticleStrategy(), llm, local_server=local_server)
        runner = BatchRunner(pipeline, concurrency=concurrency, show_progress=False)
        summary = runner.run(articles, out, resume=resume)
    finally:
        llm.close()
    return summary, by_id(read_lines(out))


# --- the fake endpoint itself ------------------------------------------------------------------


def test_endpoint_serves_64_concurrent_requests_each_sleeping_its_latency() -> None:
    schema = response_model(1, 5, 5).model_json_schema()
    body = json.dumps({
        "model": "m", "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "ArticleClaims", "parameters": schema}}],
    }).encode()
    results: list[int] = []

    def call(url: str) -> None:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read())
            json.loads(answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
            results.append(response.status)

    with FakeEndpoint(latency_s=0.5) as endpoint:
        threads = [threading.Thread(target=call, args=(f"{endpoint.base_url}/chat/completions",)) for _ in range(64)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        with urllib.request.urlopen(f"{endpoint.base_url}/models", timeout=5) as response:
            assert json.loads(response.read())["data"][0]["id"] == "fake-model"
    assert results == [200] * 64
    assert endpoint.requests == 64
    # Served one after another this would take 32 s.
    assert elapsed < 3.0


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["b", "a"]
    count: int = Field(ge=3)
    ratio: float = Field(gt=0.5)
    code: str = Field(min_length=4, max_length=6)
    note: str | None
    optional: str = "default"


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[_Inner] = Field(min_length=2)
    child: _Inner
    flag: bool
    maybe: _Inner | None
    tags: Annotated[list[str], Field(default_factory=list)]


@pytest.mark.parametrize("model", [_Outer, response_model(4, 9, 3)], ids=["nested", "whole_article"])
def test_default_answer_is_a_minimal_valid_instance_and_violation_is_not(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    value = model.model_validate(minimal_instance(schema))
    assert value is not None
    with pytest.raises(ValidationError):
        model.model_validate(schema_violation(schema))


# --- transient faults: retried ----------------------------------------------------------------


def test_429_retry_after_is_honoured(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 1)
    with FakeEndpoint(faults=[Fault("status", 429, retry_after=1)]) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", max_retry_wait_s=5)
    tally(record_property, endpoint=endpoint, expected_ids=["a000"], lines=list(lines.values()))
    assert lines["a000"]["status"] == "ok"
    assert lines["a000"]["usage"]["transport_retries"] == 1
    assert endpoint.requests == 2
    waited = endpoint.received_at[1] - endpoint.received_at[0]
    assert 1.0 <= waited < 2.5
    assert exit_code(summary) == 0


def test_retry_after_is_capped_by_max_retry_wait(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 1)
    with FakeEndpoint(faults=[Fault("status", 429, retry_after=120)]) as endpoint:
        _, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", max_retry_wait_s=0.3)
    tally(record_property, endpoint=endpoint, expected_ids=["a000"], lines=list(lines.values()))
    assert lines["a000"]["status"] == "ok"
    assert endpoint.received_at[1] - endpoint.received_at[0] < 1.5


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", 500), Fault("status", 502), Fault("status", 503), Fault("status", 504),
        Fault("status", 503, retry_after=0.1), Fault("reset"), Fault("timeout", delay_s=5),
    ],
    ids=lambda f: f.label.replace(" ", "") + ("-retry-after" if f.retry_after else ""),
)
def test_transient_fault_is_retried(
    fault: Fault, articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 2)
    with FakeEndpoint(faults=[fault]) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", concurrency=1, timeout_s=1.0)
    tally(record_property, endpoint=endpoint, expected_ids=["a000", "a001"], lines=list(lines.values()))
    assert [line["status"] for line in lines.values()] == ["ok", "ok"]
    assert lines["a000"]["usage"]["transport_retries"] == 1
    assert lines["a000"]["usage"]["llm_calls"] == 2
    assert summary.usage.transport_retries == 1
    assert exit_code(summary) == 0


def test_slow_response_within_timeout_is_accepted(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 1)
    with FakeEndpoint(faults=[Fault("slow", delay_s=0.6)]) as endpoint:
        started = time.perf_counter()
        _, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", timeout_s=3)
        elapsed = time.perf_counter() - started
    tally(record_property, endpoint=endpoint, expected_ids=["a000"], lines=list(lines.values()))
    assert lines["a000"]["status"] == "ok"
    assert lines["a000"]["usage"]["transport_retries"] == 0
    assert elapsed >= 0.6


def test_client_error_is_not_retried(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 1)
    with FakeEndpoint(faults=[Fault("status", 400)] * 5) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl")
    tally(record_property, endpoint=endpoint, expected_ids=["a000"], lines=list(lines.values()))
    line = lines["a000"]
    assert line["status"] == "error"
    assert line["error"].startswith("transport error: endpoint answered HTTP 400")
    assert endpoint.requests == 1
    assert line["usage"]["transport_retries"] == 0
    assert exit_code(summary) == EXIT_ARTICLE_ERRORS


# --- broken model output: re-asked ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["truncated_json", "invalid_json", "schema_invalid"])
def test_broken_output_is_reasked(kind: str, articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 1)
    with FakeEndpoint(faults=[Fault(kind)], respond=reporting_responder) as endpoint:
        _, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl")
        reask = endpoint.received[1]
    tally(record_property, endpoint=endpoint, expected_ids=["a000"], lines=list(lines.values()))
    line = lines["a000"]
    assert line["status"] == "ok"
    assert line["claims"], "the re-asked answer's claims are kept"
    assert line["usage"]["reasks"] == 1
    assert line["usage"]["llm_calls"] == 2
    # The re-ask shows the model its broken answer and the error, after the original prompt.
    assert len(reask["messages"]) > len(endpoint.received[0]["messages"])


def test_output_that_never_validates_becomes_an_error_line(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 3)

    def plan(_: int, request: dict[str, Any]) -> Fault | None:
        return Fault("schema_invalid") if article_of(request) == 1 else None

    with FakeEndpoint(faults=plan, respond=reporting_responder) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", max_reasks=2)
    tally(record_property, endpoint=endpoint, expected_ids=["a000", "a001", "a002"], lines=list(lines.values()))
    bad = lines["a001"]
    assert bad["status"] == "error"
    assert bad["error"].startswith("validation error: invalid model output after 3 attempt(s)")
    assert bad["claims"] == []
    assert bad["usage"]["reasks"] == 3
    assert bad["usage"]["llm_calls"] == 3
    assert lines["a000"]["status"] == lines["a002"]["status"] == "ok"
    assert (summary.ok, summary.errors, exit_code(summary)) == (2, 1, EXIT_ARTICLE_ERRORS)


def test_a_claim_citing_a_sentence_outside_its_chunk_is_dropped_not_reasked(
    articles_dir: Path, tmp_path: Path
) -> None:
    articles = make_articles(articles_dir, 1)

    def one_bad_item(request: dict[str, Any]) -> dict[str, Any]:
        arguments = json.loads(arguments_of(reporting_responder(request)))
        assert arguments["claims"], "the comparison needs good claims beside the bad one"
        arguments["claims"].append({**arguments["claims"][0], "sentence": 999})
        return completion(request, arguments)

    with FakeEndpoint(respond=one_bad_item) as endpoint:
        _, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl")
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        _, clean = run_batch(endpoint, articles, tmp_path / "clean.jsonl")
    line = lines["a000"]
    assert line["status"] == "ok" and line["usage"]["reasks"] == 0 and line["usage"]["llm_calls"] == 1
    assert line["claims"] == clean["a000"]["claims"]
    assert line["dropped_ungrounded"] == clean["a000"]["dropped_ungrounded"] + 1


# --- faults past the retry budget: one error line, the batch goes on --------------------------


def test_persistent_fault_fails_only_its_article(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 6)

    def plan(_: int, request: dict[str, Any]) -> Fault | None:
        return Fault("status", 503) if article_of(request) == 2 else None

    with FakeEndpoint(faults=plan, respond=reporting_responder) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", max_transport_retries=2)
    ids = [a.id for a in articles]
    tally(record_property, endpoint=endpoint, expected_ids=ids, lines=list(lines.values()))
    assert sorted(lines) == ids
    bad = lines["a002"]
    assert bad["status"] == "error"
    assert bad["error"].startswith("transport error: endpoint answered HTTP 503")
    assert bad["usage"]["transport_retries"] == 2
    assert bad["usage"]["llm_calls"] == 3
    assert all(lines[i]["status"] == "ok" and lines[i]["claims"] for i in ids if i != "a002")
    assert (summary.articles, summary.ok, summary.errors) == (6, 5, 1)
    assert summary.usage.transport_retries == 2
    assert exit_code(summary) == EXIT_ARTICLE_ERRORS


def test_cli_reports_persistent_timeout_in_summary_and_exit_code(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 4)
    source = write_jsonl(tmp_path / "in.jsonl", articles)

    def plan(_: int, request: dict[str, Any]) -> Fault | None:
        return Fault("timeout", delay_s=10) if article_of(request) == 3 else None

    out, summary_path = tmp_path / "out.jsonl", tmp_path / "summary.json"
    with FakeEndpoint(faults=plan, respond=reporting_responder) as endpoint:
        done = run_cli(
            [str(source), "--out", str(out), "--strategy", "whole_article", "--base-url", endpoint.base_url,
             "--timeout", "1", "--max-retries", "1", "--summary-json", str(summary_path), "--no-cache"],
            tmp_path / "cache",
        )
    lines = by_id(read_lines(out))
    tally(record_property, endpoint=endpoint, expected_ids=[a.id for a in articles], lines=list(lines.values()))
    assert done.returncode == EXIT_ARTICLE_ERRORS, done.stderr
    assert "Traceback" not in done.stderr
    assert lines["a003"]["error"] == "transport error: endpoint timed out"
    assert lines["a003"]["usage"]["transport_retries"] == 1
    summary = json.loads(summary_path.read_text())
    assert (summary["articles"], summary["ok"], summary["errors"]) == (4, 3, 1)
    assert summary["transport_retries"] == 1
    assert summary["stopped_reason"] is None


# Every recoverable fault kind, once per article, over one concurrent batch.
RECOVERABLE = [
    Fault("status", 429, retry_after=0.1), Fault("status", 500), Fault("status", 502), Fault("status", 503),
    Fault("reset"), Fault("timeout", delay_s=5), Fault("slow", delay_s=0.3),
    Fault("truncated_json"), Fault("invalid_json"), Fault("schema_invalid"),
]


def test_every_recoverable_fault_in_one_batch_loses_nothing(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 2 * len(RECOVERABLE))
    first_seen: set[int] = set()
    lock = threading.Lock()

    def plan(_: int, request: dict[str, Any]) -> Fault | None:
        desk = article_of(request)
        with lock:
            if desk is None or desk in first_seen:
                return None
            first_seen.add(desk)
        return RECOVERABLE[desk % len(RECOVERABLE)]

    with FakeEndpoint(faults=plan, respond=reporting_responder, latency_s=0.05) as endpoint:
        summary, lines = run_batch(endpoint, articles, tmp_path / "out.jsonl", concurrency=4, timeout_s=1)
    ids = [a.id for a in articles]
    tally(record_property, endpoint=endpoint, expected_ids=ids, lines=list(lines.values()))
    assert sorted(lines) == ids
    assert all(line["status"] == "ok" and line["claims"] for line in lines.values())
    transport = sum(f.kind in {"status", "reset", "timeout"} for f in RECOVERABLE) * 2
    broken = sum(f.kind.endswith("json") or f.kind == "schema_invalid" for f in RECOVERABLE) * 2
    assert summary.usage.transport_retries == transport
    assert summary.usage.reasks == broken
    assert sum(endpoint.injected.values()) == len(articles)
    assert exit_code(summary) == 0


# --- the embedded model server dies mid-batch ---------------------------------------------------


def test_model_server_killed_mid_batch_restarts_and_resume_completes(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 8)
    out = tmp_path / "out.jsonl"
    with FakeEndpointProcess(latency_s=0.4) as server:
        killed = threading.Event()

        def kill_after_two_lines() -> None:
            deadline = time.monotonic() + 30
            written = partial_path(out)  # a run without --resume writes there until it ends
            while time.monotonic() < deadline:
                if written.exists() and written.read_text().count("\n") >= 2:
                    server.kill()
                    killed.set()
                    return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_after_two_lines)
        killer.start()
        llm = make_llm(server, max_transport_retries=0)
        try:
            pipeline = Pipeline(WholeArticleStrategy(), llm, local_server=server)
            runner = BatchRunner(pipeline, concurrency=2, show_progress=False)
            summary = runner.run(articles, out)
        finally:
            llm.close()
            killer.join()
        assert killed.is_set()
        first = by_id(read_lines(out))
        failed = [i for i, line in first.items() if line["status"] == "error"]
        assert 1 <= len(failed) <= 2, {i: (first[i]["error"], first[i]["finished_at"]) for i in failed}
        for article_id in failed:
            assert "local model server crashed during this article" in first[article_id]["error"]
        assert server.restarts == 1 and summary.server_restarts == 1
        assert server.alive()
        # Articles after the crash are served by the restarted server.
        assert first["a007"]["status"] == "ok"
        assert sorted(first) == [a.id for a in articles]

        llm = make_llm(server, max_transport_retries=0)
        try:
            pipeline = Pipeline(WholeArticleStrategy(), llm, local_server=server)
            runner = BatchRunner(pipeline, concurrency=2, show_progress=False)
            resumed = runner.run(articles, out, resume=True)
        finally:
            llm.close()
    final = by_id(read_lines(out))
    tally(record_property, expected_ids=[a.id for a in articles], lines=list(final.values()),
          faults_injected={"server killed (SIGKILL)": 1})
    assert sorted(final) == [a.id for a in articles]
    assert all(line["status"] == "ok" for line in final.values())
    assert resumed.skipped_resumed == len(articles) - len(failed)
    assert resumed.ok == len(failed)


# --- limits: the token budget -------------------------------------------------------------------


def test_token_budget_stops_the_batch_cleanly_and_resume_finishes(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 6)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    out, summary_path = tmp_path / "out.jsonl", tmp_path / "summary.json"
    common = [str(source), "--out", str(out), "--strategy", "whole_article", "--concurrency", "1",
              "--summary-json", str(summary_path)]
    # In-process through the CLI (same code path as a child process, seconds faster).
    runner = CliRunner()
    env = cli_env(tmp_path / "cache")
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        # Each article costs well over 100 tokens, so the budget is spent by the first one.
        stopped = runner.invoke(app, ["extract", *common, "--base-url", endpoint.base_url, "--token-budget", "100"],
                                env=env)
        summary = json.loads(summary_path.read_text())
        partial = by_id(read_lines(out))
        resumed = runner.invoke(app, ["extract", *common, "--base-url", endpoint.base_url, "--resume"], env=env)
    final = by_id(read_lines(out))
    ids = [a.id for a in articles]
    tally(record_property, endpoint=endpoint, expected_ids=ids, lines=list(final.values()))
    assert stopped.exit_code == EXIT_BUDGET_SPENT, stopped.output
    assert stopped.exception is None or isinstance(stopped.exception, SystemExit)
    assert summary["stopped_reason"] == "token budget of 100 tokens spent"
    assert summary["ok"] >= 1
    assert summary["prompt_tokens"] + summary["completion_tokens"] > 100
    assert len(partial) < len(articles), "the batch stopped before the end"
    assert "a000" in partial and partial["a000"]["status"] == "ok"
    # Articles already handed to a worker when the budget ran out end with a budget error line, never half done.
    for line in partial.values():
        assert line["status"] == "ok" or line["error"].startswith("budget error: token budget")
    assert resumed.exit_code == 0, resumed.output
    assert sorted(final) == ids
    assert all(line["status"] == "ok" for line in final.values())
    assert final["a000"] == partial["a000"], "finished lines are kept, not redone"
