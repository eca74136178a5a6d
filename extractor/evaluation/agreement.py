"""Two annotators' gold files compared (``gold agree``) and combined (``gold merge``).

Both files are gold files in the seed-gold format (``docs/evaluation.md``), loaded and checked by
``load_gold``; articles are paired by id, else by the sha256 of their text. Inside an article the
two sides' claims are paired exactly as predictions are paired with gold (``matching.match_article``:
the most pairs, then the same claimant, then the same stance, then span overlap), so agreement is
measured on the same terms as the extractor is.

* **span F1**: 2 * pairs / (claims in A + claims in B), the F1 of either side scored against the other;
* **stance kappa**: Cohen's kappa on the stance of the paired claims where both give one,
  (p_o - p_e) / (1 - p_e) with p_e from each side's own stance frequencies; undefined (null) when
  p_e is 1 (both sides used one and the same stance throughout);
* **claimant agreement**: the share of pairs, among those where both name a claimant, whose
  claimants name the same speaker (``names.claimant_matches``, tried both ways).

A **conflict** is a claim only one side has, or a pair whose claimant, stance, date, attribution
kind or evidence boundaries differ. ``merge_gold`` takes the union: every pair once, in the preferred
side's version wherever the two differ (``--prefer``), and every claim only one side found (one
annotator's miss is the other's find).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from extractor.evaluation.gold import GoldArticle, GoldClaim, GoldSet, LoadedGoldArticle
from extractor.evaluation.matching import ClaimSpans, match_article
from extractor.evaluation.names import claimant_matches

ConflictKind = Literal["only_a", "only_b", "claimant", "stance", "said_on", "attribution", "evidence"]
PAIR_FIELDS: tuple[ConflictKind, ...] = ("claimant", "stance", "said_on", "attribution", "evidence")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conflict(_Model):
    """Where the two sides disagree: a lone claim (index on its side), or one field of a pair."""

    kind: ConflictKind
    a_index: int | None
    b_index: int | None
    a: str | None
    b: str | None
    quote: str


class ArticleAgreement(_Model):
    id: str
    a_claims: int
    b_claims: int
    pairs: int
    conflicts: list[Conflict]


class AgreementReport(_Model):
    """What ``gold agree`` prints and writes as JSON."""

    a: str
    b: str
    articles: int
    a_claims: int
    b_claims: int
    pairs: int
    span_f1: float
    stance_pairs: int
    stance_observed: float | None
    stance_kappa: float | None
    claimant_pairs: int
    claimant_agreement: float | None
    only_in_a: list[str]
    only_in_b: list[str]
    per_article: list[ArticleAgreement]


def cohen_kappa(left: list[str], right: list[str]) -> float | None:
    """Cohen's kappa of two equally long label lists; None when chance agreement is 1 (or no labels)."""
    if len(left) != len(right):
        raise ValueError("kappa needs one label per item on each side")
    total = len(left)
    if not total:
        return None
    observed = sum(a == b for a, b in zip(left, right, strict=True)) / total
    left_counts, right_counts = Counter(left), Counter(right)
    expected = sum(left_counts[label] * right_counts[label] for label in left_counts) / total**2
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def _same_claimant(a: GoldClaim, b: GoldClaim) -> bool:
    if a.claimant is None or b.claimant is None:
        return False
    return claimant_matches(a.claimant.name, b.claimant.name, b.claimant.aliases, b.claimant.mention) or (
        claimant_matches(b.claimant.name, a.claimant.name, a.claimant.aliases, a.claimant.mention)
    )


def _spans(claim: GoldClaim) -> ClaimSpans:
    return ClaimSpans(spans=tuple(claim.spans), claim=claim.claim)


def _field(claim: GoldClaim, kind: ConflictKind) -> str | None:
    if kind == "claimant":
        return claim.claimant.name if claim.claimant else None
    if kind == "stance":
        return claim.stance.value if claim.stance else None
    if kind == "said_on":
        return claim.said_on.isoformat() if claim.said_on else None
    if kind == "attribution":
        return claim.attribution.value if claim.attribution else None
    return ",".join(f"{start}:{end}" for start, end in claim.spans)


