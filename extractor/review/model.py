"""The review page's data: each article with the text its offsets index, its claims and how they matched.

``build_review_page`` turns stored predictions (and, with gold, the
``EvaluationReport`` that ``extractor.evaluation.metrics.evaluate`` made, so the
page shows exactly the evaluation's pairing) into a ``ReviewPage``, which the
renderer embeds in the HTML as JSON. Everything the page's script needs is
computed here, so the script only draws:

* which claims can be highlighted: a claim is drawn only where the article's
  text is known and ``text[start:end] == quote``, so every highlight on the page
  is exactly its evidence;
* the highlight's offsets in UTF-16 code units (``span``), which is how the
  browser indexes strings, while ``start``/``end`` stay the record's code points;
* a layer for each highlight: highlights in one layer never overlap, and the
  page stacks the layers over each other, so overlapping evidence stays legible
  and each claim is still one element holding exactly its quote.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from extractor.articles import sha256_text
from extractor.evaluation.gold import GoldClaim, GoldSet, LoadedGoldArticle
from extractor.evaluation.metrics import (
    ArticleBreakdown,
    Disagreement,
    EvaluationReport,
    GateOutcome,
)
from extractor.evaluation.predictions import PredictionSet, align_to_gold
from extractor.evaluation.reports import format_value
from extractor.records import ArticleResult, Claim
from extractor.review.texts import ArticleText, TextResolver

PAGE_SCHEMA_VERSION = "review-page/1"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

MatchStatus = Literal["matched", "missed", "spurious", "gold-matched"]
PageMode = Literal["review", "diff", "annotate"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldDisagreement(_Frozen):
    """One attribute on which a matched pair's gold and predicted claims differ."""

    field: str
    gold: str | None
    predicted: str | None


class PageClaim(_Frozen):
    """A claim as the page shows it; ``id`` is ``p<index>`` (predicted) or ``g<index>`` (gold)."""

    id: str
    side: Literal["predicted", "gold"]
    match: MatchStatus | None = Field(description="With gold: how the evaluation paired it; otherwise null.")
    pair: str | None = Field(description="The id of the claim it is paired with, if matched.")
    claimant: str | None
    role: str | None
    organization: str | None
    stance: str | None
    claim: str
    quote: str
    start: int
    end: int
    span: tuple[int, int] | None = Field(description="UTF-16 offsets of the highlight; null when not drawn.")
    layer: int = 0
    said_on: str | None
    attribution: str | None
    cue: str | None
    named: bool | None = Field(default=None, description="The claimant's `named` (annotate mode exports it).")
    disagreements: list[FieldDisagreement] = Field(default_factory=list)


class ArticleAnnotation(_Frozen):
    """Annotate mode, per article: where its gold line's text is, and earlier decisions (``--gold``)."""

    source: str | None = Field(description="The article file relative to the gold folder; null: cannot be gold.")
    file_sha256: str | None
    published: str | None
    why_not: str | None = Field(description="Why the article cannot be exported as gold, if so.")
    done: bool = False
    decisions: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Predicted claim id -> {status, fields} from an earlier gold."
    )
    added: list[dict[str, Any]] = Field(default_factory=list, description="Earlier gold claims no prediction has.")


class AnnotationSetup(_Frozen):
    """Annotate mode, for the whole page: the key its saved work is stored under, and the export's folder."""

    key: str = Field(description="sha256 of what the page annotates: saved work is kept per page content.")
    gold_dir: str = Field(description="The folder the exported gold's sources are relative to.")
    stances: list[str]
    attributions: list[str]


class ArticleScores(_Frozen):
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float


class PageArticle(_Frozen):
    id: str
    title: str | None
    source: str
    status: Literal["ok", "error", "missing"]
    error: str | None
    in_gold: bool | None = Field(description="With gold: whether the gold file holds this article.")
    text: str | None
    text_note: str | None
    strategy: str | None
    model: str | None
    prompt_version: str | None
    scores: ArticleScores | None
    claims: list[PageClaim]
    annotation: ArticleAnnotation | None = None


