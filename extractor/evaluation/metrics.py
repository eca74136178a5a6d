"""Scoring predictions against gold: span F1s, attribute accuracies, grounding, bootstrap intervals.

``evaluate`` builds the whole ``EvaluationReport`` (the schema of report.json).
Every metric is in [0, 1] and higher is better, which is what the gate relies on.
The definitions, conventions for empty sides and the bootstrap are documented
in ``docs/evaluation.md``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from extractor.evaluation.bootstrap import percentile_intervals, ratio_intervals
from extractor.evaluation.gold import GoldClaim, GoldSet
from extractor.evaluation.matching import ArticleMatch, ClaimSpans, match_article
from extractor.evaluation.meaning import MEANING_METRIC_NAMES, MeaningFindings, MeaningTally
from extractor.evaluation.names import claimant_matches, is_bare_pronoun_or_description
from extractor.evaluation.predictions import PredictionSet, align_to_gold
from extractor.evaluation.speakers import SPEAKER_METRIC_NAMES, SpeakerFindings, SpeakerTally
from extractor.records import Claim

REPORT_SCHEMA_VERSION = "eval-report/2"
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20180507
BOOTSTRAP_CONFIDENCE = 0.95

SPAN_FAMILIES = ("overlap", "exact", "soft")
ATTRIBUTE_FIELDS = ("claimant", "stance", "said_on", "attribution")
ACCURACY_METRICS = {
    "claimant": "claimant_accuracy",
    "stance": "stance_accuracy",
    "said_on": "date_accuracy",
    "attribution": "attribution_accuracy",
}
SPAN_AND_ACCURACY_METRIC_NAMES: tuple[str, ...] = (
    *(
        f"{family}_{measure}_{average}"
        for family in SPAN_FAMILIES
        for average in ("micro", "macro")
        for measure in ("precision", "recall", "f1")
    ),
    *ACCURACY_METRICS.values(),
    "grounding_rate",
)
METRIC_NAMES: tuple[str, ...] = (*SPAN_AND_ACCURACY_METRIC_NAMES, *MEANING_METRIC_NAMES, *SPEAKER_METRIC_NAMES)
INTERVAL_METRICS: tuple[str, ...] = (
    *(f"{family}_f1_{average}" for family in SPAN_FAMILIES for average in ("micro", "macro")),
    *ACCURACY_METRICS.values(),
    "grounding_rate",
    *MEANING_METRIC_NAMES,
    *SPEAKER_METRIC_NAMES,
)

ArticleStatus = Literal["ok", "error", "missing"]


class _ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Interval(_ReportModel):
    low: float
    high: float


class BootstrapSettings(_ReportModel):
    resamples: int
    seed: int
    confidence: float


class ClaimRef(_ReportModel):
    """A gold claim nobody found, or a predicted claim matching no gold claim."""

    article_id: str
    index: int
    start: int
    end: int
    quote: str
    claimant: str | None
    claim: str


class Disagreement(_ReportModel):
    """A matched pair whose attribute (claimant, stance, date, attribution kind) differs."""

    article_id: str
    gold_index: int
    predicted_index: int
    field: str
    gold: str | None
    predicted: str | None
    quote: str


class PairRecord(_ReportModel):
    article_id: str
    gold_index: int
    predicted_index: int
    shared_tokens: int
    gold_tokens: int
    predicted_tokens: int
    dice: float


class ArticleBreakdown(_ReportModel):
    id: str
    status: ArticleStatus
    error: str | None = None
    gold_claims: int
    predicted_claims: int
    matched: int
    exact_matched: int
    overlap_precision: float
    overlap_recall: float
    overlap_f1: float
    exact_f1: float
    soft_f1: float


class GateCheck(_ReportModel):
    metric: str
    kind: Literal["threshold", "baseline"]
    required: float
    actual: float | None
    passed: bool
    detail: str


class GateOutcome(_ReportModel):
    passed: bool
    checks: list[GateCheck]
    thresholds_file: str | None = None
    baseline_file: str | None = None
    tolerance: float | None = None


class EvaluationReport(_ReportModel):
    """Everything one evaluation found; written as report.json."""

    schema_version: str = REPORT_SCHEMA_VERSION
    created_at: dt.datetime
    gold: str
    gold_sha256: str
    predictions: str
    predictions_sha256: str
    counts: dict[str, int]
    metrics: dict[str, float | None]
    intervals: dict[str, Interval]
    bootstrap: BootstrapSettings
    articles: list[ArticleBreakdown]
    missing_articles: list[str]
    error_articles: list[str]
    misses: list[ClaimRef]
    spurious: list[ClaimRef]
    disagreements: list[Disagreement]
    matches: list[PairRecord]
    meaning: MeaningFindings = Field(default_factory=MeaningFindings)
    speakers: SpeakerFindings = Field(default_factory=SpeakerFindings)
    warnings: list[str]
    gate: GateOutcome | None = None


def precision_recall_f1(
    credit_predicted: float, credit_gold: float, n_predicted: int, n_gold: int
) -> tuple[float, float, float]:
    """P, R and F1; an empty side scores 1 only when the other side is empty too.

    ``credit_predicted`` is the (possibly fractional) number of correct predictions
    and ``credit_gold`` the number of gold claims found; they are equal for
    whole-claim counts and differ for the token-level soft scores.
    """
    precision = _ratio(credit_predicted, n_predicted, n_gold)
    recall = _ratio(credit_gold, n_gold, n_predicted)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _ratio(credit: float, denominator: int, other_side: int) -> float:
    if denominator:
        return credit / denominator
    return 1.0 if other_side == 0 else 0.0


@dataclass
class _AttributeTally:
    correct: int = 0
    total: int = 0


@dataclass
class _ArticleScore:
    """Per-article counts; everything the micro, macro and bootstrap figures are built from."""

    id: str
    status: ArticleStatus
    error: str | None
    n_gold: int
    n_predicted: int
    matched: int = 0
    exact: int = 0
    soft_predicted_credit: float = 0.0
    soft_gold_credit: float = 0.0
    grounded: int = 0
    attributes: dict[str, _AttributeTally] = field(
        default_factory=lambda: {name: _AttributeTally() for name in ATTRIBUTE_FIELDS}
    )
    # This article's share of each meaning metric: (numerator, denominator), for the bootstrap.
    meaning: dict[str, tuple[float, int]] = field(default_factory=dict)

    def credits(self, family: str) -> tuple[float, float]:
        if family == "overlap":
            return self.matched, self.matched
        if family == "exact":
            return self.exact, self.exact
        return self.soft_predicted_credit, self.soft_gold_credit

    def scores(self, family: str) -> tuple[float, float, float]:
        credit_predicted, credit_gold = self.credits(family)
        return precision_recall_f1(credit_predicted, credit_gold, self.n_predicted, self.n_gold)


def _gold_spans(claim: GoldClaim) -> ClaimSpans:
    return ClaimSpans(spans=tuple(claim.spans), claim=claim.claim)


def _predicted_spans(claim: Claim) -> ClaimSpans:
    return ClaimSpans(spans=((claim.evidence.start, claim.evidence.end),), claim=claim.claim)


def same_speaker_and_stance(predicted: Claim, gold: GoldClaim) -> tuple[bool, bool]:
    """Whether a predicted claim names the gold claim's claimant, and takes its stance (what matching prefers)."""
    claimant = gold.claimant
    same_claimant = claimant is not None and claimant_matches(
        predicted.claimant.name, claimant.name, claimant.aliases, claimant.mention
    )
    return same_claimant, gold.stance is not None and predicted.stance == gold.stance


