"""Scaling: worker processes and the Ray engine against one process, on all 84 PolNeAR dev articles.

Parts (``--parts``, default all but ``guided``):

* ``baseline``: ``extractor extract --strategy baseline`` with ``--workers 1`` and
  ``--workers 2``, as CLI processes (start-up included, as a user sees it), ``--repeats``
  times alternating; the figure is the ratio of median wall times (target ≥ 1.8 on 2 cores).
* ``guided``: the same with the default strategy on the real embedded model. Each run gets
  a fresh cache folder in /tmp (so nothing is a cache hit). It starts llama.cpp's server:
  run the script under ``flock /tmp/extractor-llama.lock``.
* ``guided_remote``: the same with ``guided`` against the fake endpoint (a child process,
  50 ms per request, fresh cache per run): the default strategy where the model is remote
  and the client's CPU pass is the work.
* ``orchestration``: bench/orchestration.py's measure at C = 64 (L = 200 ms, 500 synthetic
  articles, ``whole_article``, no cache, the endpoint in a child process) with 1 and with 2
  worker processes: achieved articles/s ÷ (C / L) (target ≥ 0.95). The worker pool is
  started (and warmed) before the clock starts.
* ``ray``: ``--engine ray`` (a local Ray instance, started by the CLI) against ``--workers 2``,
  baseline, CLI processes: the engine's overhead, start-up included; and the same with
  start-up excluded (the Ray instance, the actors and the worker pool already up).

Every run's output goes to a temporary folder; the figures (and the machine's load average
before and after each part: speedups only mean something on an otherwise idle machine) go
to ``bench/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import POLNEAR_DEV_TEXT, REPO, print_table, save_result, synthetic_articles
from _endpoint import endpoint

from extractor import Extractor
from extractor.articles import read_articles
from extractor.batch import BatchRunner

CLI = [sys.executable, "-m", "extractor.cli", "extract"]


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _children_cpu() -> float:
    """CPU seconds (user + system) of this script's finished children and theirs (a CLI and its workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_run(args: list[str], out_dir: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One ``extractor extract`` process: wall time, the summary it wrote, its exit code."""
    summary = out_dir / "summary.json"
    command = [*CLI, str(POLNEAR_DEV_TEXT), "-o", str(out_dir / "out.jsonl"), "--no-progress",
               "--summary-json", str(summary), *args]  # fmt: skip
    started, cpu0 = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu0
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    figures = json.loads(summary.read_text())
    lines = [json.loads(line) for line in (out_dir / "out.jsonl").read_text().splitlines()]
    return {"wall_s": wall, "cpu_s": cpu, "batch_wall_s": figures["wall_seconds"], "ok": figures["ok"],
            "errors": figures["errors"],
            "claims": figures["claims"], "llm_calls": figures["llm_calls"], "cache_hits": figures["cache_hits"],
            "prompt_tokens": figures["prompt_tokens"], "completion_tokens": figures["completion_tokens"],
            "claims_by_id": {line["id"]: len(line["claims"]) for line in lines}}  # fmt: skip


def compare_workers(strategy: str, repeats: int, extra: list[str], fresh_cache: bool) -> dict[str, Any]:
    """``--workers 1`` against ``--workers 2``, alternating, ``repeats`` times each."""
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    before = load()
    with tempfile.TemporaryDirectory(prefix="extractor-scale-") as tmp:
        shared_cache = Path(tmp) / "cache"
        for repeat in range(repeats):
            for workers in (1, 2):
                out_dir = Path(tmp) / f"{strategy}-{workers}-{repeat}"
                out_dir.mkdir()
                cache = out_dir / "cache" if fresh_cache else shared_cache
                args = ["--strategy", strategy, "--workers", str(workers), "--cache-dir", str(cache), *extra]
                key = {"OPENAI_API_KEY": "bench"} if "--base-url" in extra else None
                runs[workers].append(cli_run(args, out_dir, key))
                print(f"  {strategy} workers={workers} run {repeat + 1}: {runs[workers][-1]['wall_s']:.1f}s "
                      f"(load {load()[0]})", flush=True)  # fmt: skip
    one = statistics.median(r["wall_s"] for r in runs[1])
    two = statistics.median(r["wall_s"] for r in runs[2])
    same = all(r["claims_by_id"] == runs[1][0]["claims_by_id"] for r in runs[1] + runs[2])
    for r in runs[1] + runs[2]:
        r.pop("claims_by_id")
    return {"strategy": strategy, "articles": 84, "repeats": repeats, "fresh_cache_per_run": fresh_cache,
            "median_wall_s": {"1": one, "2": two}, "speedup": one / two, "target": 1.8, "met": one / two >= 1.8,
            "same_claims_every_run": same, "runs": {str(k): v for k, v in runs.items()},
            "loadavg_before": before, "loadavg_after": load()}  # fmt: skip


