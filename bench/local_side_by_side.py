"""Side by side on the embedded local model: our strategies and LangExtract, same server, same articles.

Articles: the five sample articles and ``--dev-count`` PolNeAR dev articles
(spread evenly over the sorted dev gold). For each system this records seconds
per article, LLM calls per article, output tokens per claim and the eval
harness's scores (``extractor eval`` on a gold file restricted to these
articles). LangExtract runs through its OpenAI-compatible provider with
``use_schema_constraints=False`` (the server rejects ``json_schema``), one task
description and one example, and caps (``--lx-max-char-buffer``,
``--lx-max-output-tokens``) so no chunk can generate for minutes; its
extractions are converted to our output lines with offsets from
``char_interval`` (see ``bench/_langextract.py``).

The model does about 10 tokens/s on two cores, so this takes a long time: run
it once, in the background. Every system's predictions, eval report and
figures are kept under ``bench/results/local/`` and the summary in
``bench/results/local_side_by_side.json``; a later run with ``--systems`` adds
to that summary instead of replacing the other systems.

Scores come for all 25 articles and, each from its own ``extractor eval`` report
(``eval-<system>-seeds``, ``eval-<system>-dev``), for the seeds and the dev
articles apart; ``--rescore`` scores stored predictions again without running.

``--resume`` continues an interrupted run: each system keeps the articles it
already did ok and redoes the rest (wall seconds then cover the resumed part
only; seconds per article are per article either way).

Sharing the machine: while the file ``bench/results/local/PAUSE`` exists the run
waits between articles (it writes ``bench/results/local/PAUSED`` while waiting),
so CPU-bound benchmarks can run in between without skewing either. Seconds per
article are summed per article, so the wait is not counted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import POLNEAR_DEV_TEXT, REPO, RESULTS_DIR, print_table, save_result

from extractor.articles import read_articles
from extractor.records import Article, ArticleResult, Usage

LOCAL_DIR = RESULTS_DIR / "local"
PAUSE_FILE = LOCAL_DIR / "PAUSE"
PAUSED_FILE = LOCAL_DIR / "PAUSED"
SEED_GOLD = REPO / "tests" / "gold" / "seeds.jsonl"
DEV_GOLD = REPO / "tests" / "gold" / "polnear-dev.jsonl"
OUR_STRATEGIES = ("baseline", "whole_article", "guided", "guided_full")


def wait_while_paused() -> None:
    if not PAUSE_FILE.exists():
        return
    PAUSED_FILE.write_text(str(os.getpid()), encoding="utf-8")
    try:
        while PAUSE_FILE.exists():
            time.sleep(1.0)
    finally:
        PAUSED_FILE.unlink(missing_ok=True)


def pausable(articles: list[Article]) -> Iterator[Article]:
    for article in articles:
        wait_while_paused()
        yield article


def gold_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def choose_articles(dev_count: int) -> tuple[list[Article], list[dict[str, Any]]]:
    """Seed articles plus ``dev_count`` dev articles spread over the sorted dev gold; their gold lines."""
    seeds = gold_lines(SEED_GOLD)
    dev = sorted(gold_lines(DEV_GOLD), key=lambda g: g["id"])
    dev = [g for g in dev if (POLNEAR_DEV_TEXT / f"{g['id']}.txt").exists()]
    if dev_count and dev:
        step = len(dev) / dev_count
        dev = [dev[int(i * step)] for i in range(min(dev_count, len(dev)))]
    else:
        dev = []
    return articles_of([(SEED_GOLD, g) for g in seeds] + [(DEV_GOLD, g) for g in dev])


def articles_of(lines: list[tuple[Path, dict[str, Any]]]) -> tuple[list[Article], list[dict[str, Any]]]:
    """The articles of ``(gold file, gold line)`` pairs, with the gold's ids and publication dates."""
    gold: list[dict[str, Any]] = []
    paths: list[Path] = []
    for gold_file, line in lines:
        source = Path(line["source"])  # relative to its gold file, as `extractor eval` reads it
        absolute = source if source.is_absolute() else (gold_file.parent / source).resolve()
        gold.append({**line, "source": str(absolute)})
        paths.append(absolute)
    articles = [item for item in read_articles(paths) if isinstance(item, Article)]
    if len(articles) != len(paths):
        raise SystemExit("some benchmark articles could not be read")
    # A file's id is its path as given; the gold ids are the file stems, so the articles take the gold ids.
    gold_id = {g["source"]: g["id"] for g in gold}
    missing = [a.source for a in articles if a.source not in gold_id]
    if missing:
        raise SystemExit(f"articles without gold: {missing}")
    published = {g["source"]: dt.date.fromisoformat(g["published"]) if g.get("published") else None for g in gold}
    return [
        a.model_copy(update={"id": gold_id[a.source], "published": published[a.source] or a.published})
        for a in articles
    ], gold