class MetricRow(_Frozen):
    label: str
    value: str
    interval: str | None


class PageSummary(_Frozen):
    articles: int
    ok: int
    error: int
    missing: int
    claims: int
    highlighted: int
    not_highlighted: int
    without_text: int
    gold_claims: int | None
    matched: int | None
    missed: int | None
    spurious: int | None
    metrics: list[MetricRow]
    gate: GateOutcome | None
    warnings: list[str]


class ReviewPage(_Frozen):
    """Everything the review page shows; embedded in the HTML as JSON."""

    schema_version: str = PAGE_SCHEMA_VERSION
    title: str
    generated_at: str
    predictions: str
    gold: str | None
    has_gold: bool
    summary: PageSummary
    articles: list[PageArticle]
    mode: PageMode = "review"
    labels: dict[str, str] = Field(
        default_factory=dict, description="Words the page uses in place of its defaults (diff mode: run A/B)."
    )
    annotation: AnnotationSetup | None = Field(default=None, description="Annotate mode: what the export needs.")


class Utf16Offsets:
    """Converts code-point offsets (Python's) into UTF-16 code units (JavaScript's) for one text."""

    def __init__(self, text: str) -> None:
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]

    def __call__(self, offset: int) -> int:
        # Each astral character before the offset takes two UTF-16 units instead of one.
        return offset + bisect_left(self._astral, offset)


def assign_layers(spans: Sequence[tuple[int, int]]) -> list[int]:
    """A layer per span such that spans in one layer never overlap, using as few layers as possible.

    Greedy by start (interval-graph colouring): the number of layers equals the
    largest number of spans covering one character.
    """
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], -spans[i][1]))
    layer_ends: list[int] = []
    layers = [0] * len(spans)
    for i in order:
        start, end = spans[i]
        for layer, last_end in enumerate(layer_ends):
            if last_end <= start:
                layers[i] = layer
                layer_ends[layer] = end
                break
        else:
            layers[i] = len(layer_ends)
            layer_ends.append(end)
    return layers


# Claims are gathered as keyword dicts and built once their span and layer are known (placing them
# by copying frozen models cost more than everything else on a page of 100,000 claims).
_ClaimFields = dict[str, Any]


def _predicted_claim(
    index: int, claim: Claim, match: MatchStatus | None, pair: str | None, disagreements: list[FieldDisagreement]
) -> _ClaimFields:
    return dict(
        id=f"p{index}",
        side="predicted",
        match=match,
        pair=pair,
        claimant=claim.claimant.name,
        role=claim.claimant.role,
        organization=claim.claimant.organization,
        stance=claim.stance.value,
        claim=claim.claim,
        quote=claim.evidence.quote,
        start=claim.evidence.start,
        end=claim.evidence.end,
        span=None,
        said_on=claim.said_on.isoformat() if claim.said_on else None,
        attribution=claim.attribution.value,
        cue=claim.cue,
        named=claim.claimant.named,
        disagreements=disagreements,
    )


def _gold_claim(index: int, claim: GoldClaim, match: MatchStatus, pair: str | None) -> _ClaimFields:
    claimant = claim.claimant
    return dict(
        id=f"g{index}",
        side="gold",
        match=match,
        pair=pair,
        claimant=claimant.name if claimant else None,
        role=claimant.role if claimant else None,
        organization=claimant.organization if claimant else None,
        stance=claim.stance.value if claim.stance else None,
        claim=claim.claim,
        quote=claim.evidence.quote,
        start=claim.evidence.start,
        end=claim.evidence.end,
        span=None,
        said_on=claim.said_on.isoformat() if claim.said_on else None,
        attribution=claim.attribution.value if claim.attribution else None,
        cue=claim.cue,
    )


