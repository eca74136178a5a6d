"""Throughput against a peer: our tool vs LangExtract 1.7.1 on the same FakeEndpoint and articles.

Both tools run over the same N synthetic articles against one FakeEndpoint with
latency L (default 200 ms) whose responder answers each client in its own
format (``bench/_endpoint.py``: a tool call for ours, JSON content for
LangExtract), at the same parallelism C: our ``BatchRunner(concurrency=C)``
and LangExtract's OpenAI provider with ``max_workers = C`` (and
``batch_length = C``, as its docs advise). LangExtract's ``max_char_buffer``
defaults here to 6000 characters, our chunk size, so both make one call per
article; ``--lx-max-char-buffer 1000`` gives LangExtract's own default. The
figure is our articles/s ÷ LangExtract's articles/s, both measured in the same
run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import _langextract as peer
from _common import print_table, save_result, synthetic_articles
from _endpoint import endpoint
from langextract.core import data as lx_data

from extractor.batch import BatchRunner
from extractor.llm import LLM, LLMSettings
from extractor.pipeline import Pipeline
from extractor.strategies.whole_article import WholeArticleStrategy


def run_ours(base_url: str, n: int, concurrency: int, out: Path) -> dict[str, Any]:
    llm = LLM(LLMSettings(model="fake-model", base_url=base_url, api_key="bench"), cache=None)
    runner = BatchRunner(Pipeline(WholeArticleStrategy(), llm), concurrency=concurrency, show_progress=False)
    started = time.perf_counter()
    summary = runner.run(synthetic_articles(n), out)
    wall = time.perf_counter() - started
    llm.close()
    if summary.ok != n:
        raise SystemExit(f"ours: {summary.errors} of {n} articles failed")
    return {"wall_s": wall, "articles_per_s": n / wall, "calls": summary.usage.llm_calls, "claims": summary.claims}


def run_langextract(base_url: str, n: int, concurrency: int, max_char_buffer: int) -> dict[str, Any]:
    model, counter = peer.make_model(base_url=base_url, model_id="fake-model", max_workers=concurrency)
    documents = [lx_data.Document(text=a.text, document_id=a.id) for a in synthetic_articles(n)]
    started = time.perf_counter()
    annotated = peer.extract(model, documents, max_char_buffer=max_char_buffer, max_workers=concurrency)
    wall = time.perf_counter() - started
    if len(annotated) != n:
        raise SystemExit(f"langextract returned {len(annotated)} documents for {n}")
    calls, _, _ = counter.snapshot()
    claims = sum(len(doc.extractions or []) for doc in annotated)
    return {"wall_s": wall, "articles_per_s": n / wall, "calls": calls, "claims": claims}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", default="1,8,32,64")
    parser.add_argument("--lx-max-char-buffer", type=int, default=6000)
    parser.add_argument("--quick", action="store_true", help="100 articles (C=1: 25)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    results, rows = [], []
    with endpoint(latency_s=args.latency) as served, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ours.jsonl"
        run_ours(served.base_url, 10, 4, out)  # warm both
        run_langextract(served.base_url, 10, 4, args.lx_max_char_buffer)
        for c in levels:
            n = args.articles if not args.quick else (25 if c == 1 else 100)
            ours = run_ours(served.base_url, n, c, out)
            theirs = run_langextract(served.base_url, n, c, args.lx_max_char_buffer)
            ratio = ours["articles_per_s"] / theirs["articles_per_s"]
            results.append({"concurrency": c, "articles": n, "ours": ours, "langextract": theirs, "ratio": ratio})
            rows.append([c, n, ours["articles_per_s"], theirs["articles_per_s"], ratio,
                         ours["calls"] / n, theirs["calls"] / n])
    save_result("peer_langextract", {
        "latency_s": args.latency, "lx_max_char_buffer": args.lx_max_char_buffer, "results": results,
    })
    print(f"peer: ours vs LangExtract 1.7.1, L = {args.latency * 1000:.0f} ms, "
          f"LangExtract max_char_buffer = {args.lx_max_char_buffer}")
    print_table(["C", "articles", "ours art/s", "LangExtract art/s", "ours ÷ LangExtract", "our calls/art",
                 "LX calls/art"], rows)


if __name__ == "__main__":
    main()
