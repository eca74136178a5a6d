"""Metrics on hand-computed cases: span F1s (micro/macro), accuracies, grounding, bootstrap, error lists."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from extractor.evaluation.gold import load_gold
from extractor.evaluation.metrics import (
    SPAN_AND_ACCURACY_METRIC_NAMES,
    EvaluationReport,
    evaluate,
    precision_recall_f1,
)
from extractor.evaluation.names import claimant_matches, is_bare_pronoun_or_description
from extractor.evaluation.predictions import load_predictions

TEXT = (
    "Mayor Ann Lee said the budget is balanced. "
    "Critics, led by Bob Stone, denied that taxes will rise. "
    "Lee added that the park opens in June.\n"
)
OTHER_TEXT = "Résumé 😀 — “Prices will fall,” Dr. Zoë Brandt said on Monday.\n"


def evidence(text: str, quote: str) -> dict[str, Any]:
    start = text.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def gold_claim(text: str, quote: str, name: str | None = "Ann Lee", **extra: Any) -> dict[str, Any]:
    claimant = None if name is None else {"name": name, "mention": extra.pop("mention", name)}
    return {"claimant": claimant, "claim": extra.pop("claim", quote), "evidence": evidence(text, quote), **extra}


def predicted_claim(text: str, quote: str, name: str = "Ann Lee", **extra: Any) -> dict[str, Any]:
    return {
        "claimant": {"name": name},
        "stance": extra.pop("stance", "asserts"),
        "claim": extra.pop("claim", quote),
        "evidence": extra.pop("evidence", None) or evidence(text, quote),
        "attribution": extra.pop("attribution", "reported"),
        **extra,
    }


def run(
    tmp_path: Path, articles: dict[str, tuple[str, list[dict[str, Any]], list[dict[str, Any]] | str | None]]
) -> EvaluationReport:
    """articles: id -> (text, gold claims, predicted claims | "error" | None for no prediction line)."""
    gold_lines, predicted_lines = [], []
    for article_id, (text, gold_claims, predicted) in articles.items():
        path = tmp_path / f"{article_id}.txt"
        path.write_bytes(text.encode("utf-8"))
        gold_lines.append(
            {
                "id": article_id,
                "source": path.name,
                "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "claims": gold_claims,
            }
        )
        if predicted is None:
            continue
        line: dict[str, Any] = {"id": article_id, "source": path.name, "strategy": "test"}
        if predicted == "error":
            line |= {"status": "error", "error": "model timed out"}
        else:
            line |= {"status": "ok", "claims": predicted}
        predicted_lines.append(line)
    gold_path, predicted_path = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    gold_path.write_text("".join(json.dumps(g) + "\n" for g in gold_lines), encoding="utf-8")
    predicted_path.write_text("".join(json.dumps(p) + "\n" for p in predicted_lines), encoding="utf-8")
    return evaluate(load_gold(gold_path, base_dir=tmp_path), load_predictions(predicted_path))


BALANCED = "the budget is balanced"  # 4 tokens
TAXES = "that taxes will rise"  # 4 tokens
PARK = "that the park opens in June"  # 6 tokens


def three_gold() -> list[dict[str, Any]]:
    return [
        gold_claim(TEXT, BALANCED, stance="asserts"),
        gold_claim(TEXT, TAXES, name="Bob Stone", stance="denies", mention="Critics, led by Bob Stone"),
        gold_claim(TEXT, PARK, stance="asserts", said_on="2024-05-01"),
    ]


def test_perfect_predictions_score_one_everywhere(tmp_path: Path) -> None:
    predicted = [
        predicted_claim(TEXT, BALANCED, name="Mayor Ann Lee"),
        predicted_claim(TEXT, TAXES, name="Stone", stance="denies"),
        predicted_claim(TEXT, PARK, name="Lee", said_on="2024-05-01"),
    ]
    report = run(tmp_path, {"a": (TEXT, three_gold(), predicted)})
    for name in SPAN_AND_ACCURACY_METRIC_NAMES:  # the meaning metrics: tests/test_eval_meaning.py
        if name != "attribution_accuracy":  # no gold attribution kinds here
            assert report.metrics[name] == pytest.approx(1.0), name
    assert report.metrics["attribution_accuracy"] is None
    assert report.misses == [] and report.spurious == [] and report.disagreements == []
    assert report.counts["exact_matched"] == 3


def test_empty_predictions_have_zero_precision_and_recall_and_list_every_miss(tmp_path: Path) -> None:
    report = run(tmp_path, {"a": (TEXT, three_gold(), [])})
    for family in ("overlap", "exact", "soft"):
        for measure in ("precision", "recall", "f1"):
            assert report.metrics[f"{family}_{measure}_micro"] == 0.0
    assert report.metrics["claimant_accuracy"] is None
    assert report.metrics["grounding_rate"] is None
    assert [miss.quote for miss in report.misses] == [BALANCED, TAXES, PARK]


def test_gold_without_claims(tmp_path: Path) -> None:
    spurious = [predicted_claim(TEXT, BALANCED)]
    report = run(tmp_path, {"quiet": (TEXT, [], spurious), "silent": (OTHER_TEXT, [], [])})
    assert report.metrics["overlap_precision_micro"] == 0.0
    assert report.metrics["overlap_f1_micro"] == 0.0
    # Nothing to find and nothing found scores 1; the article with a spurious claim scores 0.
    assert [a.overlap_f1 for a in report.articles] == [0.0, 1.0]
    assert report.metrics["overlap_f1_macro"] == 0.5
    assert [s.quote for s in report.spurious] == [BALANCED]


def test_disjoint_predictions_score_zero(tmp_path: Path) -> None:
    predicted = [predicted_claim(TEXT, "Mayor Ann Lee said"), predicted_claim(TEXT, "Critics, led by")]
    report = run(tmp_path, {"a": (TEXT, three_gold(), predicted)})
    assert report.metrics["overlap_f1_micro"] == 0.0
    assert report.metrics["soft_f1_micro"] == 0.0
    assert len(report.misses) == 3 and len(report.spurious) == 2


def test_partial_overlaps_give_overlap_credit_and_fractional_soft_credit(tmp_path: Path) -> None:
    predicted = [
        predicted_claim(TEXT, "budget is balanced"),  # 3 of the 4 gold tokens
        predicted_claim(TEXT, "Lee added that the park opens"),  # 6 tokens, 4 of them in the gold span
    ]
    report = run(tmp_path, {"a": (TEXT, three_gold(), predicted)})
    metrics = report.metrics
    assert metrics["overlap_precision_micro"] == 1.0
    assert metrics["overlap_recall_micro"] == pytest.approx(2 / 3)
    assert metrics["exact_f1_micro"] == 0.0
    # Pair 1: 3 shared, 3 predicted, 4 gold. Pair 2: 4 shared of "that the park opens", 6 predicted, 6 gold.
    soft_precision = (3 / 3 + 4 / 6) / 2
    soft_recall = (3 / 4 + 4 / 6) / 3
    assert metrics["soft_precision_micro"] == pytest.approx(soft_precision)
    assert metrics["soft_recall_micro"] == pytest.approx(soft_recall)
    expected_f1 = 2 * soft_precision * soft_recall / (soft_precision + soft_recall)
    assert metrics["soft_f1_micro"] == pytest.approx(expected_f1)
    assert [m.dice for m in report.matches] == pytest.approx([2 * 3 / 7, 2 * 4 / 12])


def test_the_same_claim_predicted_twice_counts_once(tmp_path: Path) -> None:
    gold = [gold_claim(TEXT, BALANCED)]
    report = run(tmp_path, {"a": (TEXT, gold, [predicted_claim(TEXT, BALANCED), predicted_claim(TEXT, BALANCED)])})
    assert report.metrics["overlap_precision_micro"] == 0.5
    assert report.metrics["overlap_recall_micro"] == 1.0
    assert report.metrics["overlap_f1_micro"] == pytest.approx(2 / 3)
    assert report.metrics["exact_f1_micro"] == pytest.approx(2 / 3)
    assert len(report.spurious) == 1


def test_one_prediction_spanning_two_gold_claims_finds_one(tmp_path: Path) -> None:
    gold = [gold_claim(TEXT, BALANCED), gold_claim(TEXT, TAXES, name="Bob Stone")]
    wide = "the budget is balanced. Critics, led by Bob Stone, denied that taxes will rise"
    # A claimant neither gold claim has, so that the claim text decides (the claimant would come first).
    prediction = predicted_claim(TEXT, wide, name="Cy Young", claim="taxes will rise")
    report = run(tmp_path, {"a": (TEXT, gold, [prediction])})
    assert report.metrics["overlap_precision_micro"] == 1.0
    assert report.metrics["overlap_recall_micro"] == 0.5
    assert report.metrics["exact_f1_micro"] == 0.0
    assert [m.quote for m in report.misses] == [BALANCED]  # the claim text picked the taxes claim
    # The same prediction by Ann Lee is paired with her claim, whatever its claim text says.
    by_lee = predicted_claim(TEXT, wide, name="Ann Lee", claim="taxes will rise")
    (tmp_path / "lee").mkdir()
    assert [m.quote for m in run(tmp_path / "lee", {"a": (TEXT, gold, [by_lee])}).misses] == [TAXES]


def test_unicode_offsets_are_code_points(tmp_path: Path) -> None:
    quote = "Prices will fall"
    gold = [gold_claim(OTHER_TEXT, quote, name="Zoë Brandt", said_on="2024-02-12")]
    predicted = [predicted_claim(OTHER_TEXT, quote, name="Dr. Zoë Brandt", said_on="2024-02-12")]
    report = run(tmp_path, {"a": (OTHER_TEXT, gold, predicted)})
    assert OTHER_TEXT.index(quote) != len(OTHER_TEXT[: OTHER_TEXT.index(quote)].encode("utf-8"))
    assert report.metrics["exact_f1_micro"] == 1.0
    assert report.metrics["claimant_accuracy"] == 1.0
    assert report.metrics["date_accuracy"] == 1.0
    assert report.metrics["grounding_rate"] == 1.0


def test_micro_pools_claims_while_macro_averages_articles(tmp_path: Path) -> None:
    big = (TEXT, three_gold(), [predicted_claim(TEXT, BALANCED), predicted_claim(TEXT, TAXES)])  # 2 of 3
    small = (OTHER_TEXT, [gold_claim(OTHER_TEXT, "Prices will fall")], [])  # 0 of 1
    report = run(tmp_path, {"big": big, "small": small})
    assert report.metrics["overlap_recall_micro"] == 0.5  # 2 of 4 gold claims
    assert report.metrics["overlap_recall_macro"] == pytest.approx((2 / 3 + 0) / 2)
    assert report.metrics["overlap_f1_macro"] == pytest.approx((0.8 + 0.0) / 2)
    assert report.metrics["overlap_f1_micro"] == pytest.approx(2 * 2 / (2 + 4))


def test_attribute_accuracies_count_only_pairs_where_gold_knows_the_answer(tmp_path: Path) -> None:
    gold = [*three_gold(), gold_claim(TEXT, "Lee added", name="he", mention="he")]
    gold[0]["stance"] = None  # unknown stance: not counted
    predicted = [
        predicted_claim(TEXT, BALANCED, name="Someone Else", stance="denies"),
        predicted_claim(TEXT, TAXES, name="Bob Stone", stance="asserts"),  # stance wrong
        predicted_claim(TEXT, PARK, name="Ann Lee", said_on="2024-05-02"),  # date wrong
        predicted_claim(TEXT, "Lee added", name="Ann Lee"),  # gold name is a bare pronoun: not counted
    ]
    report = run(tmp_path, {"a": (TEXT, gold, predicted)})
    assert report.metrics["claimant_accuracy"] == pytest.approx(2 / 3)
    assert report.counts["claimant_pairs"] == 3
    assert report.metrics["stance_accuracy"] == 0.5
    assert report.counts["stance_pairs"] == 2
    assert report.metrics["date_accuracy"] == 0.0
    fields = sorted(d.field for d in report.disagreements)
    assert fields == ["claimant", "said_on", "stance"]


def test_grounding_rate_counts_predictions_whose_quote_is_the_text_at_their_offsets(tmp_path: Path) -> None:
    start = TEXT.index(TAXES)
    misplaced = {"quote": "that taxes will fall", "start": start, "end": start + len("that taxes will fall")}
    predicted = [predicted_claim(TEXT, BALANCED), predicted_claim(TEXT, TAXES, evidence=misplaced)]
    report = run(tmp_path, {"a": (TEXT, three_gold(), predicted)})
    assert report.metrics["grounding_rate"] == 0.5


def test_missing_and_error_articles_count_as_all_missed_and_unknown_articles_are_ignored(tmp_path: Path) -> None:
    gold_other = [gold_claim(OTHER_TEXT, "Prices will fall")]
    report = run(
        tmp_path,
        {
            "found": (TEXT, [gold_claim(TEXT, BALANCED)], [predicted_claim(TEXT, BALANCED)]),
            "missing": (TEXT, [gold_claim(TEXT, TAXES)], None),
            "failed": (OTHER_TEXT, gold_other, "error"),
        },
    )
    predicted_path = Path(report.predictions)
    extra = {"id": "stranger", "source": "x.txt", "status": "ok", "claims": [], "strategy": "test"}
    with predicted_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(extra) + "\n")
    report = evaluate(load_gold(Path(report.gold), base_dir=tmp_path), load_predictions(predicted_path))
    assert report.missing_articles == ["missing"]
    assert report.error_articles == ["failed"]
    assert {a.id: a.status for a in report.articles} == {"found": "ok", "missing": "missing", "failed": "error"}
    assert report.metrics["overlap_recall_micro"] == pytest.approx(1 / 3)
    assert report.metrics["overlap_precision_micro"] == 1.0
    assert any("stranger" in warning for warning in report.warnings)
    assert report.counts["predicted_articles_ignored"] == 1


def test_bootstrap_intervals_are_reproducible_and_bracket_the_estimate(tmp_path: Path) -> None:
    articles = {}
    for index in range(6):
        found = [predicted_claim(TEXT, BALANCED)] if index % 2 else []
        articles[f"a{index}"] = (TEXT, [gold_claim(TEXT, BALANCED), gold_claim(TEXT, TAXES, name="Bob Stone")], found)
    report = run(tmp_path, articles)
    again = evaluate(load_gold(Path(report.gold), base_dir=tmp_path), load_predictions(Path(report.predictions)))
    assert report.intervals == again.intervals
    interval = report.intervals["overlap_f1_micro"]
    assert interval.low <= report.metrics["overlap_f1_micro"] <= interval.high
    assert interval.low < interval.high
    assert report.bootstrap.resamples == 1000


def test_precision_recall_f1_conventions_for_empty_sides() -> None:
    assert precision_recall_f1(0, 0, 0, 0) == (1.0, 1.0, 1.0)
    assert precision_recall_f1(0, 0, 0, 3) == (0.0, 0.0, 0.0)
    assert precision_recall_f1(0, 0, 2, 0) == (0.0, 0.0, 0.0)
    assert precision_recall_f1(1, 1, 2, 4) == (0.5, 0.25, pytest.approx(1 / 3))


@pytest.mark.parametrize(
    ("predicted", "gold", "aliases", "mention", "expected"),
    [
        ("Dmitry Peskov", "Dmitry Peskov", [], None, True),
        ("dmitry peskov.", "Dmitry Peskov", [], None, True),
        ("Peskov", "Dmitry Peskov", [], None, True),  # one token set inside the other
        ("Kremlin spokesman Dmitry Peskov", "Dmitry Peskov", [], None, True),
        ("Dmitri Peskov", "Dmitry Peskov", [], None, True),  # same surname
        ("Mr. Trump", "Donald Trump", [], None, True),  # titles dropped
        ("Trump's campaign", "Trump’s campaign", [], None, True),
        ("Maria Zakharova", "Dmitry Peskov", [], None, False),
        ("Zakharova", "Russian Foreign Ministry", ["Maria Zakharova"], None, True),  # via an alias
        ("the Kremlin", "Dmitry Peskov", [], "a spokesman for the Kremlin, Dmitry Peskov", False),
        ("the Judge", "Judge", [], None, True),  # a name made only of titles keeps them
        ("", "Dmitry Peskov", [], None, False),
    ],
)
def test_claimant_matching_rule(
    predicted: str, gold: str, aliases: list[str], mention: str | None, expected: bool
) -> None:
    assert claimant_matches(predicted, gold, aliases, mention) is expected


def test_bare_pronouns_and_descriptions_are_recognised() -> None:
    assert is_bare_pronoun_or_description("he")
    assert is_bare_pronoun_or_description("the spokesman")
    assert not is_bare_pronoun_or_description("Trump")
    assert not is_bare_pronoun_or_description("The Clinton campaign")
    assert not is_bare_pronoun_or_description("officials")


def test_a_pronoun_source_is_judged_by_its_resolved_gold_name(tmp_path: Path) -> None:
    gold = [gold_claim(TEXT, PARK, name="Ann Lee", mention="she")]
    right = run(tmp_path, {"a": (TEXT, gold, [predicted_claim(TEXT, PARK, name="Lee")])})
    assert right.metrics["claimant_accuracy"] == 1.0
    wrong = run(tmp_path, {"a": (TEXT, gold, [predicted_claim(TEXT, PARK, name="Bob Stone")])})
    assert wrong.metrics["claimant_accuracy"] == 0.0
    assert [(d.gold, d.predicted) for d in wrong.disagreements] == [("Ann Lee", "Bob Stone")]
