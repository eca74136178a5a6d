"""Per-article overhead of the tool over a bare openai-client call to the same endpoint (latency 0).

First the exact request bodies our tool sends (whole_article strategy, one call
per synthetic article) are captured by an in-process FakeEndpoint. Then, against
a zero-latency FakeEndpoint in a child process, two things are timed over the
same N articles, one at a time:

* ours: ``BatchRunner(..., concurrency=1).run`` (article handling, prompt,
  schema, cache key, instructor, grounding gate, output line), no cache;
* bare: ``openai.OpenAI().chat.completions.create(**body)`` for each captured
  body, the response discarded.

Overhead = ours − bare, in ms per article (target ≤ 5 ms). The two alternate
for ``--repeats`` rounds and the median round counts, to damp noise from other
processes; CPU time per article is reported too (it is less sensitive to them).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import openai
from _common import print_table, save_result, synthetic_articles
from _endpoint import endpoint

from extractor.batch import BatchRunner
from extractor.llm import LLM, LLMSettings
from extractor.pipeline import Pipeline
from extractor.strategies.whole_article import WholeArticleStrategy
from support.endpoint import FakeEndpoint, reporting_responder

TARGET_MS = 5.0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def capture_bodies(n: int) -> list[dict[str, Any]]:
    with FakeEndpoint(respond=reporting_responder, history=n + 10) as served:
        llm = LLM(LLMSettings(model="fake-model", base_url=served.base_url, api_key="bench"))
        with tempfile.TemporaryDirectory() as tmp:
            BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=1, show_progress=False).run(
                synthetic_articles(n), Path(tmp) / "capture.jsonl"
            )
        llm.close()
        bodies = list(served.received)
    if len(bodies) != n:
        raise SystemExit(f"expected {n} requests, captured {len(bodies)}")
    return bodies


def time_ours(base_url: str, n: int, out: Path) -> tuple[float, float]:
    llm = LLM(LLMSettings(model="fake-model", base_url=base_url, api_key="bench"), cache=None)
    runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=1, show_progress=False)
    runner.run(synthetic_articles(10), out)  # warm: connection, caches
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    summary = runner.run(synthetic_articles(n), out)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    llm.close()
    if summary.ok != n:
        raise SystemExit(f"{summary.errors} articles failed")
    return 1000 * wall / n, 1000 * cpu / n


def time_bare(base_url: str, bodies: list[dict[str, Any]]) -> tuple[float, float]:
    client = openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0)
    for body in bodies[:10]:
        client.chat.completions.create(**body)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    for body in bodies:
        client.chat.completions.create(**body)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    client.close()
    return 1000 * wall / len(bodies), 1000 * cpu / len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 articles, 2 rounds")
    args = parser.parse_args()
    n, repeats = (200, 2) if args.quick else (args.articles, args.repeats)
    bodies = capture_bodies(n)
    rounds = []
    with endpoint(latency_s=0.0) as served, tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            bare_ms, bare_cpu = time_bare(served.base_url, bodies)
            ours_ms, ours_cpu = time_ours(served.base_url, n, Path(tmp) / "out.jsonl")
            rounds.append({"ours_ms": ours_ms, "ours_cpu_ms": ours_cpu, "bare_ms": bare_ms, "bare_cpu_ms": bare_cpu,
                           "overhead_ms": ours_ms - bare_ms, "overhead_cpu_ms": ours_cpu - bare_cpu})
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    save_result("overhead", {"articles": n, "rounds": rounds, "median": median, "target_ms": TARGET_MS,
                             "met": median["overhead_ms"] <= TARGET_MS})
    print(f"overhead: {n} articles, latency 0, median of {repeats} rounds")
    print_table(["", "ms/article (wall)", "ms/article (CPU)"], [
        ["ours (BatchRunner, C=1)", median["ours_ms"], median["ours_cpu_ms"]],
        ["bare openai call", median["bare_ms"], median["bare_cpu_ms"]],
        ["overhead", median["overhead_ms"], median["overhead_cpu_ms"]],
    ])
    print(f"target ≤ {TARGET_MS} ms: {'met' if median['overhead_ms'] <= TARGET_MS else 'not met'}")


if __name__ == "__main__":
    main()