def orchestration(workers_list: list[int], concurrency: int, latency_s: float, articles: int) -> dict[str, Any]:
    """Achieved ÷ ideal articles/s at C, with the given worker counts (pool started before the clock)."""
    results = []
    before = load()
    with endpoint(latency_s=latency_s) as served, tempfile.TemporaryDirectory() as tmp:
        for workers in workers_list:
            config = {"strategy": "whole_article", "base_url": served.base_url, "api_key": "bench",
                      "model": "fake-model", "cache": False, "concurrency": concurrency, "workers": workers}
            with Extractor(**config) as ex:
                runner = BatchRunner(ex, concurrency=concurrency, show_progress=False)
                runner.run(synthetic_articles(2 * concurrency), Path(tmp) / "warm.jsonl")  # start and warm the pool
                started, cpu0 = time.perf_counter(), time.process_time()
                summary = runner.run(synthetic_articles(articles), Path(tmp) / f"out-{workers}.jsonl")
                wall, parent_cpu = time.perf_counter() - started, time.process_time() - cpu0
            if summary.ok != articles:
                raise SystemExit(f"workers={workers}: {summary.errors} articles failed")
            calls = summary.usage.llm_calls / articles
            ideal = concurrency / (latency_s * calls)
            achieved = articles / wall
            results.append({"workers": workers, "concurrency": concurrency, "articles": articles, "wall_s": wall,
                            "articles_per_s": achieved, "ideal_articles_per_s": ideal, "ratio": achieved / ideal,
                            "parent_cpu_ms_per_article": 1000 * parent_cpu / articles,
                            "wave_bound": articles / (math.ceil(articles / concurrency) * concurrency)})  # fmt: skip
            print(f"  orchestration C={concurrency} workers={workers}: ratio {achieved / ideal:.3f}, parent CPU "
                  f"{1000 * parent_cpu / articles:.2f} ms/article (load {load()[0]})")
    return {"latency_s": latency_s, "target": 0.95, "results": results, "loadavg_before": before,
            "loadavg_after": load()}  # fmt: skip


def ray_overhead(repeats: int) -> dict[str, Any]:
    """``--engine ray`` (local instance) against ``--workers 2`` with baseline: with and without start-up."""
    before = load()
    runs: dict[str, list[dict[str, Any]]] = {"workers2": [], "ray": []}
    env = {"RAY_AUTH_MODE": "disabled"}
    with tempfile.TemporaryDirectory(prefix="extractor-ray-") as tmp:
        for repeat in range(repeats):
            for name, args in (("workers2", ["--workers", "2"]), ("ray", ["--engine", "ray"])):
                out_dir = Path(tmp) / f"{name}-{repeat}"
                out_dir.mkdir()
                runs[name].append(cli_run(["--strategy", "baseline", "--cache-dir", str(out_dir / "c"), *args],
                                          out_dir, env))  # fmt: skip
                runs[name][-1].pop("claims_by_id")
                print(f"  {name} run {repeat + 1}: {runs[name][-1]['wall_s']:.1f}s (load {load()[0]})", flush=True)
        warm = _warm_engines(Path(tmp))
    cli = {name: statistics.median(r["wall_s"] for r in rs) for name, rs in runs.items()}
    return {"cli_median_wall_s": cli, "cli_ratio_ray_over_workers2": cli["ray"] / cli["workers2"], "runs": runs,
            "warm": warm, "loadavg_before": before, "loadavg_after": load()}  # fmt: skip