def _gold_ref(article_id: str, index: int, claim: GoldClaim) -> ClaimRef:
    return ClaimRef(
        article_id=article_id,
        index=index,
        start=claim.evidence.start,
        end=claim.evidence.end,
        quote=claim.evidence.quote,
        claimant=claim.claimant.name if claim.claimant else None,
        claim=claim.claim,
    )


def _predicted_ref(article_id: str, index: int, claim: Claim) -> ClaimRef:
    return ClaimRef(
        article_id=article_id,
        index=index,
        start=claim.evidence.start,
        end=claim.evidence.end,
        quote=claim.evidence.quote,
        claimant=claim.claimant.name,
        claim=claim.claim,
    )


def _attribute_values(gold: GoldClaim, predicted: Claim) -> dict[str, tuple[str | None, str | None, bool] | None]:
    """Per attribute: (gold, predicted, correct), or None where the pair does not count."""
    values: dict[str, tuple[str | None, str | None, bool] | None] = dict.fromkeys(ATTRIBUTE_FIELDS)
    claimant = gold.claimant
    if claimant is not None and not is_bare_pronoun_or_description(claimant.name):
        correct = claimant_matches(predicted.claimant.name, claimant.name, claimant.aliases, claimant.mention)
        values["claimant"] = (claimant.name, predicted.claimant.name, correct)
    if gold.stance is not None:
        values["stance"] = (gold.stance.value, predicted.stance.value, predicted.stance == gold.stance)
    if gold.said_on is not None:
        predicted_date = predicted.said_on.isoformat() if predicted.said_on else None
        values["said_on"] = (gold.said_on.isoformat(), predicted_date, predicted.said_on == gold.said_on)
    if gold.attribution is not None:
        values["attribution"] = (
            gold.attribution.value,
            predicted.attribution.value,
            predicted.attribution == gold.attribution,
        )
    return values


