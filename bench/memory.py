"""Memory at scale: peak RSS of a batch of 1,000 vs 10,000 articles (it should stay flat).

Each batch runs in its own child process (peak RSS is per process) with the
whole_article strategy, no cache, concurrency 8, against a zero-latency
FakeEndpoint in another process. Articles are streamed from one JSONL file and,
separately, from a folder of .txt files. Reported per input kind: peak RSS
(``getrusage``) at each size, RSS after imports and set-up, and the growth
from the small to the large batch. "Flat" here means the large batch's peak is
within 10 % of the small one's.
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

from _common import current_rss_mib, peak_rss_mib, print_table, save_result, write_folder, write_jsonl
from _endpoint import endpoint

FLAT_TOLERANCE = 0.10


def child(inputs: Path, out: Path, base_url: str, concurrency: int) -> dict[str, Any]:
    from extractor.articles import read_articles
    from extractor.batch import BatchRunner
    from extractor.llm import LLM, LLMSettings
    from extractor.pipeline import Pipeline
    from extractor.strategies.whole_article import WholeArticleStrategy

    llm = LLM(LLMSettings(model="fake-model", base_url=base_url, api_key="bench"), cache=None)
    runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False)
    rss_before = current_rss_mib()
    started = time.perf_counter()
    summary = runner.run(read_articles([inputs]), out)
    wall = time.perf_counter() - started
    llm.close()
    return {
        "articles": summary.articles, "ok": summary.ok, "wall_s": wall, "rss_before_mib": rss_before,
        "rss_after_mib": current_rss_mib(), "peak_rss_mib": peak_rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--inputs", default="jsonl,folder", help="input kinds: jsonl, folder")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="sizes 200 and 2,000, JSONL only")
    parser.add_argument("--child", nargs=4, metavar=("INPUTS", "OUT", "BASE_URL", "C"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inputs, out, base_url, concurrency = args.child
        print(json.dumps(child(Path(inputs), Path(out), base_url, int(concurrency))))
        return
    sizes = [200, 2000] if args.quick else [int(s) for s in args.sizes.split(",")]
    kinds = ["jsonl"] if args.quick else [k.strip() for k in args.inputs.split(",")]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, endpoint(latency_s=0.0) as served:
        root = Path(tmp)
        for kind in kinds:
            for n in sizes:
                inputs = write_jsonl(root / f"a{n}.jsonl", n) if kind == "jsonl" else write_folder(root / f"d{n}", n)
                command = [sys.executable, __file__, "--child", str(inputs), str(root / f"out-{kind}-{n}.jsonl"),
                           served.base_url, str(args.concurrency)]
                completed = subprocess.run(command, capture_output=True, text=True, check=True)
                figures = json.loads(completed.stdout.strip().splitlines()[-1])
                if figures["ok"] != n:
                    raise SystemExit(f"{kind} {n}: only {figures['ok']} articles ok")
                results.append({"input": kind, "size": n, **figures})
    comparisons = []
    for kind in kinds:
        rows = [r for r in results if r["input"] == kind]
        small, large = rows[0], rows[-1]
        growth = large["peak_rss_mib"] / small["peak_rss_mib"] - 1
        comparisons.append({
            "input": kind, "small": small["size"], "large": large["size"],
            "peak_small_mib": small["peak_rss_mib"], "peak_large_mib": large["peak_rss_mib"],
            "growth": growth, "flat": growth <= FLAT_TOLERANCE,
        })
    save_result("memory", {"concurrency": args.concurrency, "runs": results, "comparisons": comparisons,
                           "flat_tolerance": FLAT_TOLERANCE})
    print_table(["input", "articles", "peak RSS MiB", "RSS before MiB", "s"],
                [[r["input"], r["size"], r["peak_rss_mib"], r["rss_before_mib"], r["wall_s"]] for r in results])
    print_table(["input", "peak small → large (MiB)", "growth", "flat (≤10 %)"],
                [[c["input"], f"{c['peak_small_mib']:.1f} → {c['peak_large_mib']:.1f}", f"{100 * c['growth']:+.1f} %",
                  "yes" if c["flat"] else "no"] for c in comparisons])


if __name__ == "__main__":
    main()
