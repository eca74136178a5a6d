"""Endpoint edges of a batch (issue #11, case 10): credentials in URLs, the model actually served, a dead endpoint.

* ``--base-url http://user:sk-…@host`` used to copy the key into every line's ``endpoint``;
* with ``OPENAI_BASE_URL`` and no ``--model`` every record said ``gpt-4o-mini``
  whatever the endpoint served;
* a dead endpoint made every remaining article wait out its own retries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from extractor.batch import BatchRunner
from extractor.cli import EXIT_ARTICLE_ERRORS, exit_code
from extractor.pipeline import Pipeline
from extractor.strategies.whole_article import WholeArticleStrategy
from support.endpoint import FakeEndpoint, Fault, reporting_responder
from tests.reliability import FAKE_KEY, article_of, by_id, make_articles, make_llm, read_lines, run_cli, write_jsonl


def test_case10_credentials_in_the_base_url_are_redacted_everywhere(articles_dir: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", make_articles(articles_dir, 2))
    out, cache, summary = tmp_path / "out.jsonl", tmp_path / "cache", tmp_path / "summary.json"
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        port = endpoint.port
        secret_url = f"http://proxy-user:{FAKE_KEY}@127.0.0.1:{port}/v1"
        done = run_cli(
            [
                str(source),
                "-o",
                str(out),
                "--strategy",
                "whole_article",
                "--base-url",
                secret_url,
                "--summary-json",
                str(summary),
            ],
            cache,
            OPENAI_API_KEY="",
        )
    assert done.returncode == 0, done.stderr
    lines = read_lines(out)
    assert {line["endpoint"] for line in lines} == {f"http://[redacted]@127.0.0.1:{port}/v1"}
    scanned = {"stdout": done.stdout, "stderr": done.stderr, "out": out.read_text(), "summary": summary.read_text()}
    scanned |= {str(p): p.read_bytes().decode("latin-1") for p in cache.rglob("*") if p.is_file()}
    assert [name for name, text in scanned.items() if FAKE_KEY in text or "proxy-user" in text] == []


def test_redact_url_keeps_what_names_the_endpoint() -> None:
    from extractor.llm import redact_url

    assert redact_url("https://api.example.org/v1") == "https://api.example.org/v1"
    assert redact_url("http://u:p4ss@h:8000/v1") == "http://[redacted]@h:8000/v1"
    assert redact_url("http://h/v1?token=abc&model=x") == "http://h/v1?token=[redacted]&model=x"


def test_case10_records_name_the_model_the_endpoint_served(articles_dir: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", make_articles(articles_dir, 2))
    cache = tmp_path / "cache"

    def served_elsewhere(request: dict[str, Any]) -> dict[str, Any]:
        return {**reporting_responder(request), "model": "qwen2.5-7b-instruct-q4"}

    with FakeEndpoint(respond=served_elsewhere) as endpoint:
        for name in ("first.jsonl", "cached.jsonl"):  # the second run answers everything from the cache
            done = run_cli(
                [str(source), "-o", str(tmp_path / name), "--strategy", "whole_article"],
                cache,
                OPENAI_BASE_URL=endpoint.base_url,
            )
            assert done.returncode == 0, done.stderr
    for name in ("first.jsonl", "cached.jsonl"):
        lines = read_lines(tmp_path / name)
        assert {(line["model"], line["served_model"]) for line in lines} == {("gpt-4o-mini", "qwen2.5-7b-instruct-q4")}
    assert all(line["usage"]["llm_calls"] == 0 for line in read_lines(tmp_path / "cached.jsonl"))


def test_case10_a_dead_endpoint_fails_the_rest_at_once_and_resume_recovers(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 30)
    retries, concurrency, threshold = 3, 2, 5
    out = tmp_path / "out.jsonl"
    with FakeEndpoint(faults=lambda *_: Fault("status", 503), respond=reporting_responder) as dead:
        llm = make_llm(dead, max_transport_retries=retries, max_retry_wait_s=0.01)
        runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False)
        summary = runner.run(articles, out)
        llm.close()
    lines = by_id(read_lines(out))
    assert sorted(lines) == [a.id for a in articles], "every article has its line"
    assert exit_code(summary) == EXIT_ARTICLE_ERRORS and summary.errors == 30
    # Without the breaker: 30 articles x 4 attempts. With it: the calls in flight when it opened, no more.
    assert dead.requests <= (threshold + concurrency) * (retries + 1), dead.requests
    skipped = [line for line in lines.values() if line["usage"]["llm_calls"] == 0]
    assert len(skipped) >= 30 - threshold - concurrency
    assert all("endpoint unavailable" in line["error"] and "--resume" in line["error"] for line in skipped)

    with FakeEndpoint(respond=reporting_responder) as alive:
        llm = make_llm(alive)
        summary = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False).run(
            articles, out, resume=True
        )
        llm.close()
    assert summary.errors == 0 and summary.ok == 30
    assert all(line["status"] == "ok" for line in by_id(read_lines(out)).values())


def test_one_articles_persistent_fault_never_opens_the_breaker(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 12)

    def plan(_: int, request: dict[str, Any]) -> Fault | None:
        return Fault("status", 503) if article_of(request) == 0 else None

    with FakeEndpoint(faults=plan, respond=reporting_responder) as endpoint:
        llm = make_llm(endpoint, max_transport_retries=1, max_retry_wait_s=0.01, breaker_threshold=2)
        summary = BatchRunner(Pipeline(WholeArticleStrategy(), llm), show_progress=False).run(
            articles, tmp_path / "o.jsonl"
        )
        llm.close()
    assert (summary.ok, summary.errors) == (11, 1)
    assert llm.breaker.times_opened == 0


def test_breaker_opens_after_threshold_then_lets_one_probe_through() -> None:
    from extractor.breaker import CircuitBreaker

    now = [0.0]
    breaker = CircuitBreaker(threshold=3, reset_s=10, clock=lambda: now[0])
    for _ in range(2):
        breaker.record_failure("503")
    breaker.record_success()  # a success in between: the count starts again
    for _ in range(2):
        breaker.record_failure("503")
    assert breaker.allow() and not breaker.is_open
    breaker.record_failure("503")
    assert breaker.is_open and not breaker.allow()
    now[0] = 10.5
    assert breaker.allow(), "half-open: one probe"
    assert not breaker.allow(), "only one probe at a time"
    breaker.record_failure("still 503")
    assert not breaker.allow() and breaker.times_opened == 2
    now[0] = 21.0
    assert breaker.allow()
    breaker.record_success()
    assert breaker.allow() and breaker.allow() and not breaker.is_open


class _AsksOnlyWhenTold:
    """A model strategy that asks the model only for articles containing ASK (the others need no call)."""

    name = "asks-when-told"
    prompt_version = "asks-when-told@1"
    uses_llm = True
    cpu_pass = False

    def extract(self, article: Any, llm: Any) -> Any:
        from pydantic import BaseModel

        from extractor.records import Usage
        from extractor.strategies.base import StrategyOutput

        class Answer(BaseModel):
            ok: bool

        usage = Usage()
        if "ASK" in article.text:
            result = llm.complete(
                response_model=Answer, messages=[{"role": "user", "content": article.text}], max_tokens=8,
                prompt_version=self.prompt_version,
            )  # fmt: skip
            usage.add(result.usage)
        return StrategyOutput(claims=[], usage=usage)


def test_a_line_names_only_the_model_that_served_its_own_calls() -> None:
    """An article that made no model call once took the served model of the article before it (or of
    another thread's): ``served_model`` was the client's latest answer, whoever asked."""
    import threading

    from extractor.records import Article

    def served_elsewhere(request: dict[str, Any]) -> dict[str, Any]:
        from support.endpoint import completion

        return {**completion(request, {"ok": True}), "model": "served-x"}

    with FakeEndpoint(respond=served_elsewhere) as endpoint:
        llm = make_llm(endpoint)
        pipeline = Pipeline(_AsksOnlyWhenTold(), llm)
        asked = pipeline.process(Article(id="a", text="ASK the model about this article, please."))
        quiet = pipeline.process(Article(id="b", text="Nothing here needs the model at all."))
        elsewhere: list[str | None] = []
        thread = threading.Thread(target=lambda: elsewhere.append(llm.served_model))
        thread.start()
        thread.join()
        llm.close()
    assert asked.status == quiet.status == "ok"
    assert asked.served_model == "served-x" and asked.usage.llm_calls == 1
    assert quiet.usage.llm_calls == 0 and quiet.served_model is None
    assert elsewhere == [None], "another thread's articles never see this thread's answers"