@dataclass
class _PairedArticle:
    """One article's claims on both sides and how they pair: (a index, b index)."""

    id: str
    a: list[GoldClaim]
    b: list[GoldClaim]
    pairs: list[tuple[int, int]]
    only_a: list[int] = field(default_factory=list)
    only_b: list[int] = field(default_factory=list)

    def differs(self, i: int, j: int, kind: ConflictKind) -> bool:
        a, b = self.a[i], self.b[j]
        if kind == "claimant":
            both = a.claimant is not None and b.claimant is not None
            return (a.claimant is None) != (b.claimant is None) or (both and not _same_claimant(a, b))
        return _field(a, kind) != _field(b, kind)


def pair_articles(a: LoadedGoldArticle, b: LoadedGoldArticle) -> _PairedArticle:
    """Pair the two sides' claims in one article (same text: the caller checked the hashes)."""
    a_claims, b_claims = list(a.article.claims), list(b.article.claims)

    def agreement(i: int, j: int) -> tuple[bool, bool]:
        left, right = a_claims[i], b_claims[j]
        return _same_claimant(left, right), left.stance is not None and left.stance == right.stance

    match = match_article(a.text, [_spans(c) for c in a_claims], [_spans(c) for c in b_claims], agreement)
    return _PairedArticle(
        id=a.article.id,
        a=a_claims,
        b=b_claims,
        pairs=[(pair.predicted, pair.gold) for pair in match.pairs],
        only_a=match.unmatched_predicted,
        only_b=match.unmatched_gold,
    )


def _common_articles(a: GoldSet, b: GoldSet) -> tuple[list[tuple[LoadedGoldArticle, LoadedGoldArticle]], list, list]:
    """Articles on both sides (by id, else by text), and the ids found on one side only."""
    by_text = {loaded.text_sha256: loaded for loaded in b.articles.values()}
    common, only_a, used = [], [], set()
    for article_id, loaded in a.articles.items():
        other = b.articles.get(article_id) or by_text.get(loaded.text_sha256)
        if other is None or other.article.id in used:
            only_a.append(article_id)
            continue
        used.add(other.article.id)
        common.append((loaded, other))
    only_b = [article_id for article_id in b.articles if article_id not in used]
    return common, only_a, only_b


def _conflicts(paired: _PairedArticle) -> list[Conflict]:
    found = [
        Conflict(kind="only_a", a_index=i, b_index=None, a=paired.a[i].claim, b=None, quote=paired.a[i].evidence.quote)
        for i in paired.only_a
    ]
    found += [
        Conflict(kind="only_b", a_index=None, b_index=j, a=None, b=paired.b[j].claim, quote=paired.b[j].evidence.quote)
        for j in paired.only_b
    ]
    for i, j in paired.pairs:
        for kind in PAIR_FIELDS:
            if paired.differs(i, j, kind):
                found.append(
                    Conflict(
                        kind=kind,
                        a_index=i,
                        b_index=j,
                        a=_field(paired.a[i], kind),
                        b=_field(paired.b[j], kind),
                        quote=paired.a[i].evidence.quote,
                    )
                )
    return found


def agree(a: GoldSet, b: GoldSet) -> AgreementReport:
    """Compare two gold files over the articles both hold (see the module docstring)."""
    common, only_a, only_b = _common_articles(a, b)
    per_article: list[ArticleAgreement] = []
    a_stances: list[str] = []
    b_stances: list[str] = []
    claimant_pairs = claimant_agreed = 0
    a_total = b_total = pair_total = 0
    for left, right in common:
        paired = pair_articles(left, right)
        a_total, b_total, pair_total = a_total + len(paired.a), b_total + len(paired.b), pair_total + len(paired.pairs)
        for i, j in paired.pairs:
            first, second = paired.a[i], paired.b[j]
            if first.stance is not None and second.stance is not None:
                a_stances.append(first.stance.value)
                b_stances.append(second.stance.value)
            if first.claimant is not None and second.claimant is not None:
                claimant_pairs += 1
                claimant_agreed += _same_claimant(first, second)
        per_article.append(
            ArticleAgreement(
                id=paired.id,
                a_claims=len(paired.a),
                b_claims=len(paired.b),
                pairs=len(paired.pairs),
                conflicts=_conflicts(paired),
            )
        )
    stance_total = len(a_stances)
    observed = sum(x == y for x, y in zip(a_stances, b_stances, strict=True)) / stance_total if stance_total else None
    return AgreementReport(
        a=str(a.path),
        b=str(b.path),
        articles=len(common),
        a_claims=a_total,
        b_claims=b_total,
        pairs=pair_total,
        span_f1=2 * pair_total / (a_total + b_total) if a_total + b_total else 1.0,
        stance_pairs=stance_total,
        stance_observed=observed,
        stance_kappa=cohen_kappa(a_stances, b_stances),
        claimant_pairs=claimant_pairs,
        claimant_agreement=claimant_agreed / claimant_pairs if claimant_pairs else None,
        only_in_a=only_a,
        only_in_b=only_b,
        per_article=per_article,
    )


