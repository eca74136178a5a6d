"""Load test of ``extractor serve``: 32 concurrent clients on loopback against the fake endpoint, vs the in-process API;
then the service's throughput on every core (16 clients vs 1, baseline strategy, PolNeAR dev articles).

    .venv/bin/python bench/service_load.py                     # 640 requests per side, 32 clients, 2 rounds
    .venv/bin/python bench/service_load.py --requests 320 --rounds 1 --latency 0.5

A benchmark, not a test: fixed request counts and a wall-time cap per phase. The model is
``bench/_endpoint.py``'s fake OpenAI-compatible endpoint in its own process (latency
``--latency``), the strategy ``whole_article``, no cache (every request reaches the
endpoint). Each round times, at the same concurrency and on the same distinct articles:

* in-process: ``Extractor.extract`` from ``--concurrency`` threads (the public API);
* service: ``POST /v1/extract`` from ``--concurrency`` asyncio clients (httpx, keep-alive)
  to ``extractor serve`` in its own process, with a key (auth, rate limit, metrics on).

It reports requests/s, p50/p99 latency and errors for both, the service's added p50, and
checks that no request was lost or duplicated: every id sent comes back exactly once. A
job phase then submits ``--jobs`` jobs of ``--job-size`` articles at once and checks each
job's results hold every article exactly once.

The throughput phase (issue #22: the service on every core) starts ``extractor serve
--strategy baseline`` once per ``--throughput-engines`` engine (default ``processes``, the
serve default, and ``local``, threads in one process, for comparison) and posts the first
``--throughput-articles`` PolNeAR dev articles to ``/v1/extract`` from one client, then from
``--throughput-clients`` clients (fresh ids each time; the baseline asks no model and keeps
no cache). The ratio of the two articles/s is the figure: with the work spread over worker
processes, 16 clients on 2 cores should reach at least 1.6x one client's throughput.

Figures go to bench/results/service_load.json (or ``--name``) with the machine's load
average, which matters: the machine is shared, and a figure from a loaded run says little.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from _common import POLNEAR_DEV_TEXT, REPO, print_table, sample_texts, save_result, synthetic_text
from _endpoint import EndpointProcess

from extractor import Extractor

KEY = "bench-key-0123456789abcdef"
TARGET_ADDED_P50_SHARE = 0.10  # the service's added p50, as a share of the in-process p50
TARGET_THROUGHPUT_RATIO = 1.6  # articles/s with --throughput-clients clients over one client's


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_seconds(base_url: str) -> tuple[float, float]:
    """The server's own totals from /metrics: seconds answering /v1/extract, and seconds extracting."""
    page = httpx.get(base_url + "/metrics", timeout=30).text
    totals = {"extractor_http_request_duration_seconds_sum": 0.0, "extractor_extraction_duration_seconds_sum": 0.0}
    for line in page.splitlines():
        name = line.split("{", 1)[0]
        if name in totals and ('route="/v1/extract"' in line or 'via="extract"' in line):
            totals[name] += float(line.rsplit(" ", 1)[1])
    return totals["extractor_http_request_duration_seconds_sum"], totals["extractor_extraction_duration_seconds_sum"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def summary(
    latencies: list[float], wall_s: float, errors: int, planned: int, sent_ids: list[str], answered_ids: list[str]
) -> dict[str, Any]:
    """``lost``: sent but never answered; ``not_sent``: left when the phase's time cap ran out."""
    return {
        "requests": len(sent_ids),
        "not_sent": planned - len(sent_ids),
        "answered": len(answered_ids),
        "errors": errors,
        "lost": len(set(sent_ids) - set(answered_ids)),
        "duplicated": len(answered_ids) - len(set(answered_ids)),
        "wall_s": round(wall_s, 3),
        "requests_per_s": round(len(latencies) / wall_s, 1) if wall_s else float("nan"),
        "p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


def articles(count: int, offset: int = 0) -> list[dict[str, str]]:
    samples = sample_texts()
    return [{"id": f"load-{i:06d}", "text": synthetic_text(samples, offset + i)} for i in range(count)]


def run_in_process(extractor: Extractor, batch: list[dict[str, str]], concurrency: int, cap_s: float) -> dict:
    latencies: list[float] = []
    ids: list[str] = []
    sent: list[str] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + cap_s

    def one(article: dict[str, str]) -> None:
        nonlocal errors
        if time.monotonic() > deadline:
            return
        with lock:
            sent.append(article["id"])
        started = time.perf_counter()
        result = extractor.extract(article["text"], id=article["id"])
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            ids.append(result.id)
            errors += result.status != "ok"

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, batch))
    return summary(latencies, time.perf_counter() - started, errors, len(batch), sent, ids)


