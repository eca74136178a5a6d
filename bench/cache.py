"""Cached re-runs: how fast does a batch go when every answer is already in the response cache?

Phase 1 populates a fresh cache: N synthetic articles (default 10,000, in a
JSONL file) through the whole_article strategy against a zero-latency
FakeEndpoint. Phase 2, in a fresh child process so its memory figures are its
own, runs the same batch again (same endpoint URL, so the same cache keys) and
measures articles/s (target ≥ 2,000/s on 2 cores) and peak RSS
(``getrusage``), plus the RSS after imports, before the batch. The re-run must
make no model call. ``--profile`` profiles the cached per-article path with pyinstrument, one
article at a time (``bench/results/cache-profile.txt``). The C = 1 child also times each stage of
the cached path (microseconds per article, sequential, by wrapping the real
functions). ``--tracemalloc`` reports Python
allocations' peak in phase 2 (slower; a separate figure).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    RESULTS_DIR,
    current_rss_mib,
    peak_rss_mib,
    print_table,
    profile_sequential,
    save_result,
    write_jsonl,
)
from _endpoint import endpoint

BREAKDOWN_ARTICLES = 2000


def breakdown(runner: Any, inputs: Path, out: Path, limit: int = BREAKDOWN_ARTICLES) -> dict[str, float]:
    """Microseconds per article in each stage of the cached path, timed by wrapping the real functions.

    Stages nest (``llm.complete`` holds the cache key and the cache read; ``strategy.extract`` holds
    everything but reading, the output line and its write), so they do not add up to the total.
    """
    import itertools
    from contextlib import ExitStack
    from unittest import mock

    from extractor import grounding, llm, pipeline
    from extractor.articles import read_articles
    from extractor.cache import ResponseCache
    from extractor.strategies import whole_article

    totals: dict[str, float] = {}

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                totals[name] = totals.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    targets = [
        (grounding, "sentence_spans", "sentence split (spaCy sentencizer)"),
        (whole_article.WholeArticleStrategy, "render", "prompt render"),
        (whole_article, "response_model", "response model (lru-cached)"),
        (llm, "_key_schema", "schema for the key (lru-cached)"),
        (llm, "cache_key", "cache key (canonical JSON + sha256)"),
        (ResponseCache, "get", "diskcache get"),
        (llm.LLM, "complete", "llm.complete (key + get + validate)"),
        (whole_article.WholeArticleStrategy, "to_claim", "claims from answers (grounding)"),
        (whole_article.WholeArticleStrategy, "extract", "strategy.extract"),
        (pipeline, "sha256_text", "article sha256"),
        (pipeline.Pipeline, "_memo_key", "article result key (settings + sha256)"),
        (pipeline.Pipeline, "_remembered", "stored article result (get + validate)"),
        (pipeline.Pipeline, "process", "Pipeline.process (all but read/write)"),
        (_LineWriter, "write", "output line (JSON + write)"),
    ]
    articles = list(itertools.islice(read_articles([inputs]), limit))  # read once, timed below
    output = _LineWriter(out)
    with ExitStack() as stack:
        for owner, attribute, label in targets:
            stack.enter_context(mock.patch.object(owner, attribute, timed(label, getattr(owner, attribute))))
        started = time.perf_counter()
        for article in articles:
            output.write(runner.engine.process(article))
        total = time.perf_counter() - started
    output.close()
    started = time.perf_counter()
    for _ in itertools.islice(read_articles([inputs]), limit):
        pass
    reading = time.perf_counter() - started
    n = len(articles)
    stages = {label: 1e6 * seconds / n for label, seconds in totals.items()}
    stages["reading the JSONL (parse + header)"] = 1e6 * reading / n
    stages["total (sequential, incl. reading)"] = 1e6 * (total + reading) / n
    return stages


class _LineWriter:
    """An output line's cost as the batch pays it (JSON + write), without the batch file's lock and rename."""

    def __init__(self, out: Path) -> None:
        self._handle = out.open("w", encoding="utf-8")

    def write(self, result: Any) -> None:
        self._handle.write(result.model_dump_json() + "\n")

    def close(self) -> None:
        self._handle.close()


def _run_child(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run one measuring child; on failure, exit with what it printed (not just its exit status)."""
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"the measuring child failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return completed


