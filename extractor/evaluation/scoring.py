"""Scoring and gating in one call: what ``extractor eval`` and the service's ``POST /v1/eval`` both run.

Given a loaded gold set and predictions, ``score`` computes the report (``metrics.evaluate``),
notes a baseline taken on another gold file, and adds the gate's outcome when thresholds or a
baseline are given. Reading files and writing reports stay with the callers.
"""

from __future__ import annotations

from collections.abc import Mapping

from extractor.evaluation.gate import DEFAULT_TOLERANCE, BaselineReport, check_gate
from extractor.evaluation.gold import GoldSet
from extractor.evaluation.metrics import EvaluationReport, evaluate
from extractor.evaluation.predictions import PredictionSet


def score(
    gold: GoldSet,
    predictions: PredictionSet,
    *,
    thresholds: Mapping[str, float] | None = None,
    baseline: BaselineReport | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    thresholds_file: str | None = None,
    baseline_file: str | None = None,
) -> EvaluationReport:
    """The evaluation report of ``predictions`` against ``gold``, gated when thresholds or a baseline are given."""
    report = evaluate(gold, predictions)
    if baseline is not None and baseline.gold_sha256 and baseline.gold_sha256 != gold.sha256:
        named = f"the baseline {baseline_file}" if baseline_file else "the baseline"
        report.warnings.append(f"{named} was computed on a different gold file")
    if thresholds is not None or baseline is not None:
        report.gate = check_gate(
            report.metrics,
            thresholds=thresholds,
            baseline=baseline,
            tolerance=tolerance,
            thresholds_file=thresholds_file,
            baseline_file=baseline_file,
        )
    return report
