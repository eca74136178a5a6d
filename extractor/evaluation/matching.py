"""Pairing predicted claims with gold claims inside one article.

Claims are compared by their evidence spans, at token level: a token is a run of
``\\w`` characters in the article text, and a span holds every token it overlaps
by at least one character (a discontinuous gold span holds the union over its
parts). The pairing is one-to-one and optimal (``scipy.optimize.linear_sum_assignment``):
it maximises, in this order (each criterion decides only among pairings equal on the ones before):
the number of pairs; the number of pairs whose claimant agrees; the number whose stance agrees; the
total token Dice overlap of the pairs, rounded up to thousandths; the total claim-text similarity
(``rapidfuzz.fuzz.ratio``, in whole percent). Who said it thus decides between gold claims that
share words (one speaker asserts and another denies the same sentence) before span overlap does,
but never at the cost of a pair, so the span scores stay about spans. Claimant and stance agreement
come from the caller (``agreement``); without it only spans and claim texts count. Pairs without a
shared token are never made.
Exact-span matching is separate: see ``exact_match_count``.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, utils
from scipy.optimize import linear_sum_assignment

TOKEN_PATTERN = re.compile(r"\w+")
# Dice is compared in thousandths; claim-text similarity in whole percent.
DICE_STEPS = 1000
SIMILARITY_STEPS = 100
_EXTRA_TRIM_CHARACTERS = frozenset("`´'\"")

Span = tuple[int, int]
# (predicted index, gold index) -> (same claimant, same stance)
Agreement = Callable[[int, int], tuple[bool, bool]]


@dataclass(frozen=True)
class ClaimSpans:
    """What matching needs of a claim: its evidence spans and its claim text."""

    spans: tuple[Span, ...]
    claim: str

    @property
    def covering_span(self) -> Span:
        return self.spans[0][0], self.spans[-1][1]


class TokenIndex:
    """The word tokens of one article, for turning character spans into token sets."""

    def __init__(self, text: str) -> None:
        self.text = text
        matches = list(TOKEN_PATTERN.finditer(text))
        self._starts = [m.start() for m in matches]
        self._ends = [m.end() for m in matches]

    def tokens(self, spans: Sequence[Span]) -> frozenset[int]:
        """Indices of the tokens that overlap any of ``spans`` by at least one character."""
        found: set[int] = set()
        for start, end in spans:
            first = bisect_right(self._ends, start)  # first token ending after the span starts
            stop = bisect_left(self._starts, end)  # first token starting at or after the span ends
            found.update(range(first, stop))
        return frozenset(found)


@dataclass(frozen=True)
class MatchedPair:
    """A predicted claim paired with a gold claim, and how much their evidence overlaps."""

    predicted: int
    gold: int
    shared_tokens: int
    predicted_tokens: int
    gold_tokens: int
    similarity: float

    @property
    def dice(self) -> float:
        return 2 * self.shared_tokens / (self.predicted_tokens + self.gold_tokens)


@dataclass(frozen=True)
class ArticleMatch:
    """The result of matching one article: pairs, and the claims left over on each side."""

    pairs: list[MatchedPair]
    unmatched_predicted: list[int]
    unmatched_gold: list[int]
    exact_matches: int


def claim_similarity(left: str, right: str) -> float:
    """Claim-text similarity in [0, 1]: rapidfuzz's normalised Indel ratio after default processing."""
    return fuzz.ratio(left, right, processor=utils.default_process) / 100