@dataclass
class _Collected:
    scores: list[_ArticleScore] = field(default_factory=list)
    misses: list[ClaimRef] = field(default_factory=list)
    spurious: list[ClaimRef] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    matches: list[PairRecord] = field(default_factory=list)
    meaning: MeaningTally = field(default_factory=MeaningTally)
    speakers: SpeakerTally = field(default_factory=SpeakerTally)


def _score_article(
    collected: _Collected,
    article_id: str,
    text: str,
    gold_claims: Sequence[GoldClaim],
    predicted_claims: Sequence[Claim],
    status: ArticleStatus,
    error: str | None,
) -> None:
    match: ArticleMatch = match_article(
        text,
        [_predicted_spans(c) for c in predicted_claims],
        [_gold_spans(c) for c in gold_claims],
        agreement=lambda i, j: same_speaker_and_stance(predicted_claims[i], gold_claims[j]),
    )
    score = _ArticleScore(
        id=article_id,
        status=status,
        error=error,
        n_gold=len(gold_claims),
        n_predicted=len(predicted_claims),
        matched=len(match.pairs),
        exact=match.exact_matches,
        grounded=sum(claim.evidence.grounded_in(text) for claim in predicted_claims),
    )
    for pair in match.pairs:
        gold, predicted = gold_claims[pair.gold], predicted_claims[pair.predicted]
        score.soft_predicted_credit += pair.shared_tokens / pair.predicted_tokens
        score.soft_gold_credit += pair.shared_tokens / pair.gold_tokens
        collected.matches.append(
            PairRecord(
                article_id=article_id,
                gold_index=pair.gold,
                predicted_index=pair.predicted,
                shared_tokens=pair.shared_tokens,
                gold_tokens=pair.gold_tokens,
                predicted_tokens=pair.predicted_tokens,
                dice=pair.dice,
            )
        )
        for name, value in _attribute_values(gold, predicted).items():
            if value is None:
                continue
            gold_value, predicted_value, correct = value
            tally = score.attributes[name]
            tally.total += 1
            tally.correct += correct
            if not correct:
                collected.disagreements.append(
                    Disagreement(
                        article_id=article_id,
                        gold_index=pair.gold,
                        predicted_index=pair.predicted,
                        field=name,
                        gold=gold_value,
                        predicted=predicted_value,
                        quote=gold.evidence.quote,
                    )
                )
    before = collected.meaning.ratios()
    collected.meaning.add_article(article_id, text, gold_claims, predicted_claims, match.pairs)
    score.meaning = {
        name: (numerator - before[name][0], denominator - before[name][1])
        for name, (numerator, denominator) in collected.meaning.ratios().items()
    }
    hits, total = collected.speakers.full_name_hits, collected.speakers.full_name_total
    collected.speakers.add_article(article_id, text, gold_claims, predicted_claims, match.pairs)
    # Per article, like the meaning metrics: what the bootstrap resamples for claimant_full_name's interval.
    score.meaning["claimant_full_name"] = (
        collected.speakers.full_name_hits - hits, collected.speakers.full_name_total - total
    )
    collected.misses.extend(_gold_ref(article_id, j, gold_claims[j]) for j in match.unmatched_gold)
    collected.spurious.extend(_predicted_ref(article_id, i, predicted_claims[i]) for i in match.unmatched_predicted)
    collected.scores.append(score)


