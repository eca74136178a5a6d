"""Worker processes (``--workers N``): the same lines as one process, one writer, one model server, one budget.

Each comparison runs the same inputs once in one process and once in two worker
processes and compares the lines by id (status, text sha256, claims): with
``baseline`` on the five sample articles and 20 PolNeAR dev articles, and with an LLM
strategy against the deterministic fake endpoint. Around that: the cache written by
two workers is complete and consistent (a rerun is all cache hits), the token budget
is shared, a worker that dies costs only its article, the embedded server (a fake one
standing in for llama.cpp) is started once by the parent and restarted once after a
crash, and a ``kill -9`` of the CLI takes its workers with it while ``--resume``
completes the run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor.local_model
from extractor import Extractor
from extractor.batch import BatchRunner
from extractor.cli import app
from extractor.output import partial_path
from extractor.records import Article
from extractor.strategies import register_strategy, unregister_strategy
from extractor.strategies.base import StrategyOutput
from extractor.strategies.baseline import BaselineStrategy
from support.endpoint import FakeEndpoint, FakeEndpointProcess, reporting_responder
from tests.conftest import POLNEAR
from tests.reliability import by_id, make_articles, popen_cli, read_lines, run_cli, write_jsonl

N_DEV = 20


def dev_sample(n: int = N_DEV) -> list[Path]:
    """``n`` PolNeAR dev articles spread evenly over the sorted ids."""
    files = sorted((POLNEAR / "dev" / "text").glob("*.txt"))
    assert len(files) >= n, f"PolNeAR dev not found under {POLNEAR}"
    step = len(files) / n
    return [files[int(k * step)] for k in range(n)]


def comparable(lines: dict[str, dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {i: (line["status"], line["text_sha256"], line["error"], line["claims"]) for i, line in lines.items()}


def cli_lines(args: list[str]) -> tuple[dict[str, dict[str, Any]], Any]:
    out = Path(args[args.index("-o") + 1])
    result = CliRunner().invoke(app, ["extract", *args, "--no-progress"])
    return by_id(read_lines(out)), result


def test_two_workers_give_the_lines_of_one_with_baseline(articles_dir: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for path in [*sorted(articles_dir.glob("*.txt")), *dev_sample()]:
        (inputs / path.name).write_bytes(path.read_bytes())
    common = [str(inputs), "--strategy", "baseline", "--cache-dir", str(tmp_path / "cache")]
    one, done_one = cli_lines([*common, "-o", str(tmp_path / "one.jsonl"), "--workers", "1"])
    two, done_two = cli_lines([*common, "-o", str(tmp_path / "two.jsonl"), "--workers", "2"])
    assert done_one.exit_code == 0 and done_two.exit_code == 0, (done_one.output, done_two.output)
    assert "2 worker processes" in done_two.output
    assert len(one) == 5 + N_DEV
    assert comparable(two) == comparable(one)
    assert sum(len(line["claims"]) for line in one.values()) > 100, "the comparison is not vacuous"


@dataclass
class PidStrategy:
    """Baseline's claims, noting which process extracted each article (a file per article in ``folder``)."""

    folder: str
    name: str = "pid_baseline"
    prompt_version: str | None = None
    uses_llm: bool = False
    cpu_pass: bool = False
    die_on: str | None = None

    def extract(self, article: Article, llm: Any = None) -> StrategyOutput:
        if article.id == self.die_on:
            os._exit(7)  # a worker dying mid-article, as a segfault in a parser would
        Path(self.folder, f"{article.id}.pid").write_text(str(os.getpid()))
        time.sleep(0.05)  # long enough that both workers get articles
        return BaselineStrategy().extract(article)


def test_articles_are_spread_over_the_workers_and_a_dead_worker_costs_only_its_article(
    articles_dir: Path, tmp_path: Path
) -> None:
    articles = make_articles(articles_dir, 12)
    seen = tmp_path / "pids"
    seen.mkdir()
    register_strategy("pid_baseline", lambda: PidStrategy(str(seen), die_on="a005"), replace=True)
    try:
        with Extractor(strategy="pid_baseline", workers=2) as ex:
            results = {r.id: r for r in ex.extract_many(articles)}
            pool = ex._executor
            assert pool is not None
            pids_after = set(pool.pids)
    finally:
        unregister_strategy("pid_baseline")
    assert sorted(results) == [a.id for a in articles]
    lost = results["a005"]
    assert lost.status == "error" and "worker process" in (lost.error or "") and "exit code 7" in (lost.error or "")
    assert lost.text_sha256 and lost.strategy == "pid_baseline"
    assert all(r.status == "ok" for i, r in results.items() if i != "a005")
    workers = {p.read_text() for p in seen.glob("*.pid")}
    assert len(workers) >= 2 and str(os.getpid()) not in workers, "articles ran in worker processes"
    assert len(pids_after) == 2, "the dead worker was replaced"