def _placed(claims: list[_ClaimFields], text: str | None) -> list[PageClaim]:
    """Build the claims in text order; those grounded in ``text`` get their UTF-16 span and layer."""
    claims = sorted(claims, key=lambda c: (c["start"], c["end"], c["id"]))
    if text is not None:
        to_utf16 = Utf16Offsets(text)
        drawable = [
            c for c in claims if 0 <= c["start"] < c["end"] <= len(text) and text[c["start"] : c["end"]] == c["quote"]
        ]
        for claim, layer in zip(drawable, assign_layers([(c["start"], c["end"]) for c in drawable]), strict=True):
            claim["span"] = (to_utf16(claim["start"]), to_utf16(claim["end"]))
            claim["layer"] = layer
    return [PageClaim(**claim) for claim in claims]


def _scores(breakdown: ArticleBreakdown) -> ArticleScores:
    return ArticleScores(
        gold=breakdown.gold_claims,
        predicted=breakdown.predicted_claims,
        matched=breakdown.matched,
        precision=breakdown.overlap_precision,
        recall=breakdown.overlap_recall,
        f1=breakdown.overlap_f1,
    )


class _Evaluation:
    """The report's pairing, misses, spurious claims and disagreements, indexed by article."""

    def __init__(self, report: EvaluationReport) -> None:
        self.breakdowns = {item.id: item for item in report.articles}
        self.pairs: dict[str, dict[int, int]] = defaultdict(dict)  # article -> predicted index -> gold index
        for pair in report.matches:
            self.pairs[pair.article_id][pair.predicted_index] = pair.gold_index
        self.disagreements: dict[tuple[str, int], list[Disagreement]] = defaultdict(list)
        for item in report.disagreements:
            self.disagreements[item.article_id, item.predicted_index].append(item)

    def claims(self, article_id: str, gold: Sequence[GoldClaim], predicted: Sequence[Claim]) -> list[_ClaimFields]:
        to_gold = self.pairs.get(article_id, {})
        to_predicted = {g: p for p, g in to_gold.items()}
        claims = []
        for index, claim in enumerate(predicted):
            if index in to_gold:
                found = [
                    FieldDisagreement(field=d.field, gold=d.gold, predicted=d.predicted)
                    for d in self.disagreements.get((article_id, index), [])
                ]
                claims.append(_predicted_claim(index, claim, "matched", f"g{to_gold[index]}", found))
            else:
                claims.append(_predicted_claim(index, claim, "spurious", None, []))
        for index, claim in enumerate(gold):
            if index in to_predicted:
                claims.append(_gold_claim(index, claim, "gold-matched", f"p{to_predicted[index]}"))
            else:
                claims.append(_gold_claim(index, claim, "missed", None))
        return claims


def _result_fields(result: ArticleResult | None) -> dict[str, str | None]:
    if result is None:
        return {"strategy": None, "model": None, "prompt_version": None}
    return {"strategy": result.strategy, "model": result.model, "prompt_version": result.prompt_version}


def _gold_article(loaded: LoadedGoldArticle, result: ArticleResult | None, evaluation: _Evaluation) -> PageArticle:
    article_id = loaded.article.id
    predicted = list(result.claims) if result is not None and result.status == "ok" else []
    note = None
    if result is not None and result.text_sha256 and result.text_sha256 != sha256_text(loaded.text):
        note = (
            "the predictions were made on a different text than the gold's (sha256 differs); "
            "claims whose quote is not at their offsets in the gold's text are listed but not highlighted"
        )
    breakdown = evaluation.breakdowns.get(article_id)
    status: Literal["ok", "error", "missing"] = "missing" if result is None else result.status
    return PageArticle(
        id=article_id,
        title=result.title if result is not None else None,
        source=result.source if result is not None else loaded.article.source,
        status=status,
        error=result.error if result is not None else "no prediction line for this gold article",
        in_gold=True,
        text=loaded.text,
        text_note=note,
        **_result_fields(result),
        scores=_scores(breakdown) if breakdown is not None else None,
        claims=_placed(evaluation.claims(article_id, loaded.article.claims, predicted), loaded.text),
    )


def _predicted_article(result: ArticleResult, found: ArticleText, in_gold: bool | None) -> PageArticle:
    claims = [_predicted_claim(i, claim, None, None, []) for i, claim in enumerate(result.claims)]
    return PageArticle(
        id=result.id,
        title=result.title,
        source=result.source,
        status=result.status,
        error=result.error,
        in_gold=in_gold,
        text=found.text,
        text_note=found.note,
        **_result_fields(result),
        scores=None,
        claims=_placed(claims, found.text),
    )