def evaluate(
    gold: GoldSet,
    predictions: PredictionSet,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    now: dt.datetime | None = None,
) -> EvaluationReport:
    """Score ``predictions`` against ``gold`` and gather everything a report shows.

    Prediction lines are paired with gold articles by id, else by the sha256 of their text (``align_to_gold``).
    """
    predictions = align_to_gold(predictions, gold)
    collected = _Collected()
    warnings = list(predictions.warnings)
    missing: list[str] = []
    errored: list[str] = []
    for article_id, loaded in gold.articles.items():
        result = predictions.results.get(article_id)
        if result is None:
            missing.append(article_id)
            status: ArticleStatus = "missing"
            predicted_claims: list[Claim] = []
            error = None
        elif result.status == "error":
            errored.append(article_id)
            status, predicted_claims, error = "error", [], result.error
        else:
            status, predicted_claims, error = "ok", list(result.claims), None
        _score_article(collected, article_id, loaded.text, loaded.article.claims, predicted_claims, status, error)

    ignored = sorted(set(predictions.results) - set(gold.articles))
    warnings.extend(_coverage_warnings(ignored, missing, errored))
    scores = collected.scores
    metrics = {**_metrics(scores), **collected.meaning.metrics(), **collected.speakers.metrics()}
    counts = {
        **_counts(scores),
        "articles_missing": len(missing),
        "articles_error": len(errored),
        "predicted_articles_ignored": len(ignored),
        **collected.meaning.counts(),
        **collected.speakers.counts(),
    }
    return EvaluationReport(
        created_at=now or dt.datetime.now(dt.UTC),
        gold=str(gold.path),
        gold_sha256=gold.sha256,
        predictions=str(predictions.path),
        predictions_sha256=predictions.sha256,
        counts=counts,
        metrics=metrics,
        intervals=bootstrap_intervals(scores, resamples=resamples, seed=seed),
        bootstrap=BootstrapSettings(resamples=resamples, seed=seed, confidence=BOOTSTRAP_CONFIDENCE),
        articles=[_breakdown(s) for s in scores],
        missing_articles=missing,
        error_articles=errored,
        misses=collected.misses,
        spurious=collected.spurious,
        disagreements=collected.disagreements,
        matches=collected.matches,
        meaning=collected.meaning.findings,
        speakers=collected.speakers.findings(),
        warnings=warnings,
    )


def _coverage_warnings(ignored: Sequence[str], missing: Sequence[str], errored: Sequence[str]) -> list[str]:
    """The report's warnings about articles that were not scored as predicted."""
    warnings = []
    if ignored:
        shown = ", ".join(ignored[:10]) + (f" and {len(ignored) - 10} more" if len(ignored) > 10 else "")
        warnings.append(f"{len(ignored)} predicted articles are not in the gold file and were ignored: {shown}")
    if missing:
        warnings.append(f"{len(missing)} gold articles have no prediction line and count as all missed")
    if errored:
        warnings.append(f"{len(errored)} gold articles have an error prediction line and count as all missed")
    return warnings