def _llm_args(source: Path, out: Path, endpoint: FakeEndpoint, *extra: str) -> list[str]:
    return [str(source), "--out", str(out), "--strategy", "whole_article", "--base-url", endpoint.base_url,
            "--concurrency", "4", *extra]  # fmt: skip


def test_two_workers_give_the_lines_of_one_with_a_model_and_share_one_cache(
    articles_dir: Path, tmp_path: Path
) -> None:
    articles = make_articles(articles_dir, 16)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    cache = tmp_path / "cache"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.05) as endpoint:
        one = run_cli(_llm_args(source, tmp_path / "one.jsonl", endpoint, "--workers", "1"), tmp_path / "cache-one")
        assert one.returncode == 0, one.stderr
        asked_by_one = endpoint.requests
        two = run_cli(_llm_args(source, tmp_path / "two.jsonl", endpoint, "--workers", "2"), cache)
        assert two.returncode == 0, two.stderr
        assert endpoint.requests - asked_by_one == asked_by_one, "two workers asked what one asked, once"
        # What two processes wrote into the cache side by side is complete: a rerun asks nothing.
        before = endpoint.requests
        three = run_cli(_llm_args(source, tmp_path / "three.jsonl", endpoint, "--workers", "2"), cache)
        assert three.returncode == 0, three.stderr
        assert endpoint.requests == before
    one_lines, two_lines, three_lines = (by_id(read_lines(tmp_path / f"{n}.jsonl")) for n in ("one", "two", "three"))
    assert sorted(two_lines) == [a.id for a in articles]
    assert comparable(two_lines) == comparable(one_lines) == comparable(three_lines)
    assert sum(len(line["claims"]) for line in two_lines.values()) > len(articles)
    assert all(line["usage"]["cache_hits"] == 1 and line["usage"]["llm_calls"] == 0 for line in three_lines.values())
    stats = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "cache", "stats", "--cache-dir", str(cache)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(stats.stdout)["entries"] == len(articles)


def test_the_token_budget_is_shared_by_the_workers(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 30)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    summary_path = tmp_path / "summary.json"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.05) as endpoint:
        probe = run_cli(_llm_args(source, tmp_path / "probe.jsonl", endpoint, "--workers", "1"), tmp_path / "c0")
        assert probe.returncode == 0, probe.stderr
        per_article = max(
            line["usage"]["prompt_tokens"] + line["usage"]["completion_tokens"]
            for line in read_lines(tmp_path / "probe.jsonl")
        )
        budget = 6 * per_article  # about six articles' worth, over two workers
        args = _llm_args(source, tmp_path / "out.jsonl", endpoint, "--workers", "2", "--concurrency", "2")
        run = run_cli([*args, "--token-budget", str(budget), "--summary-json", str(summary_path)], tmp_path / "c1")
    assert run.returncode == 3, run.stderr
    summary = json.loads(summary_path.read_text())
    spent = summary["prompt_tokens"] + summary["completion_tokens"]
    assert summary["stopped_reason"] and summary["articles"] < len(articles)
    # Each worker checks the one shared counter before every call: the overshoot is at most the
    # calls in flight when it ran out (concurrency 2), not a budget per worker.
    assert budget <= spent <= budget + 2 * per_article, (budget, spent, per_article)


