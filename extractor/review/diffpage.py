"""The review page in diff mode: two runs' claims marked in one text (``extractor diff --format html``).

Run A's claims take the page's gold side and run B's the predicted side, paired as
``extractor.evaluation.diff`` pairs them (same evidence span): a B claim on the same span as an A
claim is shown as *same span* (its changed fields listed as disagreements, A against B), an A claim
B lacks as *only in A*, a B claim A lacks as *only in B*. The page's words say so (``labels``), so
the one page script draws both modes.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from extractor.evaluation.diff import RunDiff
from extractor.evaluation.predictions import PredictionSet
from extractor.records import ArticleResult
from extractor.review.model import (
    FieldDisagreement,
    PageArticle,
    PageSummary,
    ReviewPage,
    _ClaimFields,
    _gold_claim,
    _placed,
    _predicted_claim,
    _result_fields,
)
from extractor.review.texts import TextResolver

DIFF_LABELS: dict[str, str] = {
    "gold": "A",
    "predicted": "B",
    "matched": "same span",
    "missed": "only in A",
    "spurious": "only in B",
    "gold-matched": "A's side of a same-span pair",
    "pair_title": "Run A's claim on the same span",
    "field_gold": "A",
    "field_predicted": "B",
    "agree": "A and B agree on this claim.",
    "gold_claims": "claims in A",
    "predicted_claims": "claims in B",
}


def _claims_of(result: ArticleResult) -> list[_ClaimFields]:
    """A run's line as the page's gold side (A) would show it: its claims, as gold-like fields."""
    from extractor.evaluation.drafts import gold_claim_from

    return [_gold_claim(i, gold_claim_from(claim), "missed", None) for i, claim in enumerate(result.claims)]


def _article(article_id: str, a: ArticleResult, b: ArticleResult, diff: RunDiff, texts: TextResolver) -> PageArticle:
    found = texts.text_for(b)
    if found.text is None:
        found = texts.text_for(a)
    entry = next(item for item in diff.articles if item.id == article_id)
    a_fields = _claims_of(a)
    pair_of: dict[int, int] = {}
    changes: dict[int, list[FieldDisagreement]] = {}
    for changed in entry.changed:
        pair_of[changed.b.index] = changed.a.index
        changes[changed.b.index] = [
            FieldDisagreement(field=change.field, gold=change.a, predicted=change.b) for change in changed.changes
        ]
    for i, j in entry.unchanged_pairs:
        pair_of[j] = i
    claims: list[_ClaimFields] = []
    for j, claim in enumerate(b.claims):
        status: Literal["matched", "spurious"] = "matched" if j in pair_of else "spurious"
        pair = f"g{pair_of[j]}" if j in pair_of else None
        claims.append(_predicted_claim(j, claim, status, pair, changes.get(j, [])))
    to_b = {i: j for j, i in pair_of.items()}
    for i, fields in enumerate(a_fields):
        if i in to_b:
            fields.update(match="gold-matched", pair=f"p{to_b[i]}")
        claims.append(fields)
    return PageArticle(
        id=article_id,
        title=b.title or a.title,
        source=b.source,
        status=b.status,
        error=b.error if b.status == "error" else a.error,
        in_gold=True,
        text=found.text,
        text_note=found.note,
        **_result_fields(b),
        scores=None,
        claims=_placed(claims, found.text),
    )


def build_diff_page(
    diff: RunDiff, a: PredictionSet, b: PredictionSet, texts: TextResolver, *, now: dt.datetime | None = None
) -> ReviewPage:
    """The page of the articles both runs hold, most changed first."""
    by_text = {result.text_sha256: key for key, result in b.results.items() if result.text_sha256}
    order = sorted(diff.articles, key=lambda item: (-(item.differences + len(item.fixed) + len(item.broken)), item.id))
    articles = []
    for item in order:
        left = a.results[item.id]
        right_key = item.id if item.id in b.results else by_text[left.text_sha256 or ""]
        articles.append(_article(item.id, left, b.results[right_key], diff, texts))
    totals = diff.totals
    drawn = sum(1 for article in articles for claim in article.claims if claim.span is not None)
    every = sum(len(article.claims) for article in articles)
    summary = PageSummary(
        articles=len(articles),
        ok=sum(article.status == "ok" for article in articles),
        error=sum(article.status == "error" for article in articles),
        missing=0,
        claims=totals.claims_b,
        highlighted=drawn,
        not_highlighted=every - drawn,
        without_text=sum(article.text is None for article in articles),
        gold_claims=totals.claims_a,
        matched=totals.unchanged + totals.changed,
        missed=totals.only_a,
        spurious=totals.only_b,
        metrics=[],
        gate=None,
        warnings=[
            f"{totals.changed} claims changed on the same span, {totals.only_a} only in A, {totals.only_b} only in B"
            + (f"; gold: {totals.fixed} fixed, {totals.broken} broken" if totals.fixed is not None else "")
        ],
    )
    return ReviewPage(
        title="Claim extraction diff: A → B",
        generated_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        predictions=f"A {diff.a} · B {diff.b}",
        gold=diff.gold,
        has_gold=True,
        summary=summary,
        articles=articles,
        mode="diff",
        labels=DIFF_LABELS,
    )
