"""Run the whole benchmark and print one table of the headline figures.

    .venv/bin/python bench/run_all.py            # full sizes (about 15 minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick    # fewer articles (about 3 minutes)
    .venv/bin/python bench/run_all.py --only cache,overhead
    .venv/bin/python bench/run_all.py --table    # no runs: the table from bench/results/*.json

Each benchmark runs as its own process (so peak-memory figures are per
benchmark) and writes ``bench/results/<name>.json``; the table is built from
those files. The local-model side-by-side (``bench/local_side_by_side.py``)
takes hours, so it runs only with ``--local``; its latest results are shown
either way. While a side-by-side runs in the background, this script asks it to
wait between articles (``bench/results/local/PAUSE``) so neither skews the other.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, RESULTS_DIR, machine, print_table

BENCHMARKS = ("orchestration", "peer_langextract", "cache", "memory", "overhead")
LOCAL_DIR = RESULTS_DIR / "local"


def load(name: str) -> dict[str, Any] | None:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def rows() -> list[list[Any]]:
    table: list[list[Any]] = []
    if result := load("orchestration"):
        latency = result["latency_s"]
        for r in result["results"]:
            table.append([f"orchestration, C={r['concurrency']}, L={latency * 1000:.0f} ms",
                          f"{r['articles_per_s']:.1f} art/s ÷ C/L = {r['ratio']:.3f}", "≥ 0.95",
                          _met(r["met"]), result["date"]])
    if result := load("peer_langextract"):
        for r in result["results"]:
            table.append([f"ours ÷ LangExtract 1.7.1, C={r['concurrency']}",
                          f"{r['ours']['articles_per_s']:.1f} / {r['langextract']['articles_per_s']:.1f} art/s = "
                          f"{r['ratio']:.2f}", "—", "", result["date"]])
    if result := load("cache"):
        for r in result["reruns"]:
            table.append([f"cached re-run of {result['articles']:,} articles, C={r['concurrency']}",
                          f"{r['articles_per_s']:,.0f} art/s, peak RSS {r['peak_rss_mib']:.0f} MiB", "≥ 2,000 art/s",
                          _met(r["met"]), result["date"]])
    if result := load("memory"):
        for c in result["comparisons"]:
            table.append([f"peak RSS {c['small']:,} → {c['large']:,} articles ({c['input']})",
                          f"{c['peak_small_mib']:.0f} → {c['peak_large_mib']:.0f} MiB ({100 * c['growth']:+.1f} %)",
                          "flat (≤ +10 %)", _met(c["flat"]), result["date"]])
    if result := load("overhead"):
        m = result["median"]
        table.append(["per-article overhead vs bare openai call (L=0)",
                      f"{m['ours_ms']:.2f} − {m['bare_ms']:.2f} = {m['overhead_ms']:.2f} ms", "≤ 5 ms",
                      _met(result["met"]), result["date"]])
    if result := load("local_side_by_side"):
        for name, r in result.get("systems", {}).items():
            metrics = r.get("metrics") or {}
            f1 = metrics.get("overlap_f1_micro")
            tokens = r.get("output_tokens_per_claim")
            table.append([f"local {result['model']}: {name} ({r['articles']} articles)",
                          f"{r['seconds_per_article']:.1f} s/art, {r['llm_calls_per_article']:.1f} calls/art, "
                          f"{tokens:.1f} out tok/claim, " if tokens else
                          f"{r['seconds_per_article']:.1f} s/art, {r['llm_calls_per_article']:.1f} calls/art, ",
                          "", "", result["date"]])
            table[-1][1] += f"overlap F1 {f1:.3f}" if isinstance(f1, int | float) else "F1 n/a"
    return table


def _met(value: bool) -> str:
    return "met" if value else "NOT met"


def pause_local_run() -> bool:
    """Ask a background side-by-side run to wait; True when one is running and now waits."""
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    running = any(
        "local_side_by_side.py" in _cmdline(pid) for pid in os.listdir("/proc") if pid.isdigit()
    ) if Path("/proc").exists() else False
    if not running:
        return False
    (LOCAL_DIR / "PAUSE").touch()
    print("a local side-by-side run is in progress: waiting for it to pause between articles…", flush=True)
    while not (LOCAL_DIR / "PAUSED").exists():
        time.sleep(2)
    return True


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer articles in every benchmark")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {BENCHMARKS}")
    parser.add_argument("--local", action="store_true", help="also run the local-model side-by-side (hours)")
    parser.add_argument("--table", action="store_true", help="print the table from saved results, run nothing")
    args = parser.parse_args()
    if not args.table:
        chosen = [b.strip() for b in args.only.split(",") if b.strip()]
        unknown = sorted(set(chosen) - set(BENCHMARKS))
        if unknown:
            raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}")
        paused = pause_local_run()
        try:
            for name in chosen:
                command = [sys.executable, str(BENCH_DIR / f"{name}.py"), *(["--quick"] if args.quick else [])]
                print(f"\n$ {' '.join(command[1:])}", flush=True)
                started = time.perf_counter()
                subprocess.run(command, check=True)
                print(f"({time.perf_counter() - started:.0f} s)", flush=True)
        finally:
            if paused:
                (LOCAL_DIR / "PAUSE").unlink(missing_ok=True)
        if args.local:
            subprocess.run([sys.executable, str(BENCH_DIR / "local_side_by_side.py")], check=True)
    info = machine()
    print(f"\nmachine: {info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB RAM, Python {info['python']}; "
          f"load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_table(["benchmark", "figure", "target", "", "measured (UTC)"], rows())


if __name__ == "__main__":
    main()
