"""Crash safety: ``kill -9`` mid-batch, then ``--resume``, equals an uninterrupted run; a shared cache is safe.

``extractor extract`` runs as a real child process against a FakeEndpoint with
latency (so the kill lands while articles are in flight) and the deterministic
``reporting_responder`` (so two runs can be compared claim for claim).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from extractor.output import partial_path
from support.endpoint import FakeEndpoint, reporting_responder
from tests.reliability import by_id, cli_env, make_articles, popen_cli, read_lines, run_cli, tally, write_jsonl

N_ARTICLES = 30


def _args(source: Path, out: Path, endpoint: FakeEndpoint, *extra: str) -> list[str]:
    return [str(source), "--out", str(out), "--strategy", "whole_article", "--base-url", endpoint.base_url,
            "--concurrency", "4", *extra]


def _comparable(lines: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {i: (line["status"], line["text_sha256"], line["claims"]) for i, line in lines.items()}


def _cache_entries(cache: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "cache", "stats", "--cache-dir", str(cache)],
        env=cli_env(cache), capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(done.stdout)["entries"]


def test_kill_9_mid_batch_then_resume_equals_an_uninterrupted_run(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, N_ARTICLES)
    ids = [a.id for a in articles]
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    reference_out, out, cache = tmp_path / "reference.jsonl", tmp_path / "out.jsonl", tmp_path / "cache"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.2) as endpoint:
        reference = run_cli(_args(source, reference_out, endpoint), tmp_path / "reference-cache")
        assert reference.returncode == 0, reference.stderr

        process = popen_cli(_args(source, out, endpoint), cache)
        written = partial_path(out)  # a run without --resume writes there, and renames it over OUT at the end
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (written.exists() and written.read_bytes().count(b"\n") >= 8):
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL, stderr

        assert not out.exists(), "an interrupted run never puts a partial output in OUT's place"
        killed = read_lines(written)  # fails on a torn line
        assert 8 <= len(killed) < N_ARTICLES, "the kill landed mid-batch"
        # The cache survived the kill: it opens, and holds at least every answer already written out.
        assert _cache_entries(cache) >= len(killed)
        # A crash of some other writer could leave half a line; resume must drop it, not trust it.
        with written.open("a", encoding="utf-8") as handle:
            handle.write('{"schema_version": "claim-record/1", "id": "a029", "status": "ok", "cla')

        before = endpoint.requests
        summary_path = tmp_path / "summary.json"
        resumed = run_cli(_args(source, out, endpoint, "--resume", "--summary-json", str(summary_path)), cache)
        new_requests = endpoint.requests - before
    assert resumed.returncode == 0, resumed.stderr
    final = by_id(read_lines(out))
    tally(record_property, endpoint=endpoint, expected_ids=ids, lines=list(final.values()),
          faults_injected={"process killed (SIGKILL)": 1, "torn line appended": 1})
    assert sorted(final) == ids
    assert _comparable(final) == _comparable(by_id(read_lines(reference_out)))
    assert sum(len(line["claims"]) for line in final.values()) > N_ARTICLES, "the comparison is not vacuous"
    summary = json.loads(summary_path.read_text())
    assert summary["skipped_resumed"] == len(killed)
    assert summary["ok"] == N_ARTICLES - len(killed)
    # Answers the killed run got but never wrote come from the cache; only the rest is asked again.
    assert summary["cache_hits"] + new_requests == N_ARTICLES - len(killed)
    for line in killed:
        assert final[line["id"]] == line, "finished lines are kept byte for byte"


def test_two_concurrent_runs_sharing_one_cache_both_finish(
    articles_dir: Path, tmp_path: Path, record_property: Any
) -> None:
    articles = make_articles(articles_dir, 20)
    ids = [a.id for a in articles]
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    cache = tmp_path / "shared-cache"
    outs = [tmp_path / "one.jsonl", tmp_path / "two.jsonl"]
    with FakeEndpoint(respond=reporting_responder, latency_s=0.05) as endpoint:
        processes = [popen_cli(_args(source, out, endpoint), cache) for out in outs]
        results = [process.communicate(timeout=120) for process in processes]
        for process, (_, stderr) in zip(processes, results, strict=True):
            assert process.returncode == 0, stderr
        after_both = endpoint.requests
        # A third run finds every answer in the cache the two wrote side by side.
        third = run_cli(_args(source, tmp_path / "three.jsonl", endpoint), cache)
        assert third.returncode == 0, third.stderr
        assert endpoint.requests == after_both
    one, two, three = (by_id(read_lines(p)) for p in [*outs, tmp_path / "three.jsonl"])
    tally(record_property, expected_ids=[f"{run}/{i}" for run in ("one", "two") for i in ids],
          lines=[{"id": f"{run}/{i}"} for run, lines in (("one", one), ("two", two)) for i in lines])
    assert sorted(one) == sorted(two) == sorted(three) == ids
    assert _comparable(one) == _comparable(two) == _comparable(three)
    assert all(line["usage"]["cache_hits"] == 1 for line in three.values())
    assert _cache_entries(cache) == len(articles)
