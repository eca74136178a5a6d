"""Orchestration throughput: does the batch runner keep C requests in flight against a slow endpoint?

A FakeEndpoint answers every request after a fixed latency L (default 200 ms).
The whole_article strategy runs over N synthetic articles (default 500; one
model call each, streamed, no cache) at concurrency C = 1, 8, 32, 64. A perfect
runner achieves C / L articles per second; the figure is the ratio of achieved
articles/s to C / L (target ≥ 0.95 up to C = 64). With N not a multiple of C
the last wave is partly empty, so even a zero-overhead runner tops out at
``N / (ceil(N / C) · C)``; that bound is reported too.

The endpoint runs in a child process by default (its CPU is then not charged to
the client, as with a real endpoint); ``--in-process`` runs it in this process.
Last, the same batch runs against a zero-latency endpoint at C = 8: the
ceiling in articles/s that client and endpoint reach together on this machine
(no ratio can exceed ceiling ÷ (C / L)). ``--profile N`` also profiles N articles one at a time at zero latency with
pyinstrument (worker threads are not sampled) into
``bench/results/orchestration-profile.txt``.
"""

from __future__ import annotations

import argparse
import math
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR, print_table, profile_sequential, save_result, synthetic_articles
from _endpoint import endpoint

from extractor.batch import BatchRunner
from extractor.llm import LLM, LLMSettings
from extractor.pipeline import Pipeline
from extractor.strategies.whole_article import WholeArticleStrategy


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_once(served: Any, articles: int, concurrency: int, out: Path) -> dict[str, Any]:
    llm = LLM(LLMSettings(model="fake-model", base_url=served.base_url, api_key="bench"), cache=None)
    runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False)
    endpoint_cpu = getattr(served, "cpu_seconds", lambda: float("nan"))
    try:
        cpu0, server0, wall0 = cpu_seconds(), endpoint_cpu(), time.perf_counter()
        summary = runner.run(synthetic_articles(articles), out)
        wall, cpu, server = time.perf_counter() - wall0, cpu_seconds() - cpu0, endpoint_cpu() - server0
    finally:
        llm.close()
    if summary.ok != articles:
        raise SystemExit(f"C={concurrency}: {summary.errors} of {articles} articles failed; see {out}")
    return {"wall_s": wall, "cpu_s": cpu, "endpoint_cpu_s": server, "llm_calls": summary.usage.llm_calls,
            "claims": summary.claims}


def profile(n: int) -> None:
    """Where a call's client-side time goes: ``n`` articles, one at a time, zero latency, pyinstrument."""
    with endpoint(latency_s=0.0) as served:
        llm = LLM(LLMSettings(model="fake-model", base_url=served.base_url, api_key="bench"), cache=None)
        runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=1, show_progress=False)
        for article in synthetic_articles(10):
            runner.process(article)
        path = profile_sequential(runner.process, synthetic_articles(n), RESULTS_DIR / "orchestration-profile.txt")
        llm.close()
    print(f"profile: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2, help="endpoint latency L in seconds")
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--in-process", action="store_true", help="run the endpoint in this process")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also profile N articles one at a time (zero latency) with pyinstrument")
    parser.add_argument("--quick", action="store_true", help="100 articles (C=1: 25)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    rows, results = [], []
    with endpoint(latency_s=args.latency, in_process=args.in_process) as served, \
            tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        run_once(served, 20, 8, out)  # warm-up: imports, first connections
        for c in levels:
            n = args.articles if not args.quick else (25 if c == 1 else 100)
            figures = run_once(served, n, c, out)
            calls_per_article = figures["llm_calls"] / n
            throughput = n / figures["wall_s"]
            ideal = c / (args.latency * calls_per_article)
            wave_bound = n / (math.ceil(n / c) * c)
            result = {
                "concurrency": c, "articles": n, **figures, "calls_per_article": calls_per_article,
                "articles_per_s": throughput, "ideal_articles_per_s": ideal, "ratio": throughput / ideal,
                "wave_bound": wave_bound, "cpu_ms_per_article": 1000 * figures["cpu_s"] / n,
                "endpoint_cpu_ms_per_article": 1000 * figures["endpoint_cpu_s"] / n,
                "target": 0.95, "met": throughput / ideal >= 0.95,
            }
            results.append(result)
            rows.append([c, n, throughput, ideal, result["ratio"], wave_bound, result["cpu_ms_per_article"],
                         result["endpoint_cpu_ms_per_article"], "yes" if result["met"] else "no"])
    # The ceiling: with no latency at all, how many articles/s do client and endpoint manage on this machine?
    n = 100 if args.quick else args.articles
    with endpoint(latency_s=0.0, in_process=args.in_process) as served, tempfile.TemporaryDirectory() as tmp:
        figures = run_once(served, n, 8, Path(tmp) / "out.jsonl")
    ceiling = {"concurrency": 8, "articles": n, **figures, "articles_per_s": n / figures["wall_s"],
               "cpu_ms_per_article": 1000 * figures["cpu_s"] / n,
               "endpoint_cpu_ms_per_article": 1000 * figures["endpoint_cpu_s"] / n}
    if args.profile:
        profile(args.profile)
    save_result("orchestration", {
        "latency_s": args.latency, "endpoint": "in-process" if args.in_process else "child process",
        "strategy": "whole_article", "cache": False, "results": results, "ceiling_latency_0": ceiling,
    })
    print(f"orchestration: L = {args.latency * 1000:.0f} ms, endpoint {'in-process' if args.in_process else 'child'}")
    print_table(["C", "articles", "articles/s", "C/L", "ratio", "wave bound", "client CPU ms/art",
                 "endpoint CPU ms/art", "≥0.95"], rows)
    print(f"ceiling (L = 0, C = 8): {ceiling['articles_per_s']:.0f} articles/s, client CPU "
          f"{ceiling['cpu_ms_per_article']:.2f} ms/article, endpoint CPU {ceiling['endpoint_cpu_ms_per_article']:.2f}")


if __name__ == "__main__":
    main()
