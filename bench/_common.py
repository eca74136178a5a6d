"""Shared helpers for the benchmark scripts: synthetic inputs, machine facts, peak memory, result files.

Benchmarks are scripts, never timed unit tests. Each one writes its figures as
JSON under ``bench/results/`` (the latest run wins) and prints a short table;
``bench/run_all.py`` runs them all and prints one table.

Synthetic articles are the five sample articles copied with distinct ids; each
copy ends with its own reference sentence, so its prompt (and cache key) is
distinct too. They are generated lazily, never held as a list.

Importing this module puts the repository root on ``sys.path``: the benchmarks serve
answers with the test suite's stand-in endpoint (``support.endpoint``), which the
package does not ship.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.articles import article_from_plain_text
from extractor.records import Article

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
# The benchmarks' endpoint is the test suite's double (support/), which is not installed.
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))
RESULTS_DIR = BENCH_DIR / "results"
SHARED = REPO.parent / "shared"  # beside the checkout, as the tests and `make run` expect it
SAMPLE_DIR = Path(os.environ.get("EXTRACTOR_SAMPLE_ARTICLES", SHARED / "articles"))
POLNEAR_DEV_TEXT = Path(os.environ.get("EXTRACTOR_POLNEAR_DEV", SHARED / "polnear" / "dev")) / "text"


def sample_texts() -> list[tuple[str, str]]:
    """(stem, text) of the sample articles, sorted by file name."""
    files = sorted(SAMPLE_DIR.glob("*.txt"))
    if not files:
        raise SystemExit(f"no sample articles in {SAMPLE_DIR} (set EXTRACTOR_SAMPLE_ARTICLES)")
    return [(path.stem, path.read_text(encoding="utf-8")) for path in files]


def synthetic_text(samples: list[tuple[str, str]], index: int) -> str:
    """Sample ``index mod len(samples)`` with a closing sentence unique to ``index``."""
    text = samples[index % len(samples)][1].rstrip("\n")
    return f"{text}\n\nThis is archive copy number {index} of the story.\n"


def synthetic_id(index: int) -> str:
    return f"syn-{index:06d}"


def synthetic_articles(count: int, samples: list[tuple[str, str]] | None = None) -> Iterator[Article]:
    """``count`` distinct articles, built one at a time."""
    samples = samples or sample_texts()
    for index in range(count):
        yield article_from_plain_text(synthetic_id(index), synthetic_text(samples, index), f"synthetic:{index}")


def write_jsonl(path: Path, count: int) -> Path:
    """Write ``count`` synthetic articles as JSONL (streamed), for readers that take files."""
    samples = sample_texts()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            record = {"id": synthetic_id(index), "text": synthetic_text(samples, index)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_folder(path: Path, count: int) -> Path:
    """Write ``count`` synthetic articles as one .txt file each."""
    samples = sample_texts()
    path.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (path / f"{synthetic_id(index)}.txt").write_text(synthetic_text(samples, index), encoding="utf-8")
    return path


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except OSError:
        return float("nan")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(ram_gib, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def save_result(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` with the date and machine added."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "loadavg_at_save": [round(x, 2) for x in os.getloadavg()],
        "argv": sys.argv[1:],
        **payload,
    }
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def profile_sequential(process: Any, articles: Iterable[Any], path: Path) -> Path:
    """Profile ``process(article)`` over ``articles`` in this thread with pyinstrument; write the text report.

    The batch runner's work happens in worker threads, which pyinstrument does not sample, so
    profiles call the per-article path directly, one article at a time.
    """
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for article in articles:
        process(article)
    profiler.stop()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    return path


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain aligned table on stdout."""
    cells = [[_fmt(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:  # NaN
            return "n/a"
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)
