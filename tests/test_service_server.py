"""``extractor serve`` as a real child process on a free loopback port: what only a real server shows.

Auth and limits over the wire, a body cut off while it is still being sent, a job that
survives ``kill -9`` of the server, SIGTERM (exit 0, work in flight handed back), the
refusals (non-loopback without keys, --workers with the embedded model) and two uvicorn
workers sharing one job store. Model-backed cases use ``whole_article`` against the fake
OpenAI-compatible endpoint; the real llama server is never started.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import httpx
import pytest

from support.endpoint import FakeEndpoint, reporting_responder
from tests.service_helpers import ServerProcess, jsonl, run_serve, sample_articles, wait_for_job, write_keys

KEY = "server-key-0123456789abcdef"
NARROW = "narrow-key-0123456789abcdef"


@pytest.fixture
def keys_env(tmp_path: Path) -> dict[str, str]:
    keys = write_keys(tmp_path / "keys.txt", f"{KEY} name=main rate=20/second", f"{NARROW} routes=eval rate=2/minute")
    return {"EXTRACTOR_API_KEYS_FILE": str(keys)}


def test_a_keyed_server_extracts_with_a_key_and_refuses_without(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    article = sample_articles(articles_dir)[0]
    with ServerProcess(tmp_path, "--strategy", "baseline", "--max-body-bytes", "262144", env=keys_env) as server:
        assert httpx.post(server.base_url + "/v1/extract", json=article).status_code == 401
        with server.client(KEY) as client:
            answer = client.post("/v1/extract", json=article)
            assert answer.status_code == 200
            line = answer.json()
            assert line["status"] == "ok" and line["claims"]
            assert all(
                article["text"][c["evidence"]["start"] : c["evidence"]["end"]] == c["evidence"]["quote"]
                for c in line["claims"]
            )
        with server.client(NARROW) as narrow:
            assert narrow.post("/v1/extract", json=article).status_code == 403
            assert [narrow.post("/v1/eval", json={}).status_code for _ in range(3)] == [422, 422, 429]
            assert int(narrow.post("/v1/eval", json={}).headers["retry-after"]) >= 1
        with server.client(KEY) as client:
            too_big = client.post("/v1/extract", json={"text": "x" * 300_000})
            assert too_big.status_code == 413
        output = server.output()
    assert KEY not in output and NARROW not in output and article["text"][:60] not in output
    assert '"route": "/v1/extract"' in output and '"request_id"' in output


def test_a_streamed_body_over_the_limit_is_refused_before_it_is_all_sent(
    tmp_path: Path, keys_env: dict[str, str]
) -> None:
    with ServerProcess(tmp_path, "--strategy", "baseline", "--max-body-bytes", "65536", env=keys_env) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
            connection.sendall(
                b"POST /v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                + f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n\r\n".encode()
            )
            chunk = b" " * 8192
            sent = 0
            answer = b""
            connection.settimeout(0.05)
            for _ in range(1000):  # up to 8 MiB, chunk by chunk, watching for an early answer
                try:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                except OSError:
                    break
                try:
                    answer = connection.recv(4096)
                except TimeoutError:
                    continue
                if answer:
                    break
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < 1024 * 1024, f"{sent:,} bytes were taken before the refusal"


def test_a_job_survives_kill_9_and_completes_after_restart_with_five_results(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    articles = sample_articles(articles_dir)
    with FakeEndpoint(respond=reporting_responder, latency_s=0.6) as endpoint:
        # No response cache: a finished article run again would reach the model again (and get a new finished_at).
        args = ("--strategy", "whole_article", "--base-url", endpoint.base_url, "--concurrency", "1", "--no-cache")
        first = ServerProcess(tmp_path, *args, env=keys_env).start()
        try:
            with first.client(KEY) as client:
                job_id = client.post("/v1/jobs", json=articles).json()["id"]
                deadline = time.monotonic() + 60
                while (status := client.get(f"/v1/jobs/{job_id}")).json().get("counts", {}).get("done", 0) < 1:
                    assert status.status_code == 200, status.text
                    assert time.monotonic() < deadline, first.output()
                    time.sleep(0.1)  # 10 polls a second: under the key's 20/second, however slow the first article
                finished_before_kill = jsonl(client.get(f"/v1/jobs/{job_id}/results", params={"wait": "false"}).text)
        finally:
            first.kill()  # SIGKILL: no shutdown code runs
        assert first.process is not None and first.process.returncode == -9
        requests_at_kill = endpoint.requests

        with ServerProcess(tmp_path, *args, env=keys_env, port=first.port) as second, second.client(KEY) as client:
            before_restart = client.get(f"/v1/jobs/{job_id}").json()
            assert 1 <= before_restart["counts"]["done"] < 5, "the kill landed mid-job"
            job = wait_for_job(client, job_id, timeout_s=120)
            lines = jsonl(client.get(f"/v1/jobs/{job_id}/results").text)
    assert job["state"] == "done" and job["counts"]["done"] == job["counts"]["ok"] == 5
    assert sorted(line["id"] for line in lines) == [article["id"] for article in articles]
    assert len(lines) == 5, "exactly one line per article: none lost, none duplicated"
    # The finished articles were not run again: their lines are the very lines written before the kill,
    # and only the rest (and the one cut off by the kill) reached the model.
    by_id = {line["id"]: line for line in lines}
    assert finished_before_kill and all(by_id[line["id"]] == line for line in finished_before_kill)
    unfinished = 5 - len(finished_before_kill)
    assert endpoint.requests - requests_at_kill <= unfinished + 1


def test_a_job_is_stored_before_its_202_so_kill_9_right_after_loses_nothing(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    articles = sample_articles(articles_dir)
    first = ServerProcess(tmp_path, "--strategy", "baseline", env=keys_env).start()
    try:
        with first.client(KEY) as client:
            accepted = client.post("/v1/jobs", json=articles)
            first.kill()  # the moment the 202 arrives: no shutdown code, no background task gets to run
    finally:
        first.kill()
    assert accepted.status_code == 202
    with ServerProcess(tmp_path, "--strategy", "baseline", env=keys_env) as second, second.client(KEY) as client:
        job = wait_for_job(client, accepted.json()["id"], timeout_s=60)
        lines = jsonl(client.get(f"/v1/jobs/{job['id']}/results").text)
    assert job["counts"]["total"] == 5 and job["counts"]["ok"] == 5
    assert sorted(line["id"] for line in lines) == [article["id"] for article in articles]


def test_serve_with_its_defaults_refuses_a_9_mib_body_with_413(tmp_path: Path, keys_env: dict[str, str]) -> None:
    nine_mib = b"[" + b" " * (9 * 1024 * 1024) + b"]"
    with ServerProcess(tmp_path, "--strategy", "baseline", env=keys_env) as server, server.client(KEY) as client:
        answer = client.post("/v1/jobs", content=nine_mib, headers={"Content-Type": "application/json"})
        under = client.post("/v1/jobs", content=b"[" + b" " * (7 * 1024 * 1024) + b"]")
    assert answer.status_code == 413 and "8,388,608 bytes" in answer.json()["detail"]
    assert under.status_code == 422, "a body under the default limit is read (and found to hold no article)"


def test_sigterm_stops_cleanly_with_exit_0_and_the_job_resumes_later(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    articles = sample_articles(articles_dir)
    with FakeEndpoint(respond=reporting_responder, latency_s=0.6) as endpoint:
        args = ("--strategy", "whole_article", "--base-url", endpoint.base_url, "--concurrency", "1",
                "--shutdown-grace", "10")  # fmt: skip
        first = ServerProcess(tmp_path, *args, env=keys_env).start()
        try:
            with first.client(KEY) as client:
                job_id = client.post("/v1/jobs", json=articles).json()["id"]
                while client.get(f"/v1/jobs/{job_id}").json()["counts"]["running"] < 1:
                    time.sleep(0.06)  # under the key's 20 requests a second
            started = time.monotonic()
            assert first.terminate() == 0, first.output()
            stop_seconds = time.monotonic() - started
        finally:
            first.kill()
        assert stop_seconds < 10, "the article in flight finished and the server stopped without waiting out the grace"
        assert "Application shutdown complete" in first.output()
        with ServerProcess(tmp_path, *args, env=keys_env) as second, second.client(KEY) as client:
            stopped_at = client.get(f"/v1/jobs/{job_id}").json()
            assert stopped_at["counts"]["running"] == 0 or stopped_at["state"] == "running"
            job = wait_for_job(client, job_id, timeout_s=120)
            lines = jsonl(client.get(f"/v1/jobs/{job_id}/results").text)
    assert job["counts"]["ok"] == 5 and sorted(line["id"] for line in lines) == [a["id"] for a in articles]


def test_without_keys_a_non_loopback_host_is_refused_with_exit_2(tmp_path: Path) -> None:
    refused = run_serve(tmp_path, "--host", "0.0.0.0", "--strategy", "baseline")
    assert refused.returncode == 2
    assert "refusing to serve on 0.0.0.0 without API keys" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_more_than_one_http_worker_with_the_embedded_model_is_refused_with_exit_2(tmp_path: Path) -> None:
    refused = run_serve(tmp_path, "--http-workers", "2", "--strategy", "whole_article")
    assert refused.returncode == 2 and "one embedded model server per process" in refused.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--strategy", "nope"), "unknown strategy"),
        (("--rate-limit", "lots"), "rate"),
        (("--api-keys-file", "{missing}"), "cannot read it"),
    ],
)
def test_bad_setup_exits_2_with_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    refused = run_serve(tmp_path, *(a.format(missing=tmp_path / "missing.txt") for a in args))
    assert refused.returncode == 2, refused.stderr
    assert message in refused.stderr.lower() and "Traceback" not in refused.stderr


def test_a_jobs_db_that_is_no_database_or_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    garbage = tmp_path / "jobs.sqlite3"
    garbage.write_bytes(b"this is not a database, just some bytes\n" * 100)
    refused = run_serve(tmp_path, "--strategy", "baseline", "--jobs-db", str(garbage))
    assert refused.returncode == 2, refused.stderr
    assert f"jobs database {garbage}" in " ".join(refused.stderr.split()) and "Traceback" not in refused.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_serve(tmp_path, "--strategy", "baseline", "--port", str(port), "--jobs-db", str(tmp_path / "j.db"))
    assert busy.returncode == 2, busy.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in busy.stderr and "Traceback" not in busy.stderr
    assert len(busy.stderr.strip().splitlines()) <= 2, busy.stderr  # the error (and the no-keys note)


def test_a_keys_file_that_is_a_fifo_is_one_line_and_exit_2_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "keys.fifo"
    os.mkfifo(fifo)
    refused = run_serve(tmp_path, "--strategy", "baseline", env={"EXTRACTOR_API_KEYS_FILE": str(fifo)})
    assert refused.returncode == 2 and "not a regular file" in refused.stderr and "Traceback" not in refused.stderr


def test_a_malformed_keys_file_names_the_line_and_never_the_key(tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.txt", "good-key-0123456789abcdef", "short-secret")
    refused = run_serve(tmp_path, "--strategy", "baseline", env={"EXTRACTOR_API_KEYS_FILE": str(keys)})
    assert refused.returncode == 2 and "line 4" in refused.stderr and "short-secret" not in refused.stderr
    # Two keys pasted on one line: the second is never printed (it read as an unknown setting before).
    second = "0123456789abcdef0123456789abcdef"
    two = write_keys(tmp_path / "two.txt", f"good-key-0123456789abcdef {second}")
    refused = run_serve(tmp_path, "--strategy", "baseline", env={"EXTRACTOR_API_KEYS_FILE": str(two)})
    assert refused.returncode == 2 and "line 3" in refused.stderr and second not in refused.stderr


def test_two_workers_share_the_job_store_without_running_an_article_twice(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    articles = [{**article, "id": f"{round_}-{article['id']}"} for round_ in range(4) for article in
                sample_articles(articles_dir)]  # fmt: skip
    with ServerProcess(tmp_path, "--strategy", "baseline", "--http-workers", "2", env=keys_env) as server:
        with server.client(KEY) as client:
            jobs = [client.post("/v1/jobs", json=articles[i : i + 5]).json()["id"] for i in range(0, 20, 5)]
            finished = [wait_for_job(client, job_id, timeout_s=180) for job_id in jobs]
            lines = [line for job_id in jobs for line in jsonl(client.get(f"/v1/jobs/{job_id}/results").text)]
            page = client.get("/metrics").text
        assert server.terminate() == 0
    assert all(job["counts"]["ok"] == 5 for job in finished)
    assert sorted(line["id"] for line in lines) == sorted(article["id"] for article in articles)
    done = [line for line in page.splitlines() if line.startswith('extractor_articles_total{status="ok"')]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in done) == 20, "metrics add up across the workers"


def test_credentials_in_the_base_url_never_reach_readiness_logs_errors_or_metrics(
    tmp_path: Path, keys_env: dict[str, str], articles_dir: Path
) -> None:
    article = sample_articles(articles_dir)[0]
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        with_secret = endpoint.base_url.replace("http://", "http://user:s3cr3t@")
        args = ("--strategy", "whole_article", "--base-url", with_secret, "--log-level", "debug", "--max-retries", "0")
        with ServerProcess(tmp_path, *args, env=keys_env) as server, server.client(KEY) as client:
            ready = httpx.get(server.base_url + "/readyz")
            extracted = client.post("/v1/extract", json=article)
            page = client.get("/metrics").text
        # The same server once its endpoint is gone: the error line and the not-ready answer.
        (tmp_path / "down").mkdir()
        with ServerProcess(tmp_path / "down", *args, env=keys_env) as down, down.client(KEY) as client:
            endpoint.stop()
            not_ready = httpx.get(down.base_url + "/readyz")
            failed = client.post("/v1/extract", json=article)
            down_output = down.output()
        output = server.output()
    assert ready.status_code == 200 and "[redacted]@127.0.0.1" in ready.json()["model_endpoint"]
    assert extracted.json()["status"] == "ok" and not_ready.status_code == 503
    assert failed.json()["status"] == "error"
    assert "HTTP Request" in output or "127.0.0.1" in output, "the client's request log was captured"
    for shown in (ready.text, extracted.text, page, not_ready.text, failed.text, output, down_output):
        assert "s3cr3t" not in shown
