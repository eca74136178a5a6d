"""The gate on a small gold set: per-metric tolerances, and drops inside the baseline's bootstrap interval pass."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gate import BaselineReport, GateRules, check_gate, load_gate_rules, load_thresholds
from extractor.evaluation.metrics import METRIC_NAMES
from tests.test_eval_metrics import gold_claim, predicted_claim, run


def metrics(**values: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = dict.fromkeys(METRIC_NAMES, 0.5)
    base.update(values)
    return base


def test_a_thresholds_file_names_minimums_tolerances_and_what_to_compare(tmp_path: Path) -> None:
    path = tmp_path / "gate.toml"
    path.write_text(
        "overlap_f1_micro = 0.6\n"
        "[gate]\ntolerance = 0.03\ncompare = \"named\"\n"
        "[stance_accuracy]\nminimum = 0.5\ntolerance = 0.1\n"
        "[claimant_name_rate]\ntolerance = 0.2\n",
        encoding="utf-8",
    )
    rules = load_gate_rules(path)
    assert rules == GateRules(
        minimums={"overlap_f1_micro": 0.6, "stance_accuracy": 0.5},
        tolerances={"stance_accuracy": 0.1, "claimant_name_rate": 0.2},
        default_tolerance=0.03,
        compare="named",
    )
    assert rules.compared == {"stance_accuracy", "claimant_name_rate"}
    assert load_thresholds(path) == rules.minimums


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[stance_accuracy]\nfloor = 0.5\n", "holds minimum and/or tolerance"),
        ("[stance_accuracy]\ntolerance = 2\n", "stance_accuracy.tolerance must be a number from 0 to 1"),
        ("[gate]\ncompare = \"some\"\n", "gate.compare: must be"),
        ("[gate]\ncompare = \"named\"\n", "none is"),
        ("[gate]\nslack = 0.1\n", "unknown setting 'slack'"),
        ("[overlap_f1]\ntolerance = 0.1\n", "unknown metric 'overlap_f1'"),
    ],
)
def test_bad_gate_rules_are_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "gate.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalInputError, match=message):
        load_gate_rules(path)


def test_a_drop_fails_only_beyond_the_tolerance_and_outside_the_interval() -> None:
    baseline = BaselineReport(
        schema_version="eval-report/2",
        metrics=metrics(claimant_accuracy=0.90),
        intervals={"claimant_accuracy": {"low": 0.80, "high": 0.97}},
    )
    # 0.85: beyond the 0.02 tolerance, inside the interval.
    assert check_gate(metrics(claimant_accuracy=0.85), baseline=baseline).passed
    # 0.79: beyond both.
    failed = check_gate(metrics(claimant_accuracy=0.79), baseline=baseline)
    assert [c.metric for c in failed.checks if not c.passed] == ["claimant_accuracy"]
    (check,) = [c for c in failed.checks if c.metric == "claimant_accuracy"]
    assert "interval 0.8000-0.9700" in check.detail
    # A wide tolerance for this metric alone lets 0.79 through; the interval alone does not.
    wide = {"claimant_accuracy": 0.15}
    assert check_gate(metrics(claimant_accuracy=0.79), baseline=baseline, tolerances=wide).passed
    # Without an interval the tolerance alone decides.
    plain = BaselineReport(schema_version="eval-report/2", metrics=metrics(claimant_accuracy=0.90))
    assert not check_gate(metrics(claimant_accuracy=0.85), baseline=plain).passed


def test_compare_limits_the_baseline_comparison_to_the_named_metrics() -> None:
    baseline = BaselineReport(schema_version="eval-report/2", metrics=metrics(stance_accuracy=0.9))
    outcome = check_gate(metrics(stance_accuracy=0.1), baseline=baseline, compared={"overlap_f1_micro"})
    assert outcome.passed
    assert [c.metric for c in outcome.checks] == ["overlap_f1_micro"]


# Three articles, four gold claims each; the baseline run finds most of them, as a real one does.
ARTICLES = {
    "a": "Ann Lee said taxes will fall. Bob Stone said rents will rise. Cy Young said parks will open. "
    "Di Moss said roads will close.\n",
    "b": "Ed Fox said trains will run. Flo Ray said buses will stop. Gus Hale said fares will drop. "
    "Hal Bird said lines will grow.\n",
    "c": "Ida West said ports will open. Jo King said ships will dock. Kim Lowe said cranes will fail. "
    "Lu Chen said docks will flood.\n",
}


def _article(text: str) -> list[tuple[str, str]]:
    """(speaker, quote) for each sentence 'X Y said Z.'."""
    found = []
    for sentence in text.strip().split(". "):
        speaker, _, said = sentence.rstrip(".").partition(" said ")
        found.append((speaker, said))
    return found


def _gold() -> dict[str, list[dict[str, Any]]]:
    return {
        key: [gold_claim(text, quote, name=speaker, stance="asserts") for speaker, quote in _article(text)]
        for key, text in ARTICLES.items()
    }


def _run(tmp_path: Path, predicted: dict[str, list[dict[str, Any]]], name: str) -> dict[str, Any]:
    folder = tmp_path / name
    folder.mkdir()
    gold = _gold()
    report = run(folder, {key: (ARTICLES[key], gold[key], predicted[key]) for key in ARTICLES})
    return json.loads(report.model_dump_json())


def _baseline_predictions() -> dict[str, list[dict[str, Any]]]:
    predicted: dict[str, list[dict[str, Any]]] = {}
    for key, text in ARTICLES.items():
        claims = [predicted_claim(text, quote, name=speaker) for speaker, quote in _article(text)]
        predicted[key] = claims
    # The baseline misses one claim in a, gets two claimants wrong in b and one in c: articles differ,
    # as real ones do, which is what the bootstrap interval measures.
    del predicted["a"][3]
    predicted["b"][1] = predicted_claim(ARTICLES["b"], "buses will stop", name="Ed Fox")
    predicted["b"][3] = predicted_claim(ARTICLES["b"], "lines will grow", name="Gus Hale")
    predicted["c"][2] = predicted_claim(ARTICLES["c"], "cranes will fail", name="Jo King")
    return predicted


def test_one_changed_claim_on_three_articles_passes_and_a_real_regression_fails(tmp_path: Path) -> None:
    baseline = BaselineReport.model_validate(_run(tmp_path, _baseline_predictions(), "baseline"))
    assert "claimant_accuracy" in baseline.intervals

    one_changed = _baseline_predictions()
    one_changed["a"][0] = predicted_claim(ARTICLES["a"], "taxes will fall", name="Bob Stone")
    changed = _run(tmp_path, one_changed, "changed")["metrics"]
    assert changed["claimant_accuracy"] < baseline.metrics["claimant_accuracy"] - 0.05  # 1 of 11 pairs
    # The flat tolerance alone fails it (the old gate), the interval keeps it inside what resampling gives.
    no_intervals = baseline.model_copy(update={"intervals": {}})
    assert not check_gate(changed, baseline=no_intervals).passed
    assert check_gate(changed, baseline=baseline).passed

    regressed = _baseline_predictions()
    for key, text in ARTICLES.items():  # every claimant wrong
        regressed[key] = [predicted_claim(text, c["evidence"]["quote"], name="Nobody Known") for c in regressed[key]]
    worse = _run(tmp_path, regressed, "regressed")["metrics"]
    outcome = check_gate(worse, baseline=baseline)
    assert not outcome.passed
    assert "claimant_accuracy" in {c.metric for c in outcome.checks if not c.passed}


def test_the_report_carries_intervals_for_accuracies_and_meaning_metrics(tmp_path: Path) -> None:
    report = _run(tmp_path, _baseline_predictions(), "names")
    assert {"claimant_accuracy", "grounding_rate", "claimant_name_rate", "reporting_relation_rate"} <= set(
        report["intervals"]
    )
    low, high = report["intervals"]["claimant_accuracy"].values()
    assert low < report["metrics"]["claimant_accuracy"] <= high == 1.0
