"""The service's logic, in process (FastAPI's TestClient runs the real app and its lifespan).

Extraction uses the baseline strategy (no model) or ``whole_article`` against the fake
OpenAI-compatible endpoint on loopback; the real llama server is never started here.
Subprocess servers (auth over the wire, kill -9, SIGTERM) are in test_service_server.py.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st
from typer.testing import CliRunner

from extractor import Extractor
from extractor.cli import app as cli_app
from extractor.records import ArticleResult
from extractor.service.app import create_app
from extractor.service.auth import KeyRing
from extractor.service.jobs import MAX_ARTICLE_TRIES, JobRunner, JobStore, Lease
from support.endpoint import FakeEndpoint, reporting_responder
from tests.service_helpers import REPO, jsonl, sample_articles, settings, wait_for_job, write_keys

KEY = "test-key-0123456789abcdef"
EXTRACT_ONLY = "extract-only-key-0123456789"
SLOW = "slow-key-0123456789abcdef"
FRUGAL = "frugal-key-0123456789abcdef"
OTHER = "other-key-0123456789abcdef"
VOLATILE = ("seconds", "finished_at")
OK_JOB_ARTICLES = 'extractor_articles_total{status="ok",strategy="baseline",via="job"}'


def _comparable(line: dict) -> dict:
    return {name: value for name, value in line.items() if name not in VOLATILE}


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    return KeyRing.load(
        write_keys(
            tmp_path / "keys.txt",
            f"{KEY}  name=main",
            f"{EXTRACT_ONLY}  name=narrow routes=extract",
            f"{SLOW}  name=slow rate=2/minute",
            f"{FRUGAL}  name=frugal tokens=1",
            f"{OTHER}  name=other",
        )
    )


@pytest.fixture
def client(tmp_path: Path, keys: KeyRing) -> Iterator[TestClient]:
    app = create_app(settings(tmp_path, max_body_bytes=512 * 1024, extraction={"max_article_chars": 20_000}), keys)
    with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One server for every Hypothesis example (a function-scoped fixture would be shared anyway)."""
    folder = tmp_path_factory.mktemp("fuzz")
    keys = KeyRing.load(write_keys(folder / "keys.txt", f"{KEY}  name=main rate=100000/minute"))
    app = create_app(settings(folder, max_body_bytes=512 * 1024, extraction={"max_article_chars": 20_000}), keys)
    with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as test_client:
        yield test_client


@pytest.fixture
def endpoint() -> Iterator[FakeEndpoint]:
    with FakeEndpoint(respond=reporting_responder) as fake:
        yield fake


@pytest.fixture
def model_client(tmp_path: Path, keys: KeyRing, endpoint: FakeEndpoint) -> Iterator[TestClient]:
    """A service whose default strategy calls a model: whole_article on the fake endpoint."""
    extraction = {"strategy": "whole_article", "base_url": endpoint.base_url, "model": "fake-model", "concurrency": 2}
    app = create_app(settings(tmp_path, extraction=extraction, allowed_strategies=("baseline",)), keys)
    with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as test_client:
        yield test_client


# -- POST /v1/extract ------------------------------------------------------------------------------


def test_extract_answers_the_line_the_library_writes(client: TestClient, articles_dir: Path) -> None:
    article = sample_articles(articles_dir)[0]
    answer = client.post("/v1/extract", json=article)
    assert answer.status_code == 200, answer.text
    line = answer.json()
    with Extractor(strategy="baseline") as extractor:
        expected = json.loads(extractor.extract(article["text"], id=article["id"], source="api").model_dump_json())
    assert _comparable(line) == _comparable(expected)
    assert line["status"] == "ok" and line["claims"], "a sample article has claims"
    for claim in line["claims"]:  # grounded: the offsets index the text as sent
        assert article["text"][claim["evidence"]["start"] : claim["evidence"]["end"]] == claim["evidence"]["quote"]


def test_title_url_and_meta_ride_along_to_the_line(client: TestClient, articles_dir: Path) -> None:
    article = sample_articles(articles_dir)[2]
    meta = {"desk": "world", "n": 3}
    described = {**article, "title": "A headline", "url": "https://example.org/a", "meta": meta}
    line = client.post("/v1/extract", json=described).json()
    assert (line["title"], line["url"], line["meta"]) == ("A headline", "https://example.org/a", meta)
    plain = client.post("/v1/extract", json=article).json()
    assert plain["meta"] is None and line["claims"] == plain["claims"], "meta changes nothing else"