async def run_service(base_url: str, batch: list[dict[str, str]], concurrency: int, cap_s: float) -> dict:
    latencies: list[float] = []
    ids: list[str] = []
    sent: list[str] = []
    errors = 0
    queue: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    for article in batch:
        queue.put_nowait(article)
    deadline = time.monotonic() + cap_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty() and time.monotonic() < deadline:
                article = queue.get_nowait()
                sent.append(article["id"])
                started = time.perf_counter()
                try:
                    answer = await client.post("/v1/extract", json=article)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors += 1
                    continue
                line = answer.json()
                ids.append(line["id"])
                errors += line["status"] != "ok"

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return summary(latencies, wall, errors, len(batch), sent, ids)


async def run_jobs(base_url: str, jobs: int, size: int, cap_s: float) -> dict:
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=120) as client:
        batches = [articles(size, offset=10_000 + j * size) for j in range(jobs)]
        for j, batch in enumerate(batches):
            for item in batch:
                item["id"] = f"job{j:03d}-{item['id']}"
        started = time.perf_counter()
        accepted = await asyncio.gather(*(client.post("/v1/jobs", json=batch) for batch in batches))
        refused = [answer.text for answer in accepted if answer.status_code != 202]
        if refused:
            raise SystemExit(f"jobs refused: {refused[:2]}")
        job_ids = [answer.json()["id"] for answer in accepted]
        deadline = time.monotonic() + cap_s
        pending = set(job_ids)
        while pending and time.monotonic() < deadline:
            states = await asyncio.gather(*(client.get(f"/v1/jobs/{job_id}") for job_id in pending))
            pending = {s.json()["id"] for s in states if s.json()["state"] != "done"}
            await asyncio.sleep(0.2)
        wall = time.perf_counter() - started
        lost = duplicated = 0
        for job_id, batch in zip(job_ids, batches, strict=True):
            text = (await client.get(f"/v1/jobs/{job_id}/results", params={"wait": "false"})).text
            got = [line.split('"id":"', 1)[1].split('"', 1)[0] for line in text.splitlines() if line]
            lost += len({a["id"] for a in batch} - set(got))
            duplicated += len(got) - len(set(got))
    return {"jobs": jobs, "articles": jobs * size, "unfinished_jobs": len(pending), "lost": lost,
            "duplicated": duplicated, "wall_s": round(wall, 2), "articles_per_s": round(jobs * size / wall, 1)}


def start_server(tmp: Path, port: int, options: list[str]) -> subprocess.Popen[bytes]:
    """``extractor serve`` on ``port`` with ``options``, a key without a practical rate limit, state in ``tmp``."""
    keys = tmp / "keys.txt"
    keys.write_text(f"{KEY} name=bench rate=1000000/minute\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_BASE_URL", "OPENAI_API_KEY")}
    env["EXTRACTOR_API_KEYS_FILE"] = str(keys)
    command = [sys.executable, "-m", "extractor.cli", "serve", "--port", str(port), *options,
               "--jobs-db", str(tmp / f"jobs-{port}.sqlite3"), "--cache-dir", str(tmp / "cache")]  # fmt: skip
    log_path = tmp / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=REPO, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the service did not start: " + log_path.read_text())


def polnear_dev_articles(count: int) -> list[dict[str, str]]:
    """The first ``count`` PolNeAR dev texts by file name (never the test split)."""
    files = sorted(POLNEAR_DEV_TEXT.glob("*.txt"))[:count]
    if len(files) < count:
        raise SystemExit(f"{POLNEAR_DEV_TEXT} holds {len(files)} texts; {count} asked for")
    return [{"id": path.stem, "text": path.read_text(encoding="utf-8")} for path in files]