def match_article(
    text: str,
    predicted: Sequence[ClaimSpans],
    gold: Sequence[ClaimSpans],
    agreement: Agreement | None = None,
) -> ArticleMatch:
    """Pair predicted and gold claims one-to-one (see the module docstring for the rule)."""
    index = TokenIndex(text)
    predicted_tokens = [index.tokens(item.spans) for item in predicted]
    gold_tokens = [index.tokens(item.spans) for item in gold]

    pairs: list[MatchedPair] = []
    if predicted and gold:
        most = min(len(predicted), len(gold))
        shared = np.zeros((len(predicted), len(gold)), dtype=np.int64)
        similarities: dict[tuple[int, int], float] = {}
        weights = np.zeros((len(predicted), len(gold)), dtype=np.float64)
        for i, p_tokens in enumerate(predicted_tokens):
            for j, g_tokens in enumerate(gold_tokens):
                common = len(p_tokens & g_tokens)
                if not common:
                    continue
                size = len(p_tokens) + len(g_tokens)
                dice_steps = -(-2 * DICE_STEPS * common // size)  # ceiling, in integers
                similarity = claim_similarity(predicted[i].claim, gold[j].claim)
                similarities[i, j] = similarity
                shared[i, j] = common
                same_claimant, same_stance = agreement(i, j) if agreement is not None else (False, False)
                weights[i, j] = _pair_weight(
                    most, int(same_claimant), int(same_stance), dice_steps, round(similarity * SIMILARITY_STEPS)
                )
        rows, cols = linear_sum_assignment(weights, maximize=True)
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if shared[i, j] > 0:
                pairs.append(
                    MatchedPair(
                        predicted=i,
                        gold=j,
                        shared_tokens=int(shared[i, j]),
                        predicted_tokens=len(predicted_tokens[i]),
                        gold_tokens=len(gold_tokens[j]),
                        similarity=similarities[i, j],
                    )
                )
    pairs.sort(key=lambda pair: pair.gold)
    matched_predicted = {pair.predicted for pair in pairs}
    matched_gold = {pair.gold for pair in pairs}
    return ArticleMatch(
        pairs=pairs,
        unmatched_predicted=[i for i in range(len(predicted)) if i not in matched_predicted],
        unmatched_gold=[j for j in range(len(gold)) if j not in matched_gold],
        exact_matches=exact_match_count(text, predicted, gold),
    )


def _pair_weight(most: int, claimant: int, stance: int, dice_steps: int, similarity: int) -> float:
    """One integer weight whose sum over any pairing orders pairings by the module docstring's criteria.

    Each criterion's total over a pairing of at most ``most`` pairs stays below one step of the
    criterion before it, so the order is exact (mixed radix). The weight stays below 2**53, where
    float64 holds integers exactly, up to a few hundred claims a side.
    """
    weight = 1
    for value, radix in ((claimant, most + 1), (stance, most + 1), (dice_steps, DICE_STEPS * most + 1)):
        weight = weight * radix + value
    return float(weight * (SIMILARITY_STEPS * most + 1) + similarity)


def trimmed_span(text: str, span: Span) -> Span:
    """``span`` without whitespace, punctuation or quote marks at either end."""
    start, end = span
    while start < end and _is_trim_character(text[start]):
        start += 1
    while end > start and _is_trim_character(text[end - 1]):
        end -= 1
    return start, end


def _is_trim_character(character: str) -> bool:
    return character.isspace() or unicodedata.category(character).startswith("P") or character in _EXTRA_TRIM_CHARACTERS


def exact_match_count(text: str, predicted: Sequence[ClaimSpans], gold: Sequence[ClaimSpans]) -> int:
    """Size of the largest one-to-one pairing of claims whose trimmed boundaries are equal.

    A gold claim's boundaries are those of its covering span (first part's start
    to last part's end). Equal boundaries are an equivalence, so the largest
    pairing is, per boundary pair, the smaller of the two counts.
    """

    def boundaries(items: Sequence[ClaimSpans]) -> Counter[Span]:
        found: Counter[Span] = Counter()
        for item in items:
            start, end = trimmed_span(text, _clamped(item.covering_span, len(text)))
            if start < end:
                found[start, end] += 1
        return found

    predicted_boundaries, gold_boundaries = boundaries(predicted), boundaries(gold)
    return sum(min(count, gold_boundaries[key]) for key, count in predicted_boundaries.items())


def _clamped(span: Span, length: int) -> Span:
    start, end = span
    return min(max(start, 0), length), min(max(end, 0), length)
