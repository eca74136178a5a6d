"""What changed between two extraction runs (``extractor diff A.jsonl B.jsonl``), optionally judged by gold.

Articles are paired by id, else by the sha256 of their text. Inside an article two claims are the
*same claim* when their evidence is the same span (start and end); each is then **unchanged** or
**changed** in the fields that say who claimed what and when (claimant, stance, claim, said_on).
Several claims on one span are paired first with their exact twin, then in file order. A claim
whose span the other run does not have is **only in A** or **only in B**.

With gold, both runs are scored (``metrics.evaluate``, so the pairing is the eval's) and each gold
claim's fate compared: **fixed** when A missed it and B matches it, **broken** when A matched it and
B misses it. Changed claims also say whether the change made their matched gold claim's
claimant/stance/date right (``fixed``) or wrong (``broke``).

``render_markdown`` is sized for a pull-request comment: totals first, then the ``top`` articles
with the most differences, each listing at most ``per_article`` claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from extractor.evaluation.gold import GoldSet
from extractor.evaluation.metrics import EvaluationReport, evaluate
from extractor.evaluation.predictions import PredictionSet
from extractor.records import ArticleResult, Claim

COMPARED_FIELDS: tuple[str, ...] = ("claimant", "stance", "claim", "said_on")
GOLD_FIELDS: dict[str, str] = {"claimant": "claimant", "stance": "stance", "said_on": "said_on"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DiffClaim(_Model):
    """A claim as the diff shows it (``index``: its position in its run's line)."""

    index: int
    claimant: str
    stance: str
    claim: str
    said_on: str | None
    start: int
    end: int
    quote: str


class FieldChange(_Model):
    field: str
    a: str | None
    b: str | None


class ChangedClaim(_Model):
    a: DiffClaim
    b: DiffClaim
    changes: list[FieldChange]
    verdict: Literal["fixed", "broke", "mixed", "neutral"] | None = None


class GoldFate(_Model):
    """A gold claim that one run found and the other did not."""

    gold_index: int
    claimant: str | None
    quote: str


class ArticleDiff(_Model):
    id: str
    status_a: str | None
    status_b: str | None
    unchanged: int
    unchanged_pairs: list[tuple[int, int]] = []
    only_a: list[DiffClaim]
    only_b: list[DiffClaim]
    changed: list[ChangedClaim]
    fixed: list[GoldFate] = []
    broken: list[GoldFate] = []

    @property
    def differences(self) -> int:
        return len(self.only_a) + len(self.only_b) + len(self.changed) + (self.status_a != self.status_b)


class DiffTotals(_Model):
    articles: int
    articles_changed: int
    only_in_run_a: int
    only_in_run_b: int
    claims_a: int
    claims_b: int
    unchanged: int
    only_a: int
    only_b: int
    changed: int
    fixed: int | None = None
    broken: int | None = None
    f1_a: float | None = None
    f1_b: float | None = None


class RunDiff(_Model):
    """What ``extractor diff`` reports (its JSON format)."""

    a: str
    b: str
    gold: str | None
    totals: DiffTotals
    articles: list[ArticleDiff]
    articles_only_in_a: list[str]
    articles_only_in_b: list[str]


def _diff_claim(index: int, claim: Claim) -> DiffClaim:
    return DiffClaim(
        index=index,
        claimant=claim.claimant.name,
        stance=claim.stance.value,
        claim=claim.claim,
        said_on=claim.said_on.isoformat() if claim.said_on else None,
        start=claim.evidence.start,
        end=claim.evidence.end,
        quote=claim.evidence.quote,
    )


def _values(claim: DiffClaim) -> tuple[str | None, ...]:
    return tuple(getattr(claim, name) for name in COMPARED_FIELDS)


def _pair_runs(a: PredictionSet, b: PredictionSet) -> tuple[list[tuple[str, ArticleResult, ArticleResult]], list, list]:
    by_text = {result.text_sha256: key for key, result in b.results.items() if result.text_sha256}
    paired, only_a, used = [], [], set()
    for key, result in a.results.items():
        other_key = key if key in b.results else by_text.get(result.text_sha256 or "")
        if other_key is None or other_key in used:
            only_a.append(key)
            continue
        used.add(other_key)
        paired.append((key, result, b.results[other_key]))
    return paired, only_a, [key for key in b.results if key not in used]


def diff_article(article_id: str, a: ArticleResult, b: ArticleResult) -> ArticleDiff:
    """One article's claims compared by evidence span (see the module docstring)."""
    a_claims = [_diff_claim(i, claim) for i, claim in enumerate(a.claims)]
    b_claims = [_diff_claim(i, claim) for i, claim in enumerate(b.claims)]
    by_span: dict[tuple[int, int], list[DiffClaim]] = defaultdict(list)
    for claim in b_claims:
        by_span[claim.start, claim.end].append(claim)
    unchanged: list[tuple[int, int]] = []
    only_a, changed = [], []
    leftovers: list[DiffClaim] = []
    for claim in a_claims:  # exact twins first, so a changed claim is never paired past its twin
        candidates = by_span.get((claim.start, claim.end), [])
        twin = next((other for other in candidates if _values(other) == _values(claim)), None)
        if twin is not None:
            candidates.remove(twin)
            unchanged.append((claim.index, twin.index))
        else:
            leftovers.append(claim)
    for claim in leftovers:
        candidates = by_span.get((claim.start, claim.end), [])
        if not candidates:
            only_a.append(claim)
            continue
        other = candidates.pop(0)
        changes = [
            FieldChange(field=name, a=getattr(claim, name), b=getattr(other, name))
            for name in COMPARED_FIELDS
            if getattr(claim, name) != getattr(other, name)
        ]
        changed.append(ChangedClaim(a=claim, b=other, changes=changes))
    only_b = sorted((claim for rest in by_span.values() for claim in rest), key=lambda claim: claim.index)
    return ArticleDiff(
        id=article_id,
        status_a=a.status,
        status_b=b.status,
        unchanged=len(unchanged),
        unchanged_pairs=unchanged,
        only_a=only_a,
        only_b=only_b,
        changed=sorted(changed, key=lambda item: item.a.index),
    )


def _wrong_fields(report: EvaluationReport, article_id: str, predicted_index: int) -> set[str] | None:
    """The attributes a predicted claim gets wrong against its matched gold claim; None when unmatched."""
    if not any(m.article_id == article_id and m.predicted_index == predicted_index for m in report.matches):
        return None
    return {
        d.field
        for d in report.disagreements
        if d.article_id == article_id and d.predicted_index == predicted_index and d.field in GOLD_FIELDS
    }


def _judged(article: ArticleDiff, gold_id: str, report_a: EvaluationReport, report_b: EvaluationReport) -> ArticleDiff:
    matched_a = {m.gold_index for m in report_a.matches if m.article_id == gold_id}
    matched_b = {m.gold_index for m in report_b.matches if m.article_id == gold_id}
    refs = {m.index: m for m in (*report_a.misses, *report_b.misses) if m.article_id == gold_id}

    def fate(index: int) -> GoldFate:
        ref = refs[index]
        return GoldFate(gold_index=index, claimant=ref.claimant, quote=ref.quote)

    changed = []
    for item in article.changed:
        before = _wrong_fields(report_a, gold_id, item.a.index)
        after = _wrong_fields(report_b, gold_id, item.b.index)
        verdict = None
        if before is not None and after is not None:
            fixed, broke = before - after, after - before
            verdict = "mixed" if fixed and broke else "fixed" if fixed else "broke" if broke else "neutral"
        changed.append(item.model_copy(update={"verdict": verdict}))
    return article.model_copy(
        update={
            "changed": changed,
            "fixed": [fate(index) for index in sorted(matched_b - matched_a)],
            "broken": [fate(index) for index in sorted(matched_a - matched_b)],
        }
    )


def diff_runs(a: PredictionSet, b: PredictionSet, gold: GoldSet | None = None) -> RunDiff:
    """Every paired article's differences, and the totals; judged against ``gold`` when given."""
    paired, only_a, only_b = _pair_runs(a, b)
    articles = [diff_article(key, left, right) for key, left, right in paired]
    f1_a = f1_b = fixed = broken = None
    if gold is not None:
        report_a, report_b = evaluate(gold, a, resamples=0), evaluate(gold, b, resamples=0)
        gold_by_text = {loaded.text_sha256: gold_id for gold_id, loaded in gold.articles.items()}
        judged = []
        for article, (_, left, _) in zip(articles, paired, strict=True):
            gold_id = article.id if article.id in gold.articles else gold_by_text.get(left.text_sha256 or "")
            judged.append(_judged(article, gold_id, report_a, report_b) if gold_id else article)
        articles = judged
        f1_a, f1_b = report_a.metrics["overlap_f1_micro"], report_b.metrics["overlap_f1_micro"]
        fixed = sum(len(article.fixed) for article in articles)
        broken = sum(len(article.broken) for article in articles)
    totals = DiffTotals(
        articles=len(paired),
        articles_changed=sum(1 for article in articles if article.differences or article.fixed or article.broken),
        only_in_run_a=len(only_a),
        only_in_run_b=len(only_b),
        claims_a=sum(len(left.claims) for _, left, _ in paired),
        claims_b=sum(len(right.claims) for _, _, right in paired),
        unchanged=sum(article.unchanged for article in articles),
        only_a=sum(len(article.only_a) for article in articles),
        only_b=sum(len(article.only_b) for article in articles),
        changed=sum(len(article.changed) for article in articles),
        fixed=fixed,
        broken=broken,
        f1_a=f1_a,
        f1_b=f1_b,
    )
    return RunDiff(
        a=str(a.path),
        b=str(b.path),
        gold=str(gold.path) if gold is not None else None,
        totals=totals,
        articles=articles,
        articles_only_in_a=only_a,
        articles_only_in_b=only_b,
    )


def _cell(value: str | None, limit: int = 80) -> str:
    """A value safe inside a Markdown table cell or list item: one line, no pipes, no HTML, bounded."""
    if value is None:
        return "–"
    flat = " ".join(value.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    flat = flat.replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _ranked(diff: RunDiff) -> list[ArticleDiff]:
    return sorted(
        (a for a in diff.articles if a.differences or a.fixed or a.broken),
        key=lambda a: (-(a.differences + len(a.fixed) + len(a.broken)), a.id),
    )


def render_markdown(diff: RunDiff, *, top: int = 10, per_article: int = 5) -> str:
    """A pull-request comment: totals, then the ``top`` most changed articles (``per_article`` claims each)."""
    t = diff.totals
    lines = [
        "### Claim extraction diff",
        "",
        f"A: `{_cell(diff.a)}` · B: `{_cell(diff.b)}`" + (f" · gold: `{_cell(diff.gold)}`" if diff.gold else ""),
        "",
        "| | count |",
        "|---|---:|",
        f"| articles compared | {t.articles} |",
        f"| articles with changes | {t.articles_changed} |",
        f"| claims A → B | {t.claims_a} → {t.claims_b} |",
        f"| unchanged | {t.unchanged} |",
        f"| only in A (removed) | {t.only_a} |",
        f"| only in B (added) | {t.only_b} |",
        f"| changed | {t.changed} |",
    ]
    if t.fixed is not None:
        lines.append(f"| gold claims fixed (missed in A, found in B) | {t.fixed} |")
        lines.append(f"| gold claims broken (found in A, missed in B) | {t.broken} |")
        lines.append(f"| overlap F1 (micro) A → B | {t.f1_a:.3f} → {t.f1_b:.3f} |")
    if t.only_in_run_a or t.only_in_run_b:
        lines.append(f"| articles only in A / only in B | {t.only_in_run_a} / {t.only_in_run_b} |")
    ranked = _ranked(diff)
    if not ranked:
        lines += ["", "No claim changed."]
        return "\n".join(lines) + "\n"
    lines += ["", f"#### Most changed articles ({min(top, len(ranked))} of {len(ranked)})"]
    for article in ranked[:top]:
        lines += ["", f"**{_cell(article.id)}**: {len(article.only_a)} removed, {len(article.only_b)} added, "
                  f"{len(article.changed)} changed"
                  + (f", {len(article.fixed)} fixed, {len(article.broken)} broken" if diff.gold else "")]
        items: list[str] = []
        items += [f"- ➖ {_cell(c.claimant, 40)} ({c.stance}): {_cell(c.claim)}" for c in article.only_a]
        items += [f"- ➕ {_cell(c.claimant, 40)} ({c.stance}): {_cell(c.claim)}" for c in article.only_b]
        for change in article.changed:
            what = "; ".join(f"{c.field} {_cell(c.a, 40)} → {_cell(c.b, 40)}" for c in change.changes)
            verdict = f" **{change.verdict}**" if change.verdict in ("fixed", "broke", "mixed") else ""
            items.append(f"- ✏️ on “{_cell(change.a.quote, 50)}”: {what}{verdict}")
        items += [f"- ✅ fixed: {_cell(g.claimant, 40)} on “{_cell(g.quote, 50)}”" for g in article.fixed]
        items += [f"- ❌ broken: {_cell(g.claimant, 40)} on “{_cell(g.quote, 50)}”" for g in article.broken]
        lines += items[:per_article]
        if len(items) > per_article:
            lines.append(f"- … {len(items) - per_article} more")
    if len(ranked) > top:
        lines += ["", f"… and {len(ranked) - top} more articles with changes (`extractor diff --format json`)."]
    return "\n".join(lines) + "\n"


def changed_ids(diff: RunDiff) -> Sequence[str]:
    """The ids of the articles with any difference, most changed first."""
    return [article.id for article in _ranked(diff)]