def throughput(engine: str, texts: list[dict[str, str]], clients: int, tmp: Path) -> dict[str, Any]:
    """Articles/s of ``extractor serve --strategy baseline --engine ENGINE`` from 1 client, then ``clients``."""
    from extractor.supervisor import free_port

    port = free_port()
    server = start_server(tmp, port, ["--strategy", "baseline", "--engine", engine, "--concurrency", str(clients)])
    base_url = f"http://127.0.0.1:{port}"
    phases: dict[str, Any] = {}
    try:
        # Warm the workers (spaCy loads on a worker's first article) before anything is timed.
        warm = [dict(item, id=f"warm-{item['id']}") for item in texts[:4]]
        asyncio.run(run_service(base_url, warm, len(warm), 600))
        for label, count in (("one_client", 1), ("many_clients", clients)):
            batch = [dict(item, id=f"{label}-{item['id']}") for item in texts]
            phases[label] = asyncio.run(run_service(base_url, batch, count, 900))
            phases[label]["articles_per_s"] = round(phases[label]["answered"] / phases[label]["wall_s"], 3)
    finally:
        server.terminate()
        exit_code = server.wait(timeout=60)
    ratio = phases["many_clients"]["articles_per_s"] / phases["one_client"]["articles_per_s"]
    return {"engine": engine, "clients": clients, "articles": len(texts), **phases,
            "ratio": round(ratio, 3), "server_exit_code": exit_code}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=640, help="requests per side per round")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--server-concurrency", type=int, default=32,
                        help="the server's --concurrency: articles extracting at once (requests beyond it wait)")
    parser.add_argument("--server-engine", default="processes", help="the latency phase's serve --engine")
    parser.add_argument("--server-workers", default="auto", help="the latency phase's serve --workers")
    parser.add_argument("--latency", type=float, default=0.05, help="the fake endpoint's seconds per answer")
    parser.add_argument("--cap", type=float, default=300.0, help="wall-time cap of each phase (s)")
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--job-size", type=int, default=10)
    parser.add_argument("--throughput-articles", type=int, default=42, help="PolNeAR dev articles posted")
    parser.add_argument("--throughput-clients", type=int, default=16)
    parser.add_argument("--throughput-engines", default="processes,local",
                        help="serve --engine values measured, comma-separated ('' skips the phase)")
    parser.add_argument("--skip-latency", action="store_true", help="only the throughput phase")
    parser.add_argument("--name", default="service_load", help="results file: bench/results/NAME.json")
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    result: dict[str, Any] = {"settings": vars(args), "loadavg_before": load_before}
    if not args.skip_latency:
        result |= latency_phase(args)
    engines = [engine for engine in args.throughput_engines.split(",") if engine]
    if engines:
        texts = polnear_dev_articles(args.throughput_articles)
        with tempfile.TemporaryDirectory() as folder:
            runs = [throughput(engine, texts, args.throughput_clients, Path(folder)) for engine in engines]
        result["throughput"] = runs
        result["target_throughput_ratio"] = TARGET_THROUGHPUT_RATIO
    path = save_result(args.name, result)
    if not args.skip_latency:
        print_latency(result)
    for run in result.get("throughput", []):
        one, many = run["one_client"], run["many_clients"]
        lost = one["lost"] + many["lost"] + one["duplicated"] + many["duplicated"] + one["errors"] + many["errors"]
        print(f"engine {run['engine']}: 1 client {one['articles_per_s']} articles/s, {run['clients']} clients "
              f"{many['articles_per_s']} articles/s: {run['ratio']}x (target >= {TARGET_THROUGHPUT_RATIO} "
              f"for processes); lost, duplicated or failed: {lost}")  # fmt: skip
    print(f"load average before {load_before}; figures in {path}")


