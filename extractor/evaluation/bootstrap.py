"""Percentile bootstrap intervals over articles for the span F1s and the attribute accuracies.

Articles are resampled with replacement; each resample's F1 is recomputed from
the per-article credits and counts (micro) or per-article F1s (macro), and each
accuracy as correct over total summed over the resampled articles (resamples
where nothing was measured are left out). The procedure is documented in
``docs/evaluation.md`` ("Bootstrap intervals"); the gate reads the intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np


class ArticleCredits(Protocol):
    """What the bootstrap needs of one article's score."""

    n_predicted: int
    n_gold: int

    def credits(self, family: str) -> tuple[float, float]: ...

    def scores(self, family: str) -> tuple[float, float, float]: ...


def vector_f1(
    credit_predicted: np.ndarray, credit_gold: np.ndarray, n_predicted: np.ndarray, n_gold: np.ndarray
) -> np.ndarray:
    """``metrics.precision_recall_f1``'s F1 over arrays, with the same empty-side convention."""
    both_empty = (n_predicted == 0) & (n_gold == 0)
    precision = np.divide(credit_predicted, n_predicted, out=both_empty.astype(float), where=n_predicted > 0)
    recall = np.divide(credit_gold, n_gold, out=both_empty.astype(float), where=n_gold > 0)
    total = precision + recall
    return np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)


def percentile_intervals(
    scores: Sequence[ArticleCredits],
    families: Sequence[str],
    *,
    resamples: int,
    seed: int,
    confidence: float,
) -> dict[str, tuple[float, float]]:
    """``{family}_f1_{micro,macro}`` -> (low, high) for every family; empty without articles or resamples."""
    if not scores or resamples <= 0:
        return {}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(scores), size=(resamples, len(scores)))
    n_predicted = np.array([s.n_predicted for s in scores], dtype=float)
    n_gold = np.array([s.n_gold for s in scores], dtype=float)
    tail = (1 - confidence) / 2 * 100
    intervals: dict[str, tuple[float, float]] = {}
    for family in families:
        credit_predicted = np.array([s.credits(family)[0] for s in scores], dtype=float)
        credit_gold = np.array([s.credits(family)[1] for s in scores], dtype=float)
        article_f1 = np.array([s.scores(family)[2] for s in scores], dtype=float)
        micro = vector_f1(
            credit_predicted[draws].sum(axis=1),
            credit_gold[draws].sum(axis=1),
            n_predicted[draws].sum(axis=1),
            n_gold[draws].sum(axis=1),
        )
        macro = article_f1[draws].mean(axis=1)
        for average, values in (("micro", micro), ("macro", macro)):
            low, high = np.percentile(values, [tail, 100 - tail])
            intervals[f"{family}_f1_{average}"] = (float(low), float(high))
    return intervals


def ratio_intervals(
    tallies: Mapping[str, tuple[Sequence[float], Sequence[int]]],
    *,
    resamples: int,
    seed: int,
    confidence: float,
) -> dict[str, tuple[float, float]]:
    """``name`` -> (low, high) of sum(numerator) / sum(denominator) over article resamples.

    ``tallies`` gives per name the per-article numerators (e.g. correct, or a sum of per-pair scores)
    and denominators (e.g. how many were counted).

    The same seed draws the same resamples as ``percentile_intervals``. A name never measured in any
    resample gets no interval.
    """
    sizes = {len(total) for _, total in tallies.values()}
    if not tallies or resamples <= 0 or sizes == {0}:
        return {}
    if len(sizes) != 1:
        raise ValueError(f"every tally needs one value per article, got lengths {sorted(sizes)}")
    (articles,) = sizes
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, articles, size=(resamples, articles))
    tail = (1 - confidence) / 2 * 100
    intervals: dict[str, tuple[float, float]] = {}
    for name, (correct, total) in tallies.items():
        correct_sums = np.asarray(correct, dtype=float)[draws].sum(axis=1)
        total_sums = np.asarray(total, dtype=float)[draws].sum(axis=1)
        measured = total_sums > 0
        if not measured.any():
            continue
        low, high = np.percentile(correct_sums[measured] / total_sums[measured], [tail, 100 - tail])
        intervals[name] = (float(low), float(high))
    return intervals