def test_the_parent_runs_one_embedded_server_and_restarts_it_once_after_a_crash(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers: list[FakeEndpointProcess] = []

    def fake_local_server(model: str) -> FakeEndpointProcess:
        servers.append(FakeEndpointProcess(latency_s=0.4))
        return servers[-1]

    # The "embedded model" is a fake endpoint process that can be killed like llama.cpp's server.
    monkeypatch.setattr(extractor.local_model, "LocalServer", fake_local_server)
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    articles = make_articles(articles_dir, 10)
    out = tmp_path / "out.jsonl"
    with Extractor(strategy="whole_article", workers=2, concurrency=2, max_retries=0, cache=False) as ex:
        assert ex.embedded
        ex.start()
        (server,) = servers
        killer = threading.Thread(target=_kill_after_lines, args=(server, out, 2))
        killer.start()
        try:
            summary = BatchRunner(ex, concurrency=2, show_progress=False).run(articles, out)
        finally:
            killer.join()
        assert len(servers) == 1, "workers never start a server of their own"
        assert server.restarts == 1 and summary.server_restarts == 1
        assert server.alive()
    final = by_id(read_lines(out))
    assert sorted(final) == [a.id for a in articles]
    crashed = [i for i, line in final.items() if line["status"] == "error"]
    assert 1 <= len(crashed) <= 2, {i: final[i]["error"] for i in crashed}
    for article_id in crashed:
        assert "local model server crashed during this article" in final[article_id]["error"]
    assert final["a009"]["status"] == "ok", "articles after the crash are served by the restarted server"


def _kill_after_lines(server: FakeEndpointProcess, out: Path, lines: int) -> None:
    """SIGKILL the server once the run has written ``lines`` lines: requests are in flight then."""
    deadline = time.monotonic() + 120
    written = partial_path(out)  # a run without --resume writes there until it ends
    while time.monotonic() < deadline:
        if written.exists() and written.read_text().count("\n") >= lines:
            server.kill()
            return
        time.sleep(0.02)


def _children(pid: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children.update(int(c) for c in (task / "children").read_text().split())
    return children


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_kill_9_takes_the_workers_with_it_and_resume_completes(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 30)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    cache = tmp_path / "cache"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.2) as endpoint:
        reference = run_cli(_llm_args(source, tmp_path / "reference.jsonl", endpoint, "--workers", "1"), tmp_path / "r")
        assert reference.returncode == 0, reference.stderr
        out = tmp_path / "out.jsonl"
        written = partial_path(out)  # a run without --resume writes there, and renames it over OUT at the end
        process = popen_cli(_llm_args(source, out, endpoint, "--workers", "2"), cache)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (written.exists() and written.read_bytes().count(b"\n") >= 6):
            time.sleep(0.01)
        workers = _children(process.pid)
        assert len(workers) >= 2, "the CLI runs worker processes"
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "workers die with the parent"
        assert not out.exists()
        killed = read_lines(written)
        assert 6 <= len(killed) < len(articles)
        resumed = run_cli(_llm_args(source, out, endpoint, "--workers", "2", "--resume"), cache)
    assert resumed.returncode == 0, resumed.stderr
    final = by_id(read_lines(out))
    assert sorted(final) == [a.id for a in articles]
    assert comparable(final) == comparable(by_id(read_lines(tmp_path / "reference.jsonl")))


def test_ctrl_c_stops_the_workers_and_keeps_finished_lines(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 30)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    with FakeEndpoint(respond=reporting_responder, latency_s=0.2) as endpoint:
        out = tmp_path / "out.jsonl"
        written = partial_path(out)
        process = popen_cli(_llm_args(source, out, endpoint, "--workers", "2"), tmp_path / "cache")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (written.exists() and written.read_bytes().count(b"\n") >= 4):
            time.sleep(0.01)
        workers = _children(process.pid)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "rerun with --resume" in stderr and "Traceback" not in stderr
    assert not any(_alive(w) for w in workers)
    lines = read_lines(written)  # whole lines only, kept for --resume
    assert 4 <= len(lines) <= len(articles)


def test_bad_workers_value_is_a_usage_error(articles_dir: Path, tmp_path: Path) -> None:
    for bad in ("0", "many", "-3"):
        result = CliRunner().invoke(
            app, ["extract", str(articles_dir), "-o", str(tmp_path / "x.jsonl"), "--workers", bad, "--strategy",
                  "baseline"],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "workers" in result.output
    assert not (tmp_path / "x.jsonl").exists()


def test_a_long_lived_extractor_with_workers_serves_concurrent_extract_calls(
    articles_dir: Path, tmp_path: Path
) -> None:
    """What a service does: one Extractor(workers=2), ``extract`` called from many threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    articles = make_articles(articles_dir, 8)
    seen = tmp_path / "pids"
    seen.mkdir()
    register_strategy("pid_baseline", lambda: PidStrategy(str(seen)), replace=True)
    try:
        with Extractor(strategy="pid_baseline", workers=2) as ex, ThreadPoolExecutor(8) as callers:
            served = list(callers.map(ex.extract, articles))
            pools = {id(ex._executor)}
            served += list(callers.map(ex.extract, articles[:2]))
            pools.add(id(ex._executor))
        workers = {p.read_text() for p in seen.glob("*.pid")}
        with Extractor(strategy="pid_baseline") as one:
            expected = [one.extract(a) for a in articles]
    finally:
        unregister_strategy("pid_baseline")
    assert len(pools) == 1, "one pool, started once, for every caller"
    assert [(r.id, r.status, r.claims) for r in served[:8]] == [(r.id, r.status, r.claims) for r in expected]
    assert len(workers) >= 2 and str(os.getpid()) not in workers, "calls were spread over the worker processes"