def latency_phase(args: argparse.Namespace) -> dict[str, Any]:
    """The in-process API vs ``extractor serve`` (whole_article on the stand-in endpoint), then the job phase."""
    from extractor.supervisor import free_port

    with EndpointProcess(latency_s=args.latency) as endpoint, tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        port = free_port()
        options = ["--strategy", "whole_article", "--base-url", endpoint.base_url, "--model", "fake-model",
                   "--no-cache", "--concurrency", str(args.server_concurrency), "--engine", args.server_engine,
                   "--workers", args.server_workers]  # fmt: skip
        server = start_server(tmp, port, options)
        base_url = f"http://127.0.0.1:{port}"
        extractor = Extractor(strategy="whole_article", base_url=endpoint.base_url, model="fake-model", cache=False)
        try:
            warm = articles(args.concurrency, offset=50_000)
            run_in_process(extractor, warm, args.concurrency, args.cap)
            asyncio.run(run_service(base_url, warm, args.concurrency, args.cap))
            rounds = []
            for number in range(args.rounds):
                batch = articles(args.requests, offset=number * args.requests)
                cpu = own_cpu_s()
                in_process = run_in_process(extractor, batch, args.concurrency, args.cap)
                in_process["cpu_ms_per_request"] = round((own_cpu_s() - cpu) * 1000 / len(batch), 2)
                cpu, server_cpu = own_cpu_s(), process_cpu_s(server.pid)
                answering, extracting = server_seconds(base_url)
                service = asyncio.run(run_service(base_url, batch, args.concurrency, args.cap))
                answering_after, extracting_after = server_seconds(base_url)
                # Time the server spends on a request beyond the extraction itself (parsing, auth,
                # limits, the thread hop, the answer), as its own metrics measure it.
                beyond = (answering_after - answering) - (extracting_after - extracting)
                service["server_overhead_ms_mean"] = round(beyond * 1000 / max(1, service["answered"]), 2)
                client_ms = (own_cpu_s() - cpu) * 1000 / len(batch)
                server_ms = (process_cpu_s(server.pid) - server_cpu) * 1000 / len(batch)
                service |= {"cpu_ms_per_request": round(client_ms + server_ms, 2),
                            "client_cpu_ms_per_request": round(client_ms, 2),
                            "server_cpu_ms_per_request": round(server_ms, 2)}  # fmt: skip
                rounds.append({"in_process": in_process, "service": service, "loadavg": os.getloadavg()[0]})
            jobs = asyncio.run(run_jobs(base_url, args.jobs, args.job_size, args.cap))
        finally:
            extractor.close()
            server.terminate()
            server_exit = server.wait(timeout=60)
    added = [r["service"]["p50_ms"] - r["in_process"]["p50_ms"] for r in rounds]
    shares = [(r["service"]["p50_ms"] - r["in_process"]["p50_ms"]) / r["in_process"]["p50_ms"] for r in rounds]
    added_cpu = [r["service"]["server_cpu_ms_per_request"] - r["in_process"]["cpu_ms_per_request"] for r in rounds]
    return {
        "rounds": rounds,
        "added_p50_ms_median": round(statistics.median(added), 2),
        "added_p50_share_median": round(statistics.median(shares), 4),
        "added_server_cpu_ms_per_request_median": round(statistics.median(added_cpu), 2),
        "target_added_p50_share": TARGET_ADDED_P50_SHARE,
        "jobs": jobs,
        "server_exit_code": server_exit,
    }


def print_latency(result: dict[str, Any]) -> None:
    table = []
    for number, r in enumerate(result["rounds"], start=1):
        for side in ("in_process", "service"):
            s = r[side]
            table.append([number, side, s["requests_per_s"], s["p50_ms"], s["p99_ms"], s["cpu_ms_per_request"],
                          s["errors"], s["lost"], s["duplicated"]])  # fmt: skip
    print_table(["round", "side", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "errors", "lost", "duplicated"], table)
    print(f"service adds {result['added_p50_ms_median']} ms p50, {result['added_p50_share_median']:.1%} of the "
          f"in-process p50 (median of rounds; target <= {TARGET_ADDED_P50_SHARE:.0%})")  # fmt: skip
    print(f"server CPU added per request: {result['added_server_cpu_ms_per_request_median']} ms (median of rounds)")
    print("server-side overhead per request (its metrics: answering - extracting), mean ms: "
          + ", ".join(str(r["service"]["server_overhead_ms_mean"]) for r in result["rounds"]))
    print(f"jobs: {result['jobs']}; server exit code {result['server_exit_code']}")


if __name__ == "__main__":
    main()
