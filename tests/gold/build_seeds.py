#!/usr/bin/env python3
"""Regenerate ``tests/gold/seeds.jsonl`` from the human-written ``seeds.src.json``.

Humans edit ``seeds.src.json`` only: quotes as they appear in the article, no offsets.
This script reads each article file exactly as the extractor does
(``Path.read_text(encoding="utf-8")``, no normalisation), locates every quote,
fills ``start``/``end``, ``text_sha256`` and ``source``, and writes the gold file.

Locating rules (see docs/annotation.md, "Regenerating the seed gold"):

* a quote is searched for in the article *body* only, i.e. from the first
  occurrence of the article's ``body_starts_at`` string onwards, so a dek or
  title repeating a body sentence never captures the evidence;
* the quote must occur exactly once in the body, unless the claim names an
  ``occurrence`` (1-based, counted within the body) to pick one deliberately;
* ``evidence_parts`` (discontinuous content) are located inside the evidence
  span, in order, and must start and end it.

usage (from the repository root)::

    .venv/bin/python tests/gold/build_seeds.py          # rewrite seeds.jsonl
    .venv/bin/python tests/gold/build_seeds.py --check  # exit 1 if it is stale

``tests/test_seed_gold.py`` runs the same build in memory and fails when the
committed ``seeds.jsonl`` is out of sync with ``seeds.src.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parent
REPO_ROOT = GOLD_DIR.parents[1]
SRC_PATH = GOLD_DIR / "seeds.src.json"
OUT_PATH = GOLD_DIR / "seeds.jsonl"
ARTICLES_DIR = REPO_ROOT.parent / "shared" / "articles"

CLAIMANT_KEYS = ("name", "role", "organization", "mention", "aliases")
SRC_CLAIM_KEYS = {
    "claimant",
    "stance",
    "claim",
    "evidence",
    "evidence_parts",
    "occurrence",
    "said_on",
    "attribution",
    "cue",
}


class SeedError(ValueError):
    """A quote that cannot be located unambiguously, or a malformed source entry."""


def _occurrences(text: str, needle: str, start: int = 0, end: int | None = None) -> list[int]:
    end = len(text) if end is None else end
    found, i = [], text.find(needle, start, end)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1, end)
    return found


def locate(text: str, quote: str, body_start: int, occurrence: int | None, where: str) -> int:
    """Offset of ``quote`` in the body of ``text``; unique unless ``occurrence`` is given."""
    if not quote:
        raise SeedError(f"{where}: empty quote")
    hits = _occurrences(text, quote, body_start)
    if not hits:
        raise SeedError(f"{where}: quote not found in the article body: {quote!r}")
    if occurrence is None:
        if len(hits) > 1:
            raise SeedError(
                f"{where}: quote occurs {len(hits)} times in the body at {hits}; "
                f'add "occurrence" to pick one: {quote!r}'
            )
        return hits[0]
    if not 1 <= occurrence <= len(hits):
        raise SeedError(f"{where}: occurrence {occurrence} asked, {len(hits)} found: {quote!r}")
    return hits[occurrence - 1]


def build_article(art: dict, articles_dir: Path = ARTICLES_DIR) -> dict:
    art_id = art["id"]
    path = articles_dir / f"{art_id}.txt"
    raw = path.read_bytes()
    text = path.read_text(encoding="utf-8")
    marker = art["body_starts_at"]
    body_start = text.find(marker)
    if body_start == -1:
        raise SeedError(f"{art_id}: body_starts_at not found: {marker!r}")

    claims = []
    for n, c in enumerate(art["claims"], 1):
        where = f"{art_id} claim {n}"
        unknown = set(c) - SRC_CLAIM_KEYS
        if unknown:
            raise SeedError(f"{where}: unknown keys {sorted(unknown)}")
        quote = c["evidence"]
        start = locate(text, quote, body_start, c.get("occurrence"), where)
        end = start + len(quote)
        parts = None
        if c.get("evidence_parts"):
            parts, pos = [], start
            for p in c["evidence_parts"]:
                hits = _occurrences(text, p, pos, end)
                if not hits:
                    raise SeedError(f"{where}: evidence part not inside the evidence span: {p!r}")
                parts.append({"quote": p, "start": hits[0], "end": hits[0] + len(p)})
                pos = hits[0] + len(p)
            if parts[0]["start"] != start or parts[-1]["end"] != end:
                raise SeedError(f"{where}: evidence must be the span covering its parts exactly")
        claimant = {k: c["claimant"].get(k) for k in CLAIMANT_KEYS}
        claimant["aliases"] = list(claimant["aliases"] or [])
        claims.append(
            {
                "claimant": claimant,
                "stance": c["stance"],
                "claim": c["claim"],
                "evidence": {"quote": quote, "start": start, "end": end},
                "evidence_parts": parts,
                "said_on": c.get("said_on"),
                "attribution": c["attribution"],
                "cue": c.get("cue"),
            }
        )
    return {
        "id": art_id,
        "source": Path(os.path.relpath(path, GOLD_DIR)).as_posix(),  # relative to the gold file
        "text_sha256": hashlib.sha256(raw).hexdigest(),
        "published": art.get("published"),
        "claims": claims,
    }


def load_src(src_path: Path = SRC_PATH) -> dict:
    return json.loads(src_path.read_text(encoding="utf-8"))


def build(src_path: Path = SRC_PATH, articles_dir: Path = ARTICLES_DIR) -> list[dict]:
    """The gold records, one per article, in source order."""
    return [build_article(a, articles_dir) for a in load_src(src_path)["articles"]]


def render(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if seeds.jsonl is stale")
    args = ap.parse_args(argv)
    try:
        out = render(build())
    except SeedError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.check:
        current = OUT_PATH.read_text(encoding="utf-8") if OUT_PATH.exists() else ""
        if current != out:
            print(f"{OUT_PATH} is out of date; run tests/gold/build_seeds.py", file=sys.stderr)
            return 1
        print("seeds.jsonl is up to date")
        return 0
    OUT_PATH.write_text(out, encoding="utf-8")
    n = sum(len(json.loads(line)["claims"]) for line in out.splitlines())
    print(f"wrote {OUT_PATH.relative_to(REPO_ROOT)}: {len(out.splitlines())} articles, {n} claims")
    return 0


if __name__ == "__main__":
    sys.exit(main())