def test_extract_through_a_model_counts_calls_tokens_and_cache_hits(
    model_client: TestClient, articles_dir: Path, endpoint: FakeEndpoint
) -> None:
    article = sample_articles(articles_dir)[1]
    before = model_client.get("/metrics").text  # the counters are the process's: compare differences
    first = model_client.post("/v1/extract", json=article).json()
    assert first["status"] == "ok" and first["strategy"] == "whole_article" and first["claims"]
    assert first["usage"]["llm_calls"] >= 1 and first["usage"]["prompt_tokens"] > 0
    calls = endpoint.requests
    again = model_client.post("/v1/extract", json=article).json()
    assert endpoint.requests == calls, "the second answer comes from the cache"
    assert again["claims"] == first["claims"] and again["usage"]["cache_hits"] >= 1
    # A strategy the server allows besides its default, per request.
    baseline = model_client.post("/v1/extract", json={**article, "strategy": "baseline"}).json()
    assert baseline["strategy"] == "baseline" and baseline["usage"]["llm_calls"] == 0
    page = model_client.get("/metrics").text

    def grew(name: str) -> float:
        return _sample(page, name) - _sample(before, name, default=0)

    assert grew('extractor_llm_calls_total{strategy="whole_article"}') == first["usage"]["llm_calls"]
    assert grew('extractor_llm_tokens_total{kind="prompt",strategy="whole_article"}') == first["usage"]["prompt_tokens"]
    assert grew('extractor_cache_hits_total{strategy="whole_article"}') == again["usage"]["cache_hits"]
    assert grew('extractor_extraction_duration_seconds_count{strategy="whole_article",via="extract"}') == 2


def _sample(page: str, name: str, default: float | None = None) -> float:
    for line in page.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    if default is not None:
        return default
    raise AssertionError(f"{name} not in the metrics page")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"id": "a"}, ["body", "text"]),
        ({"text": ""}, ["body", "text"]),
        ({"text": "x", "published": 20240102}, ["body", "published"]),
        ({"text": "x", "title": 5}, ["body", "title"]),
        ({"text": "x", "meta": ["not", "an", "object"]}, ["body", "meta"]),
        ({"text": "x" * 20_001}, ["body", "text"]),  # over --max-article-chars
        ({"text": "x", "strategy": "guided"}, ["body", "strategy"]),  # not one this server allows
    ],
)
def test_bad_input_is_422_naming_the_field(client: TestClient, body: dict, loc: list) -> None:
    answer = client.post("/v1/extract", json=body)
    assert answer.status_code == 422, answer.text
    assert [error["loc"][:2] for error in answer.json()["detail"]] == [loc]
    assert "x" * 100 not in answer.text, "the article is not echoed back"


def test_an_extra_field_is_meta_and_a_date_that_names_no_day_a_warning(client: TestClient) -> None:
    """An unknown field was a 422, and so was a scraper's date: now `meta`, and a warning with published null."""
    text = "Anna Smith, the mayor, said on Monday that the bridge would reopen."
    line = client.post("/v1/extract", json={"text": text, "colour": "red", "published": "Sep 12, 2016"}).json()
    assert (line["status"], line["meta"], line["published"], line["warnings"]) == ("ok", {"colour": "red"},
                                                                                     "2016-09-12", [])  # fmt: skip
    vague = client.post("/v1/extract", json={"text": text, "published": "last Tuesday", "meta": {"a": 1}}).json()
    assert vague["status"] == "ok" and vague["published"] is None and vague["meta"] == {"a": 1}
    assert len(vague["warnings"]) == 1 and "last Tuesday" in vague["warnings"][0]


# -- auth and limits -------------------------------------------------------------------------------


def test_keys_401_without_or_with_a_wrong_one_and_403_outside_their_routes(client: TestClient) -> None:
    article = {"text": "Anna Smith, the mayor, said the bridge would reopen in May."}
    no_key = client.post("/v1/extract", json=article, headers={"Authorization": ""})
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer"
    assert client.post("/v1/extract", json=article, headers={"Authorization": f"Bearer {KEY}x"}).status_code == 401
    assert client.post("/v1/extract", json=article, headers={"Authorization": f"Basic {KEY}"}).status_code == 401
    narrow = {"Authorization": f"Bearer {EXTRACT_ONLY}"}
    assert client.post("/v1/extract", json=article, headers=narrow).status_code == 200
    assert client.post("/v1/jobs", json=[article], headers=narrow).status_code == 403
    assert client.post("/v1/eval", json={}, headers=narrow).status_code == 403
    for open_route in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert client.get(open_route, headers={"Authorization": ""}).status_code == 200, open_route