def _metric_rows(report: EvaluationReport) -> list[MetricRow]:
    def interval(name: str) -> str | None:
        found = report.intervals.get(name)
        return f"{found.low:.3f}–{found.high:.3f}" if found else None

    rows = [
        ("overlap precision (micro)", "overlap_precision_micro", None),
        ("overlap recall (micro)", "overlap_recall_micro", None),
        ("overlap F1 (micro)", "overlap_f1_micro", "overlap_f1_micro"),
        ("exact F1 (micro)", "exact_f1_micro", "exact_f1_micro"),
        ("soft F1 (micro)", "soft_f1_micro", "soft_f1_micro"),
        ("claimant accuracy", "claimant_accuracy", None),
        ("stance accuracy", "stance_accuracy", None),
        ("date accuracy", "date_accuracy", None),
        ("grounding rate", "grounding_rate", None),
    ]
    return [
        MetricRow(label=label, value=format_value(report.metrics.get(metric)), interval=interval(ci) if ci else None)
        for label, metric, ci in rows
    ]


def _page_summary(
    articles: Sequence[PageArticle], report: EvaluationReport | None, warnings: list[str]
) -> PageSummary:
    """The counts and scores shown above the articles."""
    predicted = [c for a in articles for c in a.claims if c.side == "predicted"]
    drawn = [c for a in articles for c in a.claims if c.span is not None]
    return PageSummary(
        articles=len(articles),
        ok=sum(a.status == "ok" for a in articles),
        error=sum(a.status == "error" for a in articles),
        missing=sum(a.status == "missing" for a in articles),
        claims=len(predicted),
        highlighted=len(drawn),
        not_highlighted=sum(1 for a in articles for c in a.claims) - len(drawn),
        without_text=sum(a.text is None for a in articles),
        gold_claims=report.counts["gold_claims"] if report else None,
        matched=report.counts["matched"] if report else None,
        missed=len(report.misses) if report else None,
        spurious=len(report.spurious) if report else None,
        metrics=_metric_rows(report) if report else [],
        gate=report.gate if report else None,
        warnings=warnings,
    )


def build_review_page(
    predictions: PredictionSet,
    *,
    texts: TextResolver | None = None,
    gold: GoldSet | None = None,
    report: EvaluationReport | None = None,
    include_unscored: bool = True,
    title: str | None = None,
    now: dt.datetime | None = None,
) -> ReviewPage:
    """The page for ``predictions``; with ``gold`` and its ``report``, matched/missed/spurious and scores.

    ``include_unscored``: with gold, also show predicted articles the gold file
    does not hold (the eval report page leaves them out, as report.json does).
    """
    if (gold is None) != (report is None):
        raise ValueError("gold and report go together: pass both or neither")
    if gold is not None:  # paired as the evaluation pairs them: by id, else by text sha256
        predictions = align_to_gold(predictions, gold)
    results = predictions.results
    resolver = texts or TextResolver([])
    articles: list[PageArticle] = []
    warnings = list(report.warnings) if report is not None else list(predictions.warnings)
    if gold is not None and report is not None:
        evaluation = _Evaluation(report)
        articles.extend(_gold_article(loaded, results.get(i), evaluation) for i, loaded in gold.articles.items())
        if include_unscored:
            articles.extend(
                _predicted_article(result, resolver.text_for(result), in_gold=False)
                for article_id, result in results.items()
                if article_id not in gold.articles
            )
    else:
        articles.extend(
            _predicted_article(result, resolver.text_for(result), in_gold=None) for result in results.values()
        )

    summary = _page_summary(articles, report, warnings)
    default_title = "Claim review" if gold is None else "Claim review against gold"
    return ReviewPage(
        title=title or default_title,
        generated_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        predictions=str(predictions.path),
        gold=str(gold.path) if gold is not None else None,
        has_gold=gold is not None,
        summary=summary,
        articles=articles,
    )
