"""The review page in annotate mode: correct predicted claims, add missed ones, export gold.

``build_annotation_page`` is the ordinary review page of a predictions file plus, per article,
what a gold line needs and the page cannot know by itself: the article's text file (``source``,
relative to the folder the exported gold is to be saved in, ``gold_dir``) and the sha256 of its
bytes (``extractor.evaluation.drafts.locate_source``). Articles without such a file (converted
HTML, JSON records, changed files) are shown but cannot be exported; the page says why.

With an earlier gold file (``--gold``) the page starts from its decisions: a predicted claim with a
gold claim on the same evidence is accepted (or edited, where a field differs), one without is
rejected, a gold claim no prediction has is an added claim, and an article the gold marks
reviewed is done. Work is then kept in the browser (``static/annotate.js``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from extractor.evaluation.drafts import locate_source, relative_to
from extractor.evaluation.gold import GoldClaim, GoldSet
from extractor.evaluation.predictions import PredictionSet, align_to_gold
from extractor.records import AttributionKind, Claim, Stance
from extractor.review.model import AnnotationSetup, ArticleAnnotation, PageArticle, ReviewPage, build_review_page
from extractor.review.texts import TextResolver

# The fields a decision can change, as the page's edit form names them.
EDITABLE = ("claimant", "named", "role", "organization", "stance", "claim", "said_on", "attribution")


def _fields_of_gold(claim: GoldClaim) -> dict[str, Any]:
    claimant = claim.claimant
    return {
        "claimant": claimant.name if claimant else "",
        "named": claimant.named if claimant else None,
        "role": claimant.role if claimant else None,
        "organization": claimant.organization if claimant else None,
        "stance": claim.stance.value if claim.stance else None,
        "claim": claim.claim,
        "said_on": claim.said_on.isoformat() if claim.said_on else None,
        "attribution": claim.attribution.value if claim.attribution else None,
    }


def _fields_of_prediction(claim: Claim) -> dict[str, Any]:
    return {
        "claimant": claim.claimant.name,
        "named": claim.claimant.named,
        "role": claim.claimant.role,
        "organization": claim.claimant.organization,
        "stance": claim.stance.value,
        "claim": claim.claim,
        "said_on": claim.said_on.isoformat() if claim.said_on else None,
        "attribution": claim.attribution.value,
    }


def _earlier_decisions(claims: list[Claim], gold: list[GoldClaim]) -> tuple[dict[str, dict[str, Any]], list]:
    """Decisions per predicted claim id (``p<index>``) and the gold claims left over, as added claims."""
    decisions: dict[str, dict[str, Any]] = {}
    left = list(range(len(gold)))
    for index, claim in enumerate(claims):
        span = (claim.evidence.start, claim.evidence.end)
        same_span = [j for j in left if (gold[j].evidence.start, gold[j].evidence.end) == span]
        predicted = _fields_of_prediction(claim)
        exact = next((j for j in same_span if _fields_of_gold(gold[j]) == predicted), None)
        chosen = exact if exact is not None else (same_span[0] if same_span else None)
        if chosen is None:
            decisions[f"p{index}"] = {"status": "rejected"}
            continue
        left.remove(chosen)
        if exact is not None:
            decisions[f"p{index}"] = {"status": "accepted"}
        else:
            decisions[f"p{index}"] = {"status": "edited", "fields": _fields_of_gold(gold[chosen])}
    added = [
        {
            **_fields_of_gold(gold[j]),
            "quote": gold[j].evidence.quote,
            "start": gold[j].evidence.start,
            "end": gold[j].evidence.end,
            "cue": gold[j].cue,
        }
        for j in left
    ]
    return decisions, added


def build_annotation_page(
    predictions: PredictionSet,
    *,
    texts: TextResolver,
    base_dirs: list[Path],
    gold_dir: Path,
    gold: GoldSet | None = None,
    title: str | None = None,
) -> ReviewPage:
    """The annotate-mode page (see the module docstring); ``base_dirs`` find relative sources."""
    if gold is not None:
        predictions = align_to_gold(predictions, gold)
    page = build_review_page(predictions, texts=texts, title=title or "Claim annotation")
    articles: list[PageArticle] = []
    # The page lists the lines in the predictions' order (keyed by gold id where aligned to a gold).
    for article, (key, result) in zip(page.articles, predictions.results.items(), strict=True):
        found = locate_source(result, base_dirs) if article.text is not None else "the article text is not available"
        earlier = gold.articles.get(key) if gold is not None else None
        decisions: dict[str, dict[str, Any]] = {}
        added: list[dict[str, Any]] = []
        if earlier is not None and result.status == "ok":
            decisions, added = _earlier_decisions(list(result.claims), list(earlier.article.claims))
        annotation = ArticleAnnotation(
            source=None if isinstance(found, str) else relative_to(found.path, gold_dir),
            file_sha256=None if isinstance(found, str) else found.file_sha256,
            published=result.published.isoformat() if result.published else None,
            why_not=found if isinstance(found, str) else None,
            done=earlier.article.reviewed if earlier is not None else False,
            decisions=decisions,
            added=added,
        )
        articles.append(article.model_copy(update={"annotation": annotation}))
    key = hashlib.sha256(
        "\n".join([predictions.sha256, gold.sha256 if gold is not None else "", str(gold_dir.resolve())]).encode()
    ).hexdigest()
    setup = AnnotationSetup(
        key=key,
        gold_dir=str(gold_dir.resolve()),
        stances=[stance.value for stance in Stance],
        attributions=[kind.value for kind in AttributionKind],
    )
    return page.model_copy(update={"articles": articles, "mode": "annotate", "annotation": setup})
