"""Shared helpers for the reliability tests (faults, crashes, bad input, injection, secrets).

Articles are built from the sample articles with a unique closing line each
("Filed by desk 007."), so every article has its own text, cache key and
prompt, and a fault plan can pick out one article by its desk number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from extractor.articles import article_from_plain_text
from extractor.llm import LLM, LLMSettings, TokenBudget
from extractor.records import Article
from support.endpoint import FakeEndpoint, delimited_block, prompt_text

# Key-shaped on purpose: redaction must catch it by value and by shape.
FAKE_KEY = "sk-test-FAKEKEY0123456789abcdefSECRET"
CLI = [sys.executable, "-m", "extractor.cli", "extract"]


def desk_line(k: int) -> str:
    return f"Filed by desk {k:03d}."


def make_articles(articles_dir: Path, n: int) -> list[Article]:
    """``n`` distinct articles made from the samples, ids ``a000``…"""
    samples = sorted(articles_dir.glob("*.txt"))
    articles = []
    for k in range(n):
        sample = samples[k % len(samples)]
        text = sample.read_text(encoding="utf-8").rstrip() + f"\n\n{desk_line(k)}\n"
        articles.append(article_from_plain_text(f"a{k:03d}", text, f"{sample.name}#{k}"))
    return articles


def write_jsonl(path: Path, articles: list[Article]) -> Path:
    path.write_text("".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in articles), encoding="utf-8")
    return path


def article_of(request: dict[str, Any]) -> int | None:
    """The desk number of the article a chat request is about (few-shot examples excluded)."""
    block = delimited_block(prompt_text(request)) or ""
    marker = block.rfind("Filed by desk ")
    return int(block[marker + 14 : marker + 17]) if marker >= 0 else None


def make_llm(endpoint: Any, *, budget: int | None = None, **overrides: Any) -> LLM:
    """An LLM on ``endpoint`` (anything with a ``base_url``) with short timeouts and waits, no cache."""
    settings: dict[str, Any] = {
        "model": "fake-model", "base_url": endpoint.base_url, "api_key": FAKE_KEY, "timeout_s": 2.0,
        "max_reasks": 1, "max_transport_retries": 3, "max_retry_wait_s": 0.2,
    }
    settings.update(overrides)
    return LLM(LLMSettings(**settings), budget=TokenBudget(budget))


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Every output line, parsed; fails on a torn or non-JSON line."""
    raw = path.read_text(encoding="utf-8")
    assert raw == "" or raw.endswith("\n"), "output ends in a torn line"
    return [json.loads(line) for line in raw.splitlines()]


def by_id(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)), f"duplicate ids: {sorted({i for i in ids if ids.count(i) > 1})}"
    return {line["id"]: line for line in lines}


def claims_of(line: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["claimant"]["name"], c["stance"], c["evidence"]["start"], c["evidence"]["end"]) for c in line["claims"]]


def cli_env(cache_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    env.update({"OPENAI_API_KEY": FAKE_KEY, "EXTRACTOR_CACHE_DIR": str(cache_dir), "NO_COLOR": "1", "COLUMNS": "200"})
    env.update(extra)
    return env


def run_cli(args: list[str], cache_dir: Path, *, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    """``extractor extract ARGS`` in a child process (a real process: real stderr, real exit code)."""
    return subprocess.run(
        [*CLI, *args], env=cli_env(cache_dir, **env), capture_output=True, text=True, timeout=timeout, check=False
    )


def popen_cli(args: list[str], cache_dir: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args], env=cli_env(cache_dir, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def tally(record: Any, *, endpoint: FakeEndpoint | None = None, expected_ids: Any = None,
          lines: list[dict[str, Any]] | None = None, **counts: Any) -> None:
    """Note what a test exercised in its report (pytest ``record_property``), for ``bench/reliability_tally.py``.

    Faults are the ones the endpoint actually injected; articles lost are expected ids
    with no output line; duplicates are ids with more than one.
    """
    if endpoint is not None:
        record("faults_injected", dict(endpoint.injected))
    if expected_ids is not None:
        seen = [line["id"] for line in lines or []]
        record("articles", len(set(expected_ids)))
        record("articles_lost", len(set(expected_ids) - set(seen)))
        record("articles_duplicated", len(seen) - len(set(seen)))
    for name, value in counts.items():
        record(name, value)