def _warm_engines(tmp: Path) -> dict[str, Any]:
    """Extraction time alone (engines started and warmed first): Ray actors vs two worker processes."""
    os.environ["RAY_AUTH_MODE"] = "disabled"
    from extractor.ray import connect, ray

    articles = list(read_articles([POLNEAR_DEV_TEXT]))
    figures: dict[str, Any] = {}
    with Extractor(strategy="baseline", workers=2) as ex:
        runner = BatchRunner(ex, show_progress=False)
        runner.run(articles[:4], tmp / "warm-w.jsonl")
        started = time.perf_counter()
        runner.run(articles, tmp / "w.jsonl")
        figures["workers2_s"] = time.perf_counter() - started
    started = time.perf_counter()
    connect(None, num_cpus=2)
    figures["ray_init_s"] = time.perf_counter() - started
    from extractor import ExtractorConfig

    started = time.perf_counter()
    with Extractor(ExtractorConfig(strategy="baseline", engine="ray", workers=2)) as engine:
        engine.start()
        figures["ray_actors_start_s"] = time.perf_counter() - started
        runner = BatchRunner(engine, show_progress=False)
        runner.run(articles[:16], tmp / "warm-r.jsonl")
        started = time.perf_counter()
        runner.run(articles, tmp / "r.jsonl")
        figures["ray_s"] = time.perf_counter() - started
    ray.shutdown()
    figures["ratio_ray_over_workers2"] = figures["ray_s"] / figures["workers2_s"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="baseline,orchestration,ray",
                        help="comma-separated: baseline, guided, guided_remote, orchestration, ray")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--guided-repeats", type=int, default=1)
    parser.add_argument("--orchestration-articles", type=int, default=500)
    args = parser.parse_args()
    parts = args.parts.split(",")
    previous = REPO / "bench" / "results" / "scale.json"
    result: dict[str, Any] = json.loads(previous.read_text()).get("parts", {}) if previous.exists() else {}
    print(f"load before: {load()}")
    if "baseline" in parts:
        result["baseline"] = compare_workers("baseline", args.repeats, [], fresh_cache=False)
    if "guided" in parts:
        result["guided"] = compare_workers("guided", args.guided_repeats, [], fresh_cache=True)
    if "guided_remote" in parts:
        with endpoint(latency_s=0.05) as served:
            remote = ["--base-url", served.base_url, "--model", "fake-model"]
            result["guided_remote"] = compare_workers("guided", args.repeats, remote, fresh_cache=True)
            result["guided_remote"]["endpoint"] = "fake endpoint in a child process, L = 50 ms"
    if "orchestration" in parts:
        result["orchestration"] = orchestration([1, 2], 64, 0.2, args.orchestration_articles)
    if "ray" in parts:
        result["ray"] = ray_overhead(args.repeats)
    save_result("scale", {"parts": result, "cores": len(os.sched_getaffinity(0))})
    rows = []
    for name in ("baseline", "guided", "guided_remote"):
        if name in result:
            r = result[name]
            rows.append([f"{name}: --workers 2 vs 1 (84 dev)", f"{r['median_wall_s']['1']:.1f}s → "
                         f"{r['median_wall_s']['2']:.1f}s", f"{r['speedup']:.2f}x", "≥ 1.8x",
                         str(r["loadavg_before"][0])])  # fmt: skip
    if "orchestration" in result:
        for r in result["orchestration"]["results"]:
            rows.append([f"orchestration C=64, workers={r['workers']}", f"{r['articles_per_s']:.0f}/s",
                         f"{r['ratio']:.3f}", "≥ 0.95", str(result["orchestration"]["loadavg_before"][0])])  # fmt: skip
    if "ray" in result:
        r = result["ray"]
        rows.append(["ray vs --workers 2, CLI (start-up incl.)", f"{r['cli_median_wall_s']['ray']:.1f}s vs "
                     f"{r['cli_median_wall_s']['workers2']:.1f}s", f"{r['cli_ratio_ray_over_workers2']:.2f}x", "—",
                     str(r["loadavg_before"][0])])  # fmt: skip
        w = r["warm"]
        rows.append(["ray vs --workers 2, warm", f"{w['ray_s']:.1f}s vs {w['workers2_s']:.1f}s",
                     f"{w['ratio_ray_over_workers2']:.2f}x", "—", ""])  # fmt: skip
    print_table(["measure", "figures", "result", "target", "load"], rows)


if __name__ == "__main__":
    main()