def run_batch(
    inputs: Path, out: Path, cache_dir: Path, base_url: str, concurrency: int, *, profile: bool = False,
    trace: bool = False,
) -> dict[str, Any]:
    from extractor.articles import read_articles
    from extractor.batch import BatchRunner
    from extractor.cache import ResponseCache
    from extractor.llm import LLM, LLMSettings
    from extractor.pipeline import Pipeline
    from extractor.strategies.whole_article import WholeArticleStrategy

    cache = ResponseCache(cache_dir)
    llm = LLM(LLMSettings(model="fake-model", base_url=base_url, api_key="bench"), cache=cache)
    runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False)
    rss_before = current_rss_mib()
    if trace:
        import tracemalloc

        tracemalloc.start()
    started = time.perf_counter()
    summary = runner.run(read_articles([inputs]), out)
    wall = time.perf_counter() - started
    traced_peak = None
    if trace:
        import tracemalloc

        traced_peak = tracemalloc.get_traced_memory()[1] / (1 << 20)
        tracemalloc.stop()
    peak = peak_rss_mib()
    stages = breakdown(runner, inputs, out.with_suffix(".breakdown.jsonl")) if concurrency == 1 else None
    if profile:  # after the timed run, one article at a time (the cache is warm either way)
        profile_sequential(runner.engine.process, read_articles([inputs]), RESULTS_DIR / "cache-profile.txt")
    llm.close()
    cache.close()
    return {
        "articles": summary.articles, "ok": summary.ok, "wall_s": wall, "articles_per_s": summary.articles / wall,
        "llm_calls": summary.usage.llm_calls, "cache_hits": summary.usage.cache_hits,
        "rss_before_mib": rss_before, "peak_rss_mib": peak, "tracemalloc_peak_mib": traced_peak,
        "stages_us_per_article": stages,
    }


def child(args: argparse.Namespace) -> None:
    """Phase 2 in its own process: print the figures as JSON on the last line."""
    figures = run_batch(
        Path(args.inputs), Path(args.out), Path(args.cache_dir), args.base_url, args.concurrency,
        profile=args.profile, trace=args.tracemalloc,
    )
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--concurrency", default="1,4", help="concurrency levels for the cached re-run")
    parser.add_argument("--populate-concurrency", type=int, default=16)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--quick", action="store_true", help="1,000 articles")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inputs", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.concurrency = int(args.concurrency)
        child(args)
        return
    n = 1_000 if args.quick else args.articles
    levels = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp, endpoint(latency_s=0.0) as served:
        root = Path(tmp)
        inputs = write_jsonl(root / "articles.jsonl", n)
        started = time.perf_counter()
        populate = run_batch(inputs, root / "populate.jsonl", root / "cache", served.base_url,
                             args.populate_concurrency)
        populate["wall_s"] = time.perf_counter() - started
        if populate["ok"] != n or populate["llm_calls"] != n:
            raise SystemExit(f"populating the cache went wrong: {populate}")
        reruns = []
        for c in levels:
            command = [
                sys.executable, __file__, "--child", "--inputs", str(inputs), "--out", str(root / f"rerun-{c}.jsonl"),
                "--cache-dir", str(root / "cache"), "--base-url", served.base_url, "--concurrency", str(c),
            ]
            if args.profile and c == levels[0]:
                command.append("--profile")
            completed = _run_child(command)
            figures = json.loads(completed.stdout.strip().splitlines()[-1])
            if figures["llm_calls"] or figures["cache_hits"] != n:
                raise SystemExit(f"the re-run was not served from the cache: {figures}")
            reruns.append({"concurrency": c, **figures, "target_articles_per_s": 2000,
                           "met": figures["articles_per_s"] >= 2000})
        traced = None
        if args.tracemalloc:
            command = [
                sys.executable, __file__, "--child", "--inputs", str(inputs), "--out", str(root / "trace.jsonl"),
                "--cache-dir", str(root / "cache"), "--base-url", served.base_url, "--concurrency", str(levels[0]),
                "--tracemalloc",
            ]
            completed = _run_child(command)
            traced = json.loads(completed.stdout.strip().splitlines()[-1])["tracemalloc_peak_mib"]
    save_result("cache", {"articles": n, "populate": populate, "reruns": reruns, "tracemalloc_peak_mib": traced})
    print(f"cache: {n:,} articles, populated in {populate['wall_s']:.1f} s")
    print_table(
        ["C", "articles/s", "target", "peak RSS MiB", "RSS before MiB", "model calls", "met"],
        [[r["concurrency"], r["articles_per_s"], 2000, r["peak_rss_mib"], r["rss_before_mib"], r["llm_calls"],
          "yes" if r["met"] else "no"] for r in reruns],
    )
    if traced is not None:
        print(f"tracemalloc peak (C={levels[0]}): {traced:.1f} MiB")
    stages = next((r["stages_us_per_article"] for r in reruns if r.get("stages_us_per_article")), None)
    if stages:
        print(f"where a cached article's time goes (sequential, first {BREAKDOWN_ARTICLES:,} articles):")
        print_table(["stage", "µs/article"], [[k, v] for k, v in stages.items()])


if __name__ == "__main__":
    main()