def available_strategies(requested: list[str]) -> tuple[list[str], dict[str, str]]:
    from extractor.strategies import get_strategy

    ready, skipped = [], {}
    for name in requested:
        try:
            get_strategy(name)
        except Exception as exc:  # a strategy still being written: skip it, say why
            skipped[name] = f"{type(exc).__name__}: {exc}"
            continue
        ready.append(name)
    return ready, skipped


def run_ours(
    name: str, articles: list[Article], server: Any, out: Path, timeout_s: float, resume: bool
) -> dict[str, Any]:
    from extractor.batch import BatchRunner
    from extractor.llm import LLM, LLMSettings
    from extractor.pipeline import Pipeline
    from extractor.strategies import get_strategy

    strategy = get_strategy(name)
    # A long timeout: on a shared 2-core machine a request can queue behind others for minutes, and a
    # timed-out request keeps the (serialising) server busy while its retry waits behind it.
    llm = LLM(LLMSettings(model=server.model_name, base_url=server.base_url, mode="tools", timeout_s=timeout_s))
    try:
        summary = BatchRunner(Pipeline(strategy, llm, local_server=server), concurrency=1, show_progress=False).run(
            pausable(articles), out, resume=resume
        )
    finally:
        llm.close()
    results = [ArticleResult.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return figures(name, results, summary.wall_seconds)


def run_langextract(
    articles: list[Article], server: Any, out: Path, *, max_char_buffer: int, max_output_tokens: int, resume: bool
) -> dict[str, Any]:
    import _langextract as peer
    from langextract.core import data as lx_data

    model, counter = peer.make_model(
        base_url=server.base_url, model_id=server.model_name, max_workers=1, max_output_tokens=max_output_tokens
    )
    results: list[ArticleResult] = []
    if resume and out.exists():  # keep the articles done ok, as BatchRunner's --resume does
        lines = [ArticleResult.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
        results = [line for line in lines if line.status == "ok"]
        out.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    else:
        out.unlink(missing_ok=True)
    done = {r.id for r in results}
    started_all = time.perf_counter()
    paused_s = 0.0
    with out.open("a", encoding="utf-8") as handle:
        for article in articles:
            if article.id in done:
                continue
            before_wait = time.perf_counter()
            wait_while_paused()
            paused_s += time.perf_counter() - before_wait
            calls0, prompt0, completion0 = counter.snapshot()
            started = time.perf_counter()
            annotated, error = None, None
            try:
                annotated = peer.extract(
                    model, [lx_data.Document(text=article.text, document_id=article.id)],
                    max_char_buffer=max_char_buffer, max_workers=1,
                )[0]
            except Exception as exc:  # one article's failure is a line, as in our runner
                error = f"{type(exc).__name__}: {str(exc)[:300]}"
                if not server.alive():
                    server.ensure_running()
            seconds = time.perf_counter() - started
            calls1, prompt1, completion1 = counter.snapshot()
            usage = Usage(
                llm_calls=calls1 - calls0, prompt_tokens=prompt1 - prompt0, completion_tokens=completion1 - completion0
            )
            result = peer.to_article_result(
                article, annotated, model_id=server.model_name, endpoint=server.base_url, seconds=seconds,
                usage=usage, error=error,
            )
            handle.write(result.model_dump_json() + "\n")
            handle.flush()
            results.append(result)
            print(f"  langextract {article.id}: {seconds:.1f}s, {len(result.claims)} claims, {result.status}",
                  flush=True)
    return figures("langextract", results, time.perf_counter() - started_all - paused_s)


def figures(system: str, results: list[ArticleResult], wall_s: float) -> dict[str, Any]:
    usage = Usage()
    for result in results:
        usage.add(result.usage)
    n = len(results) or 1
    claims = sum(len(r.claims) for r in results)
    return {
        "system": system,
        "articles": len(results),
        "errors": sum(r.status == "error" for r in results),
        "claims": claims,
        "seconds_per_article": sum(r.seconds for r in results) / n,
        "wall_seconds": wall_s,
        "llm_calls_per_article": usage.llm_calls / n,
        "completion_tokens": usage.completion_tokens,
        "prompt_tokens": usage.prompt_tokens,
        "output_tokens_per_claim": usage.completion_tokens / claims if claims else None,
        "reasks": usage.reasks,
        "transport_retries": usage.transport_retries,
        "dropped_ungrounded": sum(r.dropped_ungrounded for r in results),
        "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def score(gold: Path, pred: Path, report_dir: Path) -> dict[str, Any]:
    """F1 and friends from ``extractor eval`` (the library call when the CLI has no ``eval`` yet)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    cli = shutil.which("extractor") or str(Path(sys.executable).with_name("extractor"))
    command = [cli, "eval", "--gold", str(gold), "--pred", str(pred), "--report-dir", str(report_dir)]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False)
    how = "extractor eval"
    if completed.returncode == 2 and "No such command" in (completed.stderr + completed.stdout):
        from extractor.evaluation.gold import load_gold
        from extractor.evaluation.metrics import evaluate
        from extractor.evaluation.predictions import load_predictions
        from extractor.evaluation.reports import write_reports

        write_reports(evaluate(load_gold(gold), load_predictions(pred)), report_dir)
        how = "extractor.evaluation (library; CLI had no eval command)"
    elif completed.returncode not in (0, 1):
        return {"eval_error": (completed.stderr or completed.stdout).strip()[-500:]}
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return {"eval_via": how, "metrics": report.get("metrics", report)}


def score_parts(name: str, pred: Path, gold: list[dict[str, Any]]) -> dict[str, Any]:
    """Scores and cost figures on the seeds and on the dev articles separately (each its own eval report)."""
    seed_ids = {g["id"] for g in gold_lines(SEED_GOLD)}
    results = {
        r.id: r
        for r in (ArticleResult.model_validate_json(line) for line in pred.read_text(encoding="utf-8").splitlines())
    }
    parts: dict[str, Any] = {}
    for part, lines in (("seeds", [g for g in gold if g["id"] in seed_ids]),
                        ("dev", [g for g in gold if g["id"] not in seed_ids])):
        if not lines:
            continue
        part_gold = LOCAL_DIR / f"gold-{part}.jsonl"
        part_gold.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in lines), encoding="utf-8")
        done = [results[g["id"]] for g in lines if g["id"] in results]
        figures_ = figures(name, done, 0.0)
        del figures_["wall_seconds"], figures_["loadavg_at_end"]
        figures_["output_tokens_per_article"] = figures_["completion_tokens"] / (len(done) or 1)
        parts[part] = {**figures_, **score(part_gold, pred, LOCAL_DIR / f"eval-{name}-{part}")}
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-0.5b")
    parser.add_argument("--systems", default=",".join((*OUR_STRATEGIES, "langextract")))
    parser.add_argument("--dev-count", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model request (ours)")
    parser.add_argument("--resume", action="store_true",
                        help="keep each system's articles already done ok (an interrupted run); redo the rest")
    parser.add_argument("--threads", type=int, default=None,
                        help="llama.cpp threads (default: all cores; 1 when another model server shares the CPUs)")
    parser.add_argument("--rescore", action="store_true",
                        help="run nothing: score the stored predictions of --systems again (per part too)")
    parser.add_argument("--lx-max-char-buffer", type=int, default=2000)
    parser.add_argument("--lx-max-output-tokens", type=int, default=512)
    parser.add_argument("--gold", type=Path, default=None,
                        help="run on every article of this gold file instead (e.g. tests/gold/guideline/choose.jsonl); "
                        "results under bench/results/local/<its stem>/, summary local_side_by_side-<stem>.json")
    args = parser.parse_args()

    from extractor.local_model import LocalServer

    global LOCAL_DIR, PAUSE_FILE, PAUSED_FILE
    summary_name = "local_side_by_side"
    if args.gold is not None:
        # Another gold set (the guideline gold of issue #24): its own folder, so the seeds/dev run stands.
        summary_name = f"local_side_by_side-{args.gold.stem}"
        LOCAL_DIR = LOCAL_DIR / args.gold.stem
        PAUSE_FILE, PAUSED_FILE = LOCAL_DIR / "PAUSE", LOCAL_DIR / "PAUSED"
        articles, gold = articles_of([(args.gold, g) for g in gold_lines(args.gold)])
    else:
        articles, gold = choose_articles(args.dev_count)
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    gold_path = LOCAL_DIR / "gold.jsonl"
    gold_path.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    requested = [s.strip() for s in args.systems.split(",") if s.strip()]
    ours, skipped = available_strategies([s for s in requested if s != "langextract"])
    summary_path = RESULTS_DIR / f"{summary_name}.json"
    previous = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    systems: dict[str, Any] = dict(previous.get("systems", {}))
    for name, why in skipped.items():
        print(f"skipping {name}: {why}", flush=True)

    def save() -> None:
        save_result(summary_name, {
            "model": args.model, "n_threads": args.threads or os.cpu_count(), "timeout_s": args.timeout,
            "articles": [a.id for a in articles], "gold": str(gold_path),
            "langextract": {"max_char_buffer": args.lx_max_char_buffer, "max_output_tokens": args.lx_max_output_tokens,
                            "use_schema_constraints": False, "examples": 1},
            "skipped": skipped, "systems": systems,
        })

    if args.rescore:
        for name in requested:
            pred = LOCAL_DIR / f"{name}.jsonl"
            if name in systems and pred.exists():
                lines = pred.read_text(encoding="utf-8").splitlines()
                results = [ArticleResult.model_validate_json(line) for line in lines]
                kept = {key: systems[name][key] for key in ("wall_seconds", "loadavg_at_end") if key in systems[name]}
                systems[name].update({**figures(name, results, 0.0), **kept})
                systems[name].update(score(gold_path, pred, LOCAL_DIR / f"eval-{name}"))
                if args.gold is None:
                    systems[name]["parts"] = score_parts(name, pred, gold)
        save()
        return

    with LocalServer(args.model, n_threads=args.threads) as server:
        for name in [*ours, *(["langextract"] if "langextract" in requested else [])]:
            pred = LOCAL_DIR / f"{name}.jsonl"
            print(f"== {name} on {len(articles)} articles", flush=True)
            if name == "langextract":
                result = run_langextract(
                    articles, server, pred,
                    max_char_buffer=args.lx_max_char_buffer, max_output_tokens=args.lx_max_output_tokens,
                    resume=args.resume,
                )
            else:
                result = run_ours(name, articles, server, pred, args.timeout, args.resume)
            result.update(score(gold_path, pred, LOCAL_DIR / f"eval-{name}"))
            if args.gold is None:
                result["parts"] = score_parts(name, pred, gold)
            systems[name] = result
            save()
            print(json.dumps(result, indent=1, default=str)[:1500], flush=True)
    save()
    rows = []
    for name, r in systems.items():
        metrics = r.get("metrics", {})
        rows.append([name, r["articles"], r["seconds_per_article"], r["llm_calls_per_article"],
                     r["output_tokens_per_claim"] if r["output_tokens_per_claim"] is not None else float("nan"),
                     r["claims"], _metric(metrics, "overlap_f1_micro"), _metric(metrics, "exact_f1_micro"),
                     _metric(metrics, "claimant_accuracy")])
    print_table(["system", "articles", "s/article", "calls/article", "out tok/claim", "claims",
                 "overlap F1", "exact F1", "claimant acc"], rows)


def _metric(metrics: dict[str, Any], key: str) -> float:
    value = metrics.get(key)
    return float(value) if isinstance(value, int | float) else float("nan")


if __name__ == "__main__":
    main()
