"""The quality gate: thresholds files (JSON/TOML), baseline comparison with tolerance, unmeasurable metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gate import BaselineReport, check_gate, load_baseline, load_thresholds
from extractor.evaluation.metrics import METRIC_NAMES


def metrics(**values: float | None) -> dict[str, float | None]:
    base: dict[str, float | None] = dict.fromkeys(METRIC_NAMES, 0.5)
    base.update(values)
    return base


def test_thresholds_load_from_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "t.toml"
    toml.write_text("overlap_f1_micro = 0.6\nclaimant_accuracy = 1\n", encoding="utf-8")
    as_json = tmp_path / "t.json"
    as_json.write_text(json.dumps({"overlap_f1_micro": 0.6, "claimant_accuracy": 1}), encoding="utf-8")
    assert load_thresholds(toml) == load_thresholds(as_json) == {"overlap_f1_micro": 0.6, "claimant_accuracy": 1.0}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"overlap_f1": 0.5}', "unknown metric 'overlap_f1'"),
        ('{"overlap_f1_micro": 1.5}', "minimum must be a number from 0 to 1"),
        ('{"overlap_f1_micro": "high"}', "minimum must be a number from 0 to 1"),
        ("[0.5]", "must be a mapping"),
        ("{not json", "invalid JSON"),
    ],
)
def test_bad_thresholds_are_bad_input(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalInputError, match=message):
        load_thresholds(path)


def test_missing_thresholds_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(EvalInputError, match="thresholds file not found"):
        load_thresholds(tmp_path / "absent.toml")


def test_a_threshold_passes_at_and_above_its_minimum_and_fails_below() -> None:
    assert check_gate(metrics(overlap_f1_micro=0.6), thresholds={"overlap_f1_micro": 0.6}).passed
    outcome = check_gate(metrics(overlap_f1_micro=0.59), thresholds={"overlap_f1_micro": 0.6})
    assert not outcome.passed
    assert [(c.metric, c.kind, c.passed) for c in outcome.checks] == [("overlap_f1_micro", "threshold", False)]


def test_a_threshold_on_an_unmeasurable_metric_fails() -> None:
    outcome = check_gate(metrics(stance_accuracy=None), thresholds={"stance_accuracy": 0.1})
    assert not outcome.passed
    assert "could not be measured" in outcome.checks[0].detail


def test_baseline_allows_drops_within_the_tolerance_only() -> None:
    baseline = BaselineReport(schema_version="eval-report/1", metrics=metrics(overlap_f1_micro=0.70))
    within = check_gate(metrics(overlap_f1_micro=0.68), baseline=baseline, tolerance=0.02)
    assert within.passed
    beyond = check_gate(metrics(overlap_f1_micro=0.679), baseline=baseline, tolerance=0.02)
    assert not beyond.passed
    assert [c.metric for c in beyond.checks if not c.passed] == ["overlap_f1_micro"]
    assert check_gate(metrics(overlap_f1_micro=0.679), baseline=baseline, tolerance=0.05).passed


def test_baseline_metrics_that_were_not_measured_are_not_compared() -> None:
    baseline = BaselineReport(schema_version="eval-report/1", metrics=metrics(stance_accuracy=None))
    outcome = check_gate(metrics(stance_accuracy=None), baseline=baseline)
    assert outcome.passed
    assert "stance_accuracy" not in {c.metric for c in outcome.checks}


def test_baseline_report_must_be_a_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema_version": "eval-report/1"}), encoding="utf-8")
    with pytest.raises(EvalInputError, match="field metrics: Field required"):
        load_baseline(path)
    path.write_text(json.dumps({"schema_version": "eval-report/1", "metrics": {"f1": 0.5}}), encoding="utf-8")
    with pytest.raises(EvalInputError, match="unknown metrics: f1"):
        load_baseline(path)
