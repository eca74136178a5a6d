"""Scoring respects who: on the seed gold's sample 004, Psaki asserts and Ryabkov denies on the same words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from extractor.evaluation.gold import GoldClaim, load_gold
from extractor.evaluation.metrics import evaluate
from extractor.evaluation.predictions import PredictionSet, load_predictions

SEEDS = Path(__file__).parent / "gold" / "seeds.jsonl"
ARTICLE = "004_d8f5a990ccd71f66"


def as_predicted(claim: GoldClaim) -> dict[str, Any]:
    assert claim.claimant is not None and claim.stance is not None
    return {
        "claimant": {"name": claim.claimant.name},
        "stance": claim.stance.value,
        "claim": claim.claim,
        "evidence": claim.evidence.model_dump(),
        "attribution": "reported",
        "said_on": claim.said_on.isoformat() if claim.said_on else None,
    }


def predictions(tmp_path: Path, claims: list[dict[str, Any]]) -> PredictionSet:
    line = {"id": ARTICLE, "source": "x.txt", "strategy": "test", "status": "ok", "claims": claims}
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return load_predictions(path)


def test_a_ryabkov_prediction_matches_the_ryabkov_gold_claim_and_psaki_is_missed(tmp_path: Path) -> None:
    gold = load_gold(SEEDS)
    loaded = gold.articles[ARTICLE]
    shared = [c for c in loaded.article.claims if c.evidence.start == 379]
    assert sorted(c.claimant.name for c in shared if c.claimant) == ["Jen Psaki", "Sergei Ryabkov"]
    ryabkov = next(c for c in shared if c.claimant and c.claimant.name == "Sergei Ryabkov")
    report = evaluate(gold, predictions(tmp_path, [as_predicted(ryabkov)]))
    ryabkov_index = loaded.article.claims.index(ryabkov)
    psaki_index = next(i for i, c in enumerate(loaded.article.claims) if c in shared and c is not ryabkov)
    assert [(m.article_id, m.gold_index) for m in report.matches] == [(ARTICLE, ryabkov_index)]
    missed = {(m.article_id, m.index) for m in report.misses}
    assert (ARTICLE, psaki_index) in missed and (ARTICLE, ryabkov_index) not in missed
    assert not [d for d in report.disagreements if d.article_id == ARTICLE]


def test_two_predictions_on_the_shared_words_are_not_crossed(tmp_path: Path) -> None:
    # Psaki's and Ryabkov's gold claims have the same span and claim text: only who and stance tell them apart.
    gold = load_gold(SEEDS)
    claims = gold.articles[ARTICLE].article.claims
    shared = {c.claimant.name: i for i, c in enumerate(claims) if c.evidence.start == 379 and c.claimant}
    predicted = [as_predicted(claims[shared["Jen Psaki"]]), as_predicted(claims[shared["Sergei Ryabkov"]])]
    report = evaluate(gold, predictions(tmp_path, predicted))
    pairs = {(m.predicted_index, m.gold_index) for m in report.matches if m.article_id == ARTICLE}
    assert pairs == {(0, shared["Jen Psaki"]), (1, shared["Sergei Ryabkov"])}
    assert not [d for d in report.disagreements if d.article_id == ARTICLE]