def test_a_key_over_its_rate_gets_429_with_retry_after(client: TestClient) -> None:
    slow = {"Authorization": f"Bearer {SLOW}"}
    rejected = 'extractor_limit_rejections_total{limit="rate"}'
    before = _sample(client.get("/metrics").text, rejected, default=0)
    codes = [client.get("/v1/jobs/none", headers=slow).status_code for _ in range(3)]
    assert codes == [404, 404, 429]
    refused = client.get("/v1/jobs/none", headers=slow)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert client.get("/v1/jobs/none").status_code == 404, "another key is not limited by it"
    assert _sample(client.get("/metrics").text, rejected) - before == 2


def test_a_key_that_spent_its_token_budget_gets_429_and_its_jobs_pause(
    model_client: TestClient, articles_dir: Path
) -> None:
    frugal = {"Authorization": f"Bearer {FRUGAL}"}
    articles = sample_articles(articles_dir)
    first = model_client.post("/v1/extract", json=articles[0], headers=frugal)
    assert first.status_code == 200 and first.json()["usage"]["prompt_tokens"] > 1
    refused = model_client.post("/v1/extract", json=articles[1], headers=frugal)
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 86_400
    # The budget is counted in the job store, so a job the key submitted earlier pauses too.
    # (The key may no longer submit, so the job is put in the store directly, as if sent before.)
    service = model_client.app.state.service
    job_id = service.store.create("frugal", [articles[2]])
    service.runner.wake()
    deadline = time.monotonic() + 10
    info = service.store.info(job_id)
    while info is not None and info.state != "paused" and time.monotonic() < deadline:
        time.sleep(0.05)
        info = service.store.info(job_id)
    assert info is not None and info.state == "paused" and info.paused_until
    assert info.counts["pending"] == 1 and info.counts["running"] == 0 and info.counts["done"] == 0


