"""The API key never leaves the client: not in output lines, the cache, logs, stderr, errors or cassettes.

The fake endpoint is made hostile: its error answers quote the request's
Authorization header back (as careless proxies do), so the key reaches the
error path for real; then every place a run writes to is scanned for it, by
value and by shape.
"""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from extractor.errors import LLMError, RedactingFilter
from support.endpoint import FakeEndpoint, Fault, reporting_responder
from tests.reliability import (
    FAKE_KEY,
    article_of,
    by_id,
    make_articles,
    make_llm,
    read_lines,
    run_cli,
    tally,
    write_jsonl,
)

REPO = Path(__file__).resolve().parent.parent
KEY_SHAPED = re.compile(rb"sk-[A-Za-z0-9_\-]{16,}|Bearer\s+[A-Za-z0-9_\-.=]{8,}")


def key_shaped_in(folder: Path) -> list[str]:
    """``path: match`` for every key-shaped string in any file under ``folder``."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for match in KEY_SHAPED.finditer(path.read_bytes()):
            found.append(f"{path}: {match.group(0)[:12].decode(errors='replace')}…")
    return found


def leaks(data: bytes | str) -> bool:
    raw = data.encode() if isinstance(data, str) else data
    return FAKE_KEY.encode() in raw or bool(KEY_SHAPED.search(raw))


def test_key_never_appears_in_output_cache_or_stderr(articles_dir: Path, tmp_path: Path, record_property: Any) -> None:
    articles = make_articles(articles_dir, 4)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    out, cache, summary_path = tmp_path / "out.jsonl", tmp_path / "cache", tmp_path / "summary.json"
    first_fault_done: set[int] = set()

    def plan(number: int, request: dict[str, Any]) -> Fault | None:
        desk = article_of(request)
        if desk == 0 and 0 not in first_fault_done:
            first_fault_done.add(0)
            return Fault("status", 500, echo_auth=True)  # retried, then succeeds
        if desk == 1:
            return Fault("status", 401, echo_auth=True)  # not retryable: an error line at once
        if desk == 2:
            return Fault("status", 503, echo_auth=True)  # retried until the budget is spent
        return None

    with FakeEndpoint(faults=plan, respond=reporting_responder) as endpoint:
        done = run_cli(
            [str(source), "--out", str(out), "--strategy", "whole_article", "--base-url", endpoint.base_url,
             "--max-retries", "1", "--summary-json", str(summary_path), "--cache-dir", str(cache)],
            tmp_path / "unused-cache",
        )
    lines = by_id(read_lines(out))
    tally(record_property, endpoint=endpoint, expected_ids=[a.id for a in articles], lines=list(lines.values()))
    assert done.returncode == 1, done.stderr
    # The key really was sent, and really was echoed into the error path.
    assert {h.get("authorization") for h in endpoint.received_headers} == {f"Bearer {FAKE_KEY}"}
    assert "[redacted]" in lines["a001"]["error"] and "HTTP 401" in lines["a001"]["error"]
    assert "[redacted]" in lines["a002"]["error"] and "HTTP 503" in lines["a002"]["error"]
    assert lines["a000"]["status"] == "ok" and lines["a000"]["usage"]["transport_retries"] == 1
    assert "Traceback" not in done.stderr

    scanned = {"stdout": done.stdout, "stderr": done.stderr, "output": out.read_bytes(),
               "summary": summary_path.read_bytes()}
    scanned.update({str(p): p.read_bytes() for p in cache.rglob("*") if p.is_file()})
    assert any(p.endswith(".db") for p in scanned), "the cache was written"
    leaked = [name for name, data in scanned.items() if leaks(data)]
    record_property("secrets_scanned", len(scanned))
    assert leaked == []


def test_key_never_appears_in_logs_or_exceptions(
    articles_dir: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str], record_property: Any
) -> None:
    article = make_articles(articles_dir, 1)[0]
    faults = [Fault("status", 500, echo_auth=True), Fault("status", 403, echo_auth=True)]
    caplog.set_level(logging.DEBUG)  # everything every library logs, openai and httpx included
    with FakeEndpoint(faults=faults) as endpoint:
        llm = make_llm(endpoint)
        try:
            from extractor.strategies.whole_article import WholeArticleStrategy

            with pytest.raises(LLMError) as raised:
                WholeArticleStrategy().extract(article, llm)
        finally:
            llm.close()
    error = raised.value
    assert "HTTP 403" in str(error)
    captured = capsys.readouterr()
    texts = {
        "message": str(error), "repr": repr(error), "last_completion": error.last_completion or "",
        "settings": repr(llm.settings), "logs": caplog.text, "stdout": captured.out, "stderr": captured.err,
    }
    tally(record_property, endpoint=endpoint, secrets_scanned=len(texts))
    assert [name for name, text in texts.items() if leaks(text)] == []


def test_no_key_shaped_string_in_cassettes() -> None:
    cassettes = REPO / "cassettes"
    if not cassettes.exists():
        return  # nothing recorded yet, nothing to leak
    assert key_shaped_in(cassettes) == []


def test_cassette_scanner_catches_a_planted_key(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "case.yaml").write_text(
        "request:\n  headers:\n    Authorization: [Bearer sk-proj-abcdefghijklmnop1234]\n", encoding="utf-8"
    )
    (tmp_path / "clean.yaml").write_text(json.dumps({"headers": {"authorization": "[redacted]"}}), encoding="utf-8")
    found = key_shaped_in(tmp_path)
    assert len(found) == 1
    assert all("case.yaml" in f for f in found)


def test_the_log_filter_redacts_url_credentials_in_every_record_and_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("httpx.redaction-test")  # as the HTTP client names each request URL
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.info('HTTP Request: %s %s "%s"', "POST", "http://user:s3cr3t@127.0.0.1:9/v1/chat/completions", "200")
        try:
            raise ValueError("cannot reach http://user:s3cr3t@host/v1")
        except ValueError:
            logger.exception("request failed")
        logger.info("a malformed call %s %s", 1)  # reported by the handler, never raised at the caller
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "s3cr3t" not in written
    assert "http://[redacted]@127.0.0.1:9/v1/chat/completions" in written and "ValueError" in written
