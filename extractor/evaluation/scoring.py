"""Scoring and gating in one call: what ``extractor eval`` and the service's ``POST /v1/eval`` both run.

Given a loaded gold set and predictions, ``score`` aligns the predictions to the gold (by id,
else by text), computes the report (``metrics.evaluate``; ``only_predicted`` scores just the
gold articles that have a prediction), gathers the warnings (the gold's own, a baseline taken
on another gold file, nothing to score) and adds the gate's outcome when thresholds or a
baseline are given. Reading files and writing reports stay with the callers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from extractor.evaluation.gate import DEFAULT_TOLERANCE, BaselineReport, check_gate
from extractor.evaluation.gold import GoldSet
from extractor.evaluation.metrics import EvaluationReport, evaluate
from extractor.evaluation.predictions import PredictionSet, align_to_gold


@dataclass(frozen=True)
class Scoring:
    """A report, the predictions as scored (aligned to the gold), and why nothing was scored, if so."""

    report: EvaluationReport
    predictions: PredictionSet
    nothing_scored: str | None


def score(
    gold: GoldSet,
    predictions: PredictionSet,
    *,
    thresholds: Mapping[str, float] | None = None,
    baseline: BaselineReport | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    tolerances: Mapping[str, float] | None = None,
    compared: Collection[str] | None = None,
    thresholds_file: str | None = None,
    baseline_file: str | None = None,
    only_predicted: bool = False,
) -> Scoring:
    """Score ``predictions`` against ``gold``; gated when thresholds or a baseline are given."""
    predictions = align_to_gold(predictions, gold)
    predicted_gold = [article_id for article_id in gold.articles if article_id in predictions.results]
    scored = gold
    if only_predicted:
        kept = {article_id: gold.articles[article_id] for article_id in predicted_gold}
        scored = dataclasses.replace(gold, articles=kept)

    report = evaluate(scored, predictions)
    report.warnings[:0] = gold.warnings
    if only_predicted:
        report.warnings.append(f"--only-predicted: scored {len(predicted_gold)} of {len(gold.articles)} gold articles")
    nothing_scored = None
    if not predictions.results:
        nothing_scored = f"no prediction lines in {predictions.path}: nothing was scored"
    elif not predicted_gold:
        nothing_scored = f"the predictions in {predictions.path} name none of the {len(gold.articles)} gold articles"
    if nothing_scored:
        report.warnings.append(nothing_scored)
    if baseline is not None and baseline.gold_sha256 and baseline.gold_sha256 != gold.sha256:
        named = f"the baseline {baseline_file}" if baseline_file else "the baseline"
        report.warnings.append(f"{named} was computed on a different gold file")
    if thresholds is not None or baseline is not None:
        report.gate = check_gate(
            report.metrics,
            thresholds=thresholds,
            baseline=baseline,
            tolerance=tolerance,
            tolerances=tolerances,
            compared=compared,
            thresholds_file=thresholds_file,
            baseline_file=baseline_file,
        )
    return Scoring(report=report, predictions=predictions, nothing_scored=nothing_scored)