def render_agreement_text(report: AgreementReport, *, limit: int = 20) -> str:
    """The plain-text view ``gold agree`` prints: totals, then each article's conflicts (at most ``limit`` each)."""

    def figure(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    lines = [
        f"A: {report.a}",
        f"B: {report.b}",
        f"articles compared: {report.articles}"
        + (f" (only in A: {len(report.only_in_a)}, only in B: {len(report.only_in_b)})"
           if report.only_in_a or report.only_in_b else ""),
        f"claims: A {report.a_claims}, B {report.b_claims}, paired {report.pairs}",
        f"span F1: {report.span_f1:.3f}",
        f"stance kappa: {figure(report.stance_kappa)} over {report.stance_pairs} pairs "
        f"(observed agreement {figure(report.stance_observed)})",
        f"claimant agreement: {figure(report.claimant_agreement)} over {report.claimant_pairs} pairs",
    ]
    for article in report.per_article:
        if not article.conflicts:
            continue
        lines.append(f"\n{article.id}: {len(article.conflicts)} conflicts")
        for conflict in article.conflicts[:limit]:
            where = f"A#{conflict.a_index}" if conflict.a_index is not None else ""
            where += ("/" if where and conflict.b_index is not None else "") + (
                f"B#{conflict.b_index}" if conflict.b_index is not None else ""
            )
            quote = conflict.quote if len(conflict.quote) <= 60 else conflict.quote[:59] + "…"
            lines.append(f"  {conflict.kind:<11} {where:<9} A={conflict.a!r} B={conflict.b!r} on {quote!r}")
        if len(article.conflicts) > limit:
            lines.append(f"  … and {len(article.conflicts) - limit} more (see --json)")
    return "\n".join(lines) + "\n"


def merge_gold(a: GoldSet, b: GoldSet, prefer: Literal["a", "b"], output_dir: Path) -> list[GoldArticle]:
    """One gold from two: each pair in the preferred side's version, plus the claims only one side has.

    Claims keep their article's text order. Articles only one side holds are kept as that side has
    them. A merged article is reviewed only when both sides reviewed it. Sources are rewritten
    relative to ``output_dir``, where the merged file is written.
    """
    common, only_a, only_b = _common_articles(a, b)
    merged: list[GoldArticle] = []
    for left, right in common:
        paired = pair_articles(left, right)
        kept = [paired.a[i] if prefer == "a" else paired.b[j] for i, j in paired.pairs]
        kept += [paired.a[i] for i in paired.only_a] + [paired.b[j] for j in paired.only_b]
        kept.sort(key=lambda claim: (claim.evidence.start, claim.evidence.end))
        base, base_dir = (left, a.path.parent) if prefer == "a" else (right, b.path.parent)
        article = base.article.model_copy(
            update={"claims": kept, "reviewed": left.article.reviewed and right.article.reviewed}
        )
        merged.append(relative_source(article, base_dir, output_dir))
    merged += [relative_source(a.articles[article_id].article, a.path.parent, output_dir) for article_id in only_a]
    merged += [relative_source(b.articles[article_id].article, b.path.parent, output_dir) for article_id in only_b]
    return merged


def relative_source(article: GoldArticle, gold_dir: Path, output_dir: Path) -> GoldArticle:
    """The article with its ``source`` rewritten relative to ``output_dir`` (it was relative to ``gold_dir``)."""
    source = Path(article.source)
    absolute = source if source.is_absolute() else (gold_dir / source).resolve()
    return article.model_copy(update={"source": Path(os.path.relpath(absolute, output_dir.resolve())).as_posix()})
