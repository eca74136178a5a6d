"""The hand-written seed gold (tests/gold/seeds.jsonl) is well-formed and grounded.

Checks, per docs/annotation.md: every evidence span is exact in its article file,
sha256 and ids match the files, claimants are names (never pronouns), no evidence
comes from header junk, titles, deks or captions (anything before the body), the
enumerated fields hold valid values, and seeds.jsonl is in sync with the
human-edited seeds.src.json it is generated from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import itertools
import json
from pathlib import Path

import pytest

from extractor.records import AttributionKind, Claimant, Evidence, Stance

REPO_ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = REPO_ROOT / "tests" / "gold"
SEEDS = GOLD_DIR / "seeds.jsonl"
SEEDS_SRC = GOLD_DIR / "seeds.src.json"
ARTICLES_DIR = (REPO_ROOT / ".." / "shared" / "articles").resolve()

TOP_KEYS = {"id", "source", "text_sha256", "published", "claims"}
CLAIM_KEYS = {
    "claimant",
    "stance",
    "claim",
    "evidence",
    "evidence_parts",
    "said_on",
    "attribution",
    "cue",
}
CLAIMANT_KEYS = {"name", "role", "organization", "mention", "aliases"}
PRONOUNS = {
    "i", "me", "my", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her",
    "it", "its", "they", "them", "their", "this", "that", "these", "those", "who", "one",
}  # fmt: skip
# Descriptions that stand in for a name in the text but are not names themselves.
BARE_DESCRIPTIONS = {
    "the diplomat", "the senior diplomat", "the spokeswoman", "the spokesman",
    "the politician", "the deputy foreign minister", "the official", "officials",
    "the ministry", "the foreign ministry", "the side", "our side", "the source",
}  # fmt: skip
GOLD_STANCES = {s.value for s in Stance}
# `outlet` is a valid AttributionKind but reserved: the seed gold holds attributed claims only.
GOLD_ATTRIBUTIONS = {a.value for a in AttributionKind} - {AttributionKind.OUTLET.value}


def _load_seeds() -> list[dict]:
    lines = SEEDS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_seeds", GOLD_DIR / "build_seeds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RECORDS = _load_seeds()
SRC = {a["id"]: a for a in json.loads(SEEDS_SRC.read_text(encoding="utf-8"))["articles"]}


def _text(rec: dict) -> str:
    return (GOLD_DIR / rec["source"]).read_text(encoding="utf-8")


def _body_start(rec: dict, text: str) -> int:
    marker = SRC[rec["id"]]["body_starts_at"]
    start = text.find(marker)
    assert start != -1, f"{rec['id']}: body_starts_at marker not in article"
    return start


def _claims():
    for rec in RECORDS:
        for n, claim in enumerate(rec["claims"], 1):
            yield pytest.param(rec, claim, id=f"{rec['id'][:3]}-{n:02d}")


def test_one_record_per_article_file():
    ids = [r["id"] for r in RECORDS]
    assert len(ids) == len(set(ids)), "duplicate article ids"
    stems = sorted(p.stem for p in ARTICLES_DIR.glob("*.txt"))
    assert sorted(ids) == stems


def test_seeds_in_sync_with_source():
    builder = _load_builder()
    assert builder.render(builder.build()) == SEEDS.read_text(encoding="utf-8"), (
        "tests/gold/seeds.jsonl is stale: run .venv/bin/python tests/gold/build_seeds.py"
    )


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["id"][:3])
def test_article_record(rec):
    assert set(rec) == TOP_KEYS
    path = GOLD_DIR / rec["source"]  # gold sources are relative to the gold file
    assert path.resolve().parent == ARTICLES_DIR
    assert path.stem == rec["id"], "id must be the file stem"
    assert rec["source"] == f"../../../shared/articles/{rec['id']}.txt"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == rec["text_sha256"]
    text = _text(rec)
    published = rec["published"]
    if published is None:
        assert "date 20" not in text.split("\n", 1)[0], "header gives a date but published is null"
    else:
        dt.date.fromisoformat(published)
        assert f"date {published}" in text.split("\n", 1)[0], "published must come from the header"
    assert 1 <= len(rec["claims"]) <= 20


@pytest.mark.parametrize(("rec", "claim"), list(_claims()))
def test_claim(rec, claim):
    text = _text(rec)
    assert set(claim) == CLAIM_KEYS

    # Evidence is exact, and the parts (if any) are exact and tile the evidence span.
    ev = Evidence.model_validate(claim["evidence"])
    assert ev.grounded_in(text), f"text[{ev.start}:{ev.end}] != {ev.quote!r}"
    assert ev.quote == ev.quote.strip(), "evidence has surrounding whitespace"
    assert not ev.quote.endswith((".", ",")), "trailing sentence punctuation belongs outside"
    if claim["evidence_parts"] is not None:
        parts = [Evidence.model_validate(p) for p in claim["evidence_parts"]]
        assert len(parts) >= 2
        assert all(p.grounded_in(text) for p in parts)
        assert parts[0].start == ev.start and parts[-1].end == ev.end
        assert all(a.end <= b.start for a, b in itertools.pairwise(parts))

    # Never from header junk, title, dek or captions: everything before the body.
    body_start = _body_start(rec, text)
    assert ev.start >= body_start, "evidence lies in the header/title/dek/caption matter"
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        if "{{" in line:
            assert ev.end <= line_start or ev.start >= line_end, "evidence overlaps header junk"
        line_start = line_end + 1
    title = text[:body_start].strip().split("\n")[0].strip() if body_start else ""
    if title:
        assert title not in ev.quote

    # Claimant: a name, never a pronoun or a bare description.
    raw = claim["claimant"]
    assert set(raw) == CLAIMANT_KEYS
    claimant = Claimant.model_validate({k: raw[k] for k in ("name", "role", "organization")})
    name = claimant.name.strip()
    assert name == claimant.name
    assert name.lower() not in PRONOUNS, f"claimant is a pronoun: {name!r}"
    assert name.lower() not in BARE_DESCRIPTIONS, f"claimant is a description: {name!r}"
    assert any(ch.isupper() for ch in name), f"claimant is not a proper name: {name!r}"
    if raw["mention"] is not None:
        assert raw["mention"] in text, "mention must be written as in the article"
    assert isinstance(raw["aliases"], list)
    for alias in raw["aliases"]:
        assert alias in text, f"alias {alias!r} not in the article"
        assert alias.lower() not in PRONOUNS

    # Enumerated fields and the rest.
    assert claim["stance"] in GOLD_STANCES
    assert claim["attribution"] in GOLD_ATTRIBUTIONS
    if claim["attribution"] == AttributionKind.DIRECT_QUOTE.value:
        before = text[: ev.start]
        assert before.count("“") > before.count("”") or before.count('"') % 2 == 1, (
            "direct_quote evidence must lie inside quotation marks"
        )
    assert claim["cue"] is None or 0 < len(claim["cue"]) <= 100
    sentence = claim["claim"]
    assert sentence.strip() == sentence and sentence[0].isupper() and sentence.endswith(".")
    # Resolved, not a dangling personal pronoun ("It was difficult" and "US" are fine).
    assert sentence.split()[0] not in {"He", "She", "They", "We", "I", "His", "Her", "Their", "Our"}
    if claim["said_on"] is not None:
        said_on = dt.date.fromisoformat(claim["said_on"])
        if rec["published"] is not None:
            assert said_on <= dt.date.fromisoformat(rec["published"])