def _counts(scores: Sequence[_ArticleScore]) -> dict[str, int]:
    """The claim counts summed over the scored articles."""
    return {
        "articles": len(scores),
        "gold_claims": sum(s.n_gold for s in scores),
        "predicted_claims": sum(s.n_predicted for s in scores),
        "matched": sum(s.matched for s in scores),
        "exact_matched": sum(s.exact for s in scores),
        "grounded_predictions": sum(s.grounded for s in scores),
        **{f"{name}_pairs": sum(s.attributes[name].total for s in scores) for name in ATTRIBUTE_FIELDS},
    }


def _metrics(scores: Sequence[_ArticleScore]) -> dict[str, float | None]:
    metrics: dict[str, float | None] = {}
    n_predicted = sum(s.n_predicted for s in scores)
    n_gold = sum(s.n_gold for s in scores)
    for family in SPAN_FAMILIES:
        credit_predicted = sum(s.credits(family)[0] for s in scores)
        credit_gold = sum(s.credits(family)[1] for s in scores)
        micro = precision_recall_f1(credit_predicted, credit_gold, n_predicted, n_gold)
        per_article = [s.scores(family) for s in scores]
        macro = (
            tuple(float(np.mean(column)) for column in zip(*per_article, strict=True))
            if per_article
            else (0.0, 0.0, 0.0)
        )
        for measure, micro_value, macro_value in zip(("precision", "recall", "f1"), micro, macro, strict=True):
            metrics[f"{family}_{measure}_micro"] = micro_value
            metrics[f"{family}_{measure}_macro"] = macro_value
    for name, metric in ACCURACY_METRICS.items():
        correct = sum(s.attributes[name].correct for s in scores)
        total = sum(s.attributes[name].total for s in scores)
        metrics[metric] = correct / total if total else None
    grounded = sum(s.grounded for s in scores)
    metrics["grounding_rate"] = grounded / n_predicted if n_predicted else None
    return {name: metrics[name] for name in SPAN_AND_ACCURACY_METRIC_NAMES}


def _breakdown(score: _ArticleScore) -> ArticleBreakdown:
    overlap = score.scores("overlap")
    return ArticleBreakdown(
        id=score.id,
        status=score.status,
        error=score.error,
        gold_claims=score.n_gold,
        predicted_claims=score.n_predicted,
        matched=score.matched,
        exact_matched=score.exact,
        overlap_precision=overlap[0],
        overlap_recall=overlap[1],
        overlap_f1=overlap[2],
        exact_f1=score.scores("exact")[2],
        soft_f1=score.scores("soft")[2],
    )


def bootstrap_intervals(
    scores: Sequence[_ArticleScore],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = BOOTSTRAP_CONFIDENCE,
) -> dict[str, Interval]:
    """Percentile bootstrap over articles (resampled with replacement) for every metric in INTERVAL_METRICS."""
    found = percentile_intervals(scores, SPAN_FAMILIES, resamples=resamples, seed=seed, confidence=confidence)
    tallies = {
        metric: ([s.attributes[name].correct for s in scores], [s.attributes[name].total for s in scores])
        for name, metric in ACCURACY_METRICS.items()
    }
    tallies["grounding_rate"] = ([s.grounded for s in scores], [s.n_predicted for s in scores])
    for name in (*MEANING_METRIC_NAMES, *SPEAKER_METRIC_NAMES):
        tallies[name] = ([s.meaning[name][0] for s in scores], [s.meaning[name][1] for s in scores])
    found |= ratio_intervals(tallies, resamples=resamples, seed=seed, confidence=confidence)
    return {name: Interval(low=low, high=high) for name, (low, high) in found.items()}