def test_a_body_over_the_limit_is_413_by_content_length(client: TestClient) -> None:
    body = b"{" + b" " * 600_000 + b"}"
    answer = client.post("/v1/extract", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "524,288 bytes" in answer.json()["detail"]


# -- jobs -----------------------------------------------------------------------------------------


def test_a_job_of_the_sample_articles_runs_to_one_line_each(client: TestClient, articles_dir: Path) -> None:
    articles = sample_articles(articles_dir)
    done_before = _sample(client.get("/metrics").text, OK_JOB_ARTICLES, default=0)
    accepted = client.post("/v1/jobs", json=articles)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert accepted.headers["location"] == f"/v1/jobs/{job_id}" and accepted.json()["articles"] == 5
    job = wait_for_job(client, job_id)
    assert job["state"] == "done" and job["counts"]["done"] == job["counts"]["ok"] == 5 and not job["errors"]
    lines = jsonl(client.get(f"/v1/jobs/{job_id}/results").text)
    assert sorted(line["id"] for line in lines) == [article["id"] for article in articles]
    with Extractor(strategy="baseline") as extractor:
        for line in lines:
            text = next(article["text"] for article in articles if article["id"] == line["id"])
            expected = extractor.extract(text, id=line["id"], source=line["source"]).model_dump(mode="json")
            assert _comparable(line) == _comparable(expected)
    assert line["source"].startswith(f"job:{job_id}[")
    page = client.get("/metrics").text
    assert _sample(page, 'extractor_jobs{state="done"}') == 1
    assert _sample(page, OK_JOB_ARTICLES) - done_before == 5


def test_a_jsonl_job_counts_its_failed_articles_as_errors(client: TestClient) -> None:
    good = "Anna Smith, the mayor, said on Monday that the bridge would reopen."
    body = json.dumps({"id": "good", "text": good}) + "\n\n" + (
        '{"id": "nul", "text": "bad \\u0000 text"}\n'
    )
    accepted = client.post("/v1/jobs", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert accepted.status_code == 202, accepted.text
    job = wait_for_job(client, accepted.json()["id"])
    assert job["counts"]["total"] == 2 and job["counts"]["ok"] == 1 and job["counts"]["error"] == 1
    assert job["errors"] == [{"index": 1, "id": "nul", "error": "text contains NUL bytes"}]


@pytest.mark.parametrize(
    ("content", "content_type", "loc"),
    [
        ('[{"text": "a"}, {"id": "b"}]', "application/json", ["body", 1, "text"]),
        ("[]", "application/json", ["body"]),
        ('{"text": "a"}', "application/json", ["body", "articles"]),  # an object holds its records in `articles`
        ('{"text": "a"}\n{"text": "b", "title": 1}\n', "application/x-ndjson", ["body", "line 2", "title"]),
        ('[{"text": "a", "strategy": "nope"}]', "application/json", ["body", 0, "strategy"]),
    ],
)
def test_a_bad_job_is_422_naming_the_article_and_field(
    client: TestClient, content: str, content_type: str, loc: list
) -> None:
    answer = client.post("/v1/jobs", content=content, headers={"Content-Type": content_type})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc


def test_jobs_are_private_to_their_key(client: TestClient) -> None:
    job_id = client.post("/v1/jobs", json=[{"text": "Anna Smith said the bridge would reopen in May."}]).json()["id"]
    other = {"Authorization": f"Bearer {OTHER}"}
    assert client.get(f"/v1/jobs/{job_id}", headers=other).status_code == 404
    for wait in ("true", "false"):  # streamed (wait for the end) and what is ready now
        results = client.get(f"/v1/jobs/{job_id}/results", params={"wait": wait}, headers=other)
        assert results.status_code == 404 and "Anna" not in results.text
    assert client.delete(f"/v1/jobs/{job_id}", headers=other).status_code == 404
    assert client.get(f"/v1/jobs/{job_id}").json()["state"] != "cancelled", "another key's delete changed nothing"
    assert client.get("/v1/jobs/no-such-job").status_code == 404


def test_cancel_stops_articles_not_yet_started(tmp_path: Path, keys: KeyRing, articles_dir: Path) -> None:
    with FakeEndpoint(respond=reporting_responder, latency_s=0.5) as slow:
        extraction = {"strategy": "whole_article", "base_url": slow.base_url, "concurrency": 1}
        app = create_app(settings(tmp_path, extraction=extraction), keys)
        with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as client:
            job_id = client.post("/v1/jobs", json=sample_articles(articles_dir)).json()["id"]
            cancelled = client.delete(f"/v1/jobs/{job_id}")
            assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
            job = wait_for_job(client, job_id)
            lines = jsonl(client.get(f"/v1/jobs/{job_id}/results").text)
    assert job["state"] == "cancelled"
    assert job["counts"]["cancelled"] >= 3 and job["counts"]["done"] == len(lines) <= 2
    assert job["counts"]["cancelled"] + job["counts"]["done"] == 5


def test_results_stream_while_the_job_runs(tmp_path: Path, keys: KeyRing, articles_dir: Path) -> None:
    with FakeEndpoint(respond=reporting_responder, latency_s=0.3) as slow:
        extraction = {"strategy": "whole_article", "base_url": slow.base_url, "concurrency": 1}
        app = create_app(settings(tmp_path, extraction=extraction), keys)
        with TestClient(app, headers={"Authorization": f"Bearer {KEY}"}) as client:
            job_id = client.post("/v1/jobs", json=sample_articles(articles_dir)).json()["id"]
            arrivals = []
            with client.stream("GET", f"/v1/jobs/{job_id}/results") as stream:
                for line in stream.iter_lines():
                    if line.strip():
                        arrivals.append((time.monotonic(), json.loads(line)["id"]))
            ready_now = jsonl(client.get(f"/v1/jobs/{job_id}/results", params={"wait": "false"}).text)
    assert len(arrivals) == 5 and len({name for _, name in arrivals}) == 5
    assert arrivals[-1][0] - arrivals[0][0] > 0.5, "lines came one by one as articles finished, not all at the end"
    assert [line["id"] for line in ready_now] == [name for _, name in arrivals]


# -- POST /v1/eval --------------------------------------------------------------------------------


def test_eval_answers_the_report_extractor_eval_writes(
    client: TestClient, baseline_seed_predictions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gold_path = REPO / "tests" / "gold" / "seeds.jsonl"
    gold = gold_path.read_text(encoding="utf-8")
    # Sources are relative to the gold file; the request carries each text under its source as written.
    texts = {line["source"]: (gold_path.parent / line["source"]).read_text(encoding="utf-8") for line in jsonl(gold)}
    thresholds = {"overlap_f1_micro": 0.1}
    body = {"gold": gold, "predictions": baseline_seed_predictions.read_text(encoding="utf-8"), "texts": texts,
            "thresholds": thresholds}  # fmt: skip
    answer = client.post("/v1/eval", json=body)
    assert answer.status_code == 200, answer.text
    report = answer.json()

    monkeypatch.chdir(REPO)
    (tmp_path / "thresholds.json").write_text(json.dumps(thresholds))
    arguments = ["eval", "--gold", str(gold_path), "--pred", str(baseline_seed_predictions), "--thresholds",
                 str(tmp_path / "thresholds.json"), "--report-dir", str(tmp_path / "reports")]  # fmt: skip
    assert CliRunner().invoke(cli_app, arguments).exit_code == 0
    expected = json.loads((tmp_path / "reports" / "report.json").read_text())
    named = ("created_at", "gold", "predictions")  # where the inputs came from: files there, the request here
    assert {k: v for k, v in report.items() if k not in named} == {
        k: v for k, v in expected.items() if k not in named
    } | {"gate": {**expected["gate"], "thresholds_file": "thresholds"}}
    assert report["metrics"]["overlap_f1_micro"] > 0.1 and report["gate"]["passed"]


def test_eval_with_a_bad_gold_line_is_422_naming_line_and_field(client: TestClient) -> None:
    body = {"gold": '{"id": "a", "source": "a.txt"}\n', "predictions": "", "texts": {"a.txt": "text"}}
    answer = client.post("/v1/eval", json=body)
    assert answer.status_code == 422
    assert "gold:1: field text_sha256" in answer.json()["detail"][0]["msg"]
    missing = {**body, "gold": json.dumps({"id": "a", "source": "b.txt", "text_sha256": "0" * 64, "claims": []})}
    assert "no text given for 'b.txt'" in client.post("/v1/eval", json=missing).json()["detail"][0]["msg"]


def test_eval_never_reads_a_gold_source_from_the_servers_disk(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real file on the server, named by its absolute path, its sha256 right: only `texts` may give the text.
    real = REPO / "tests" / "gold" / "seeds.jsonl"
    line = {"id": "a", "source": str(real), "text_sha256": hashlib.sha256(real.read_bytes()).hexdigest(), "claims": []}
    opened: list[str] = []
    real_open = Path.open

    def spy_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.resolve() == real.resolve():
            opened.append(str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", spy_open)
    answer = client.post("/v1/eval", json={"gold": json.dumps(line), "predictions": "", "texts": {}})
    assert answer.status_code == 422, answer.text
    assert "no text given" in answer.json()["detail"][0]["msg"] and not opened


# -- operations -----------------------------------------------------------------------------------


def test_health_readiness_and_the_openapi_schema(client: TestClient, tmp_path: Path, keys: KeyRing) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/v1/extract", "/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/results", "/v1/eval",
                          "/healthz", "/readyz", "/metrics"}  # fmt: skip
    # An endpoint that does not answer: not ready (503), though the process is up.
    unreachable = {"strategy": "whole_article", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0}
    with TestClient(create_app(settings(tmp_path / "down", extraction=unreachable), keys)) as down:
        answer = down.get("/readyz")
        assert answer.status_code == 503 and answer.json()["status"] == "not ready"
        assert down.get("/healthz").status_code == 200


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    ok = 'extractor_http_requests_total{method="POST",route="/v1/extract",status="200"}'
    invalid = 'extractor_http_requests_total{method="POST",route="/v1/extract",status="422"}'
    missing = 'extractor_http_requests_total{method="GET",route="/v1/jobs/{job_id}",status="404"}'
    extracted = 'extractor_extraction_duration_seconds_count{strategy="baseline",via="extract"}'
    before = client.get("/metrics").text  # the counters are the process's, shared by every app in it
    client.post("/v1/extract", json={"text": "Bridge works. Anna Smith, the mayor, said the bridge would reopen."})
    client.post("/v1/extract", json={})
    client.get("/v1/jobs/abc")
    page = client.get("/metrics").text
    for name in (ok, invalid, missing, extracted):
        assert _sample(page, name) - _sample(before, name, default=0) == 1, name
    assert _sample(page, "extractor_embedded_server_restarts") == 0
    assert 'extractor_jobs{state="queued"}' in page
    assert '/v1/jobs/abc' not in page, "routes are counted by template, not by path"


def test_logs_carry_the_request_id_and_never_the_text_or_the_key(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret_sentence = "Zebulon Quartermaine, the harbour master, said the lighthouse was sold."
    with caplog.at_level(logging.DEBUG):
        answer = client.post("/v1/extract", json={"text": secret_sentence}, headers={"X-Request-ID": "req-42.a_b"})
        client.post("/v1/extract", json={"text": secret_sentence}, headers={"Authorization": f"Bearer {KEY}-wrong"})
        echoed = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert answer.headers["x-request-id"] == "req-42.a_b"
    assert echoed.headers["x-request-id"] != "bad id\nwith newline" and len(echoed.headers["x-request-id"]) == 32
    access = [record for record in caplog.records if record.name == "extractor.service.access"]
    assert {(record.route, record.status, record.key) for record in access} >= {
        ("/v1/extract", 200, "main"), ("/v1/extract", 401, None)
    }
    dumped = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    for secret in (KEY, "Zebulon", "lighthouse"):
        assert secret not in dumped


# -- job articles that cannot run ------------------------------------------------------------------


def test_a_stored_article_whose_strategy_is_no_longer_served_is_an_error_line_not_a_retry_loop(
    tmp_path: Path, keys: KeyRing
) -> None:
    # Stored by a server that allowed whole_article; this one (restarted without --allow-strategy) does not.
    text = "Bridge works. Anna Smith, the mayor, said on Monday that the bridge would reopen."
    store = JobStore(tmp_path / "jobs.sqlite3")
    stranded = store.create("main", [{"id": "stranded", "text": text, "strategy": "whole_article"}])
    store.close()
    with TestClient(create_app(settings(tmp_path), keys), headers={"Authorization": f"Bearer {KEY}"}) as client:
        later = client.post("/v1/jobs", json=[{"id": "later", "text": text}]).json()["id"]
        job = wait_for_job(client, stranded, timeout_s=20)
        lines = jsonl(client.get(f"/v1/jobs/{stranded}/results").text)
        assert wait_for_job(client, later, timeout_s=20)["counts"]["ok"] == 1, "the stranded job starves nobody"
        time.sleep(0.5)  # a retry loop would keep writing lines meanwhile
        assert len(jsonl(client.get(f"/v1/jobs/{stranded}/results").text)) == 1
    assert job["state"] == "done" and job["counts"]["error"] == 1 and len(lines) == 1
    assert lines[0]["id"] == "stranded" and "'whole_article' is not served here" in lines[0]["error"]


def test_an_article_whose_run_keeps_raising_is_tried_a_bounded_number_of_times_with_pauses(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    job_id = store.create("main", [{"id": "doomed", "text": "x"}])
    calls: list[float] = []

    def explode(lease: Lease) -> ArticleResult:
        calls.append(time.monotonic())
        raise RuntimeError("config broke")

    def give_up(lease: Lease, exc: BaseException) -> ArticleResult:
        return ArticleResult(id="doomed", source="job", status="error", error=repr(exc), strategy="baseline")

    runner = JobRunner(store, explode, concurrency=1, poll_s=0.05, give_up=give_up, retry_s=0.2).start()
    try:
        deadline = time.monotonic() + 10
        while (info := store.info(job_id)) is not None and info.state != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # another claim would call again
    finally:
        runner.stop(1)
        store.close()
    assert info is not None and info.state == "done" and info.counts["error"] == 1
    assert len(calls) == MAX_ARTICLE_TRIES == 3
    pauses = [later - earlier for earlier, later in itertools.pairwise(calls)]
    assert pauses[0] >= 0.2 and pauses[1] >= 0.4, f"backs off, doubling: {pauses}"
    assert info.errors == [{"index": 0, "id": "doomed", "error": "RuntimeError('config broke')"}]


# -- bodies no answer could carry: never a 5xx ---------------------------------------------------------


def _nested(levels: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("route", "body", "loc"),
    [
        ("/v1/extract", {"text": "Anna Smith said it.", "meta": {"k": "a\ud800"}}, ["body", "meta"]),
        ("/v1/extract", {"text": "Anna Smith said it.", "meta": _nested(300)}, ["body", "meta"]),
        ("/v1/extract", {"text": "Anna Smith said it.", "id": "a\ud800"}, ["body", "id"]),
        ("/v1/extract", {"text": "Anna Smith said \ud800 it."}, ["body", "text"]),
        ("/v1/jobs", [{"text": "Anna Smith said it.", "meta": {"k": ["a\ud800"]}}], None),
        ("/v1/jobs", [{"text": "Anna Smith said it.", "meta": _nested(300)}], None),
        ("/v1/eval", {"gold": "x", "predictions": "\ud800", "texts": {}}, ["body", "predictions"]),
        ("/v1/eval", {"gold": "x", "predictions": "", "texts": {"a.txt": "b\ud800"}}, ["body", "texts"]),
    ],
)
def test_a_value_no_answer_could_carry_is_422_not_500(client: TestClient, route: str, body: object, loc: list) -> None:
    answer = client.post(route, content=json.dumps(body), headers={"Content-Type": "application/json"})
    if loc is None:  # a job body is parsed by pydantic's JSON parser, which refuses a lone surrogate escape itself
        assert answer.status_code in (400, 422), answer.text
    else:
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"][0]["loc"] == loc


def test_a_body_that_is_not_json_is_400_but_only_after_the_key_check(client: TestClient) -> None:
    for route in ("/v1/extract", "/v1/eval", "/v1/jobs"):
        broken = client.post(route, content=b'{"text": "a', headers={"Content-Type": "application/json"})
        assert broken.status_code == 400, (route, broken.text)
        keyless = client.post(
            route, content=b'{"text": "a', headers={"Authorization": "", "Content-Type": "application/json"}
        )
        assert keyless.status_code == 401 and keyless.headers["www-authenticate"] == "Bearer", (route, keyless.text)
        wrong = client.post(route, content=b"{}", headers={"Authorization": "Bearer not-a-key-at-all-0000"})
        assert wrong.status_code == 401, (route, wrong.text)


_CHARACTERS = st.characters() | st.sampled_from(["\ud800", "\udfff", "\x00"])  # lone surrogates, NUL
_FIELDS = st.sampled_from(
    ["text", "id", "meta", "title", "url", "gold", "predictions", "texts", "strategy", "published", "x\ud800"]
)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=_CHARACTERS),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_FIELDS, children, max_size=4),
    max_leaves=12,
)


@settings_hypothesis(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_JSON_VALUES, route=st.sampled_from(["/v1/extract", "/v1/eval", "/v1/jobs"]))
def test_no_request_body_gets_a_5xx(fuzz_client: TestClient, body: object, route: str) -> None:
    answer = fuzz_client.post(route, content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert answer.status_code < 500, answer.text


def test_a_finished_jobs_results_carry_one_key_per_speaker_across_the_job(client: TestClient) -> None:
    """The batch step (``extractor.assign_keys``) on a finished job, as ``extractor extract`` writes keys."""
    articles = [
        {"id": "full", "text": "Senator Jane Roe said on Tuesday that the bridge would reopen in May."},
        {"id": "bare", "text": "Roe said on Wednesday that the repairs had cost far more than planned."},
    ]
    accepted = client.post("/v1/jobs", json=articles)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]
    assert wait_for_job(client, job_id)["state"] == "done"
    lines = {line["id"]: line for line in jsonl(client.get(f"/v1/jobs/{job_id}/results").text)}
    keys = {i: {claim["claimant"]["key"] for claim in line["claims"]} for i, line in lines.items()}
    assert keys["full"] == {"jane-roe"}, lines["full"]["claims"]
    assert keys["bare"] == keys["full"], "the bare surname joins the one full name the job gives"


def test_serve_auto_runs_a_worker_process_per_usable_core_for_every_strategy_but_the_embedded_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service's HTTP process shares the cores with extraction: with "auto", a model strategy on an endpoint
    gets every core too (extract gives it one process); the embedded model keeps one; a number is kept."""
    from extractor.service import state

    monkeypatch.setattr(state, "usable_cores", lambda: 4)
    remote = {"strategy": "whole_article", "base_url": "http://127.0.0.1:9/v1", "engine": "processes"}
    remote["workers"] = "auto"
    for extraction, expected in (
        (remote, 4),
        ({**remote, "workers": 3}, 3),
        ({"strategy": "guided", "engine": "processes", "workers": "auto"}, 1),  # the embedded model
    ):
        [extractor] = state.build_extractors(settings(tmp_path, extraction={**extraction})).values()
        assert extractor.workers == expected, extraction
    assert Extractor(**remote).workers == 1, "extract's own rule is unchanged: no CPU pass, one process"
