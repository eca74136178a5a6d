"""How the review page scales: writing it, and opening it in headless Chromium, for 1,000 and 10,000 articles.

    .venv/bin/python bench/review_scale.py                 # 1,000 and 10,000 articles
    .venv/bin/python bench/review_scale.py --sizes 10000   # one size

The articles are the five sample articles copied with distinct closing
sentences (``_common.write_jsonl``); their claims are the ``baseline``
strategy's for the five originals (extracted once, no model), so every copy has
real, grounded claims. For each size it measures, in one run:

* ``extractor review``: wall and CPU time, peak RSS of the process, size of the HTML;
* Chromium (Debian's, through Playwright, as in the tests): time from starting
  the navigation to the page being ready (index drawn; the page sets
  ``data-ready``), best of 3, with the DOM node count and JS heap at that point;
* opening the last article, applying a stance filter over every article and
  sorting the index by claim count: time spent in the page's script, including
  layout for the article.

Results go to ``bench/results/review_scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, print_table, save_result, synthetic_id, write_jsonl

sys.path.insert(0, str(REPO))  # support.browser: the one place that knows how to start Chromium

from playwright.sync_api import Browser, sync_playwright

from extractor.articles import sha256_text
from extractor.records import ArticleResult
from support.browser import launch_chromium

OPEN_REPEATS = 3
OPEN_ARTICLE_JS = """() => {
  const last = JSON.parse(document.getElementById('review-data').textContent).articles.length - 1;
  history.pushState(null, '', '#/a/' + last);
  const t0 = performance.now();
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  document.getElementById('text-stack').getBoundingClientRect();  // include layout
  return {ms: performance.now() - t0, marks: document.querySelectorAll('mark.hl').length};
}"""
FILTER_JS = """() => {
  history.pushState(null, '', '#/');
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  const select = document.getElementById('f-stance');
  select.value = 'denies';
  const t0 = performance.now();
  select.dispatchEvent(new Event('change'));
  document.getElementById('index-table').getBoundingClientRect();
  const ms = performance.now() - t0;
  const shown = document.getElementById('index-count').textContent;
  select.value = '';
  select.dispatchEvent(new Event('change'));
  return {ms, shown};
}"""
SORT_JS = """() => {
  const button = document.querySelector('button[data-sort="claims"]');
  const t0 = performance.now();
  button.click();
  document.getElementById('index-table').getBoundingClientRect();
  return {ms: performance.now() - t0};
}"""


def extractor_bin() -> str:
    return str(Path(sys.executable).parent / "extractor")


def baseline_predictions(work: Path) -> dict[str, ArticleResult]:
    """The baseline strategy's lines for the five sample articles, by article stem."""
    output = work / "samples.jsonl"
    samples = os.environ.get("EXTRACTOR_SAMPLE_ARTICLES", str(REPO.parent / "shared" / "articles"))
    command = [extractor_bin(), "extract", samples, "-o", str(output), "--strategy", "baseline"]
    subprocess.run([*command, "--cache-dir", str(work / "cache"), "--no-progress"], check=True, capture_output=True)
    lines = [ArticleResult.model_validate_json(line) for line in output.read_text(encoding="utf-8").splitlines()]
    return {Path(line.source).stem: line for line in lines}


def write_predictions(articles: Path, samples: dict[str, ArticleResult], path: Path) -> int:
    """One prediction line per synthetic article: its sample's claims, its own source and text hash."""
    stems = sorted(samples)
    claims = 0
    with articles.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for index, raw in enumerate(source):
            record = json.loads(raw)
            sample = samples[stems[index % len(stems)]]
            line = sample.model_copy(
                update={
                    "id": synthetic_id(index),
                    "source": f"{articles}:{index + 1}",
                    "text_sha256": sha256_text(record["text"]),
                }
            )
            claims += len(line.claims)
            out.write(line.model_dump_json() + "\n")
    return claims


def run_review(predictions: Path, page: Path) -> dict[str, Any]:
    started = time.perf_counter()
    child = subprocess.Popen(
        [extractor_bin(), "review", str(predictions), "-o", str(page)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"extractor review failed: {child.stderr.read().decode() if child.stderr else status}")
    return {
        "review_seconds": round(seconds, 2),
        "review_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "review_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "html_mib": round(page.stat().st_size / (1 << 20), 1),
    }


def measure_browser(browser: Browser, page_path: Path) -> dict[str, Any]:
    opens: list[float] = []
    ready_in_page: list[float] = []
    details: dict[str, Any] = {}
    for _ in range(OPEN_REPEATS):
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        started = time.perf_counter()
        page.goto(page_path.as_uri(), timeout=120_000)
        page.wait_for_selector("html[data-ready]", timeout=120_000)
        opens.append(time.perf_counter() - started)
        ready_in_page.append(page.evaluate("window.reviewReadyAt") / 1000)
        if not details:
            session = context.new_cdp_session(page)
            session.send("Performance.enable")
            metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
            details = {
                "dom_nodes_at_ready": int(metrics.get("Nodes", 0)),
                "js_heap_used_mib_at_ready": round(metrics.get("JSHeapUsedSize", 0) / (1 << 20), 1),
                "rows_drawn_at_ready": page.locator("tr.row").count(),
                "marks_drawn_at_ready": page.locator("mark").count(),
            }
            opened = page.evaluate(OPEN_ARTICLE_JS)
            filtered = page.evaluate(FILTER_JS)
            details |= {
                "open_last_article_ms": round(opened["ms"], 1),
                "marks_in_opened_article": opened["marks"],
                "stance_filter_ms": round(filtered["ms"], 1),
                "stance_filter_result": filtered["shown"],
                "sort_by_claims_ms": round(page.evaluate(SORT_JS)["ms"], 1),
            }
        context.close()
    return {
        "open_to_ready_s_best": round(min(opens), 2),
        "open_to_ready_s_median": round(statistics.median(opens), 2),
        "ready_after_navigation_start_s_best": round(min(ready_in_page), 2),
        **details,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated article counts")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="review-scale-") as folder, sync_playwright() as playwright:
        work = Path(folder)
        samples = baseline_predictions(work)
        browser = launch_chromium(playwright)
        for size in sizes:
            articles = write_jsonl(work / f"articles-{size}.jsonl", size)
            predictions = work / f"predictions-{size}.jsonl"
            claims = write_predictions(articles, samples, predictions)
            page = work / f"review-{size}.html"
            row: dict[str, Any] = {"articles": size, "claims": claims, **run_review(predictions, page)}
            row |= measure_browser(browser, page)
            results.append(row)
            print(json.dumps(row), flush=True)
        browser.close()
        chromium = browser.version
    path = save_result("review_scale", {"chromium": chromium, "results": results})
    print_table(
        [
            *("articles", "review s", "review CPU s", "HTML MiB", "open→ready s", "DOM nodes"),
            *("open article ms", "filter ms", "sort ms"),
        ],
        [
            [
                r["articles"],
                r["review_seconds"],
                r["review_cpu_seconds"],
                r["html_mib"],
                r["open_to_ready_s_best"],
                r["dom_nodes_at_ready"],
                r["open_last_article_ms"],
                r["stance_filter_ms"],
                r["sort_by_claims_ms"],
            ]
            for r in results
        ],
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
