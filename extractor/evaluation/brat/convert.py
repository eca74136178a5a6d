"""Converting brat annotations into gold articles: which .ann file per article, and each attribution as a claim.

Each event ``E<n>  Attribution:T.. Content:T.. Cue:T.. Source:T..`` becomes a gold
claim: Content is the evidence (and, whitespace collapsed, the claim text), Source the
claimant (its name resolved by ``SourceResolver``), Cue the cue. Of several annotators
of one article, the smallest annotator id is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from extractor.articles import normalise_text
from extractor.evaluation.brat.ann import ROLE_LABELS, BratDocument, parse_ann, read_text
from extractor.evaluation.brat.sources import Attribution, SourceResolver, attributions_of
from extractor.evaluation.brat.spans import collapsed, is_direct_quote, joined
from extractor.evaluation.brat.stats import ImportStats
from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import GoldArticle, GoldClaim, GoldClaimant
from extractor.evaluation.names import MentionForm
from extractor.records import AttributionKind, Evidence


def convert_article(
    article_id: str,
    text_path: Path,
    ann_path: Path,
    base_dir: Path,
    published: dt.date | None,
    stats: ImportStats,
) -> GoldArticle:
    """Turn one text file and its chosen .ann file into a gold article."""
    raw, text = read_text(text_path)
    if normalise_text(text) != text:
        # brat offsets count a BOM and CR characters; predictions index the text without them.
        raise EvalInputError(
            f"{text_path}: has a byte-order mark, CR line ends or lone surrogates, which extract normalises "
            "away; convert it to plain UTF-8 with LF line ends (and its .ann offsets with it) first"
        )
    document = parse_ann(ann_path, text)
    _count_what_is_not_used(document, stats)
    attributions = attributions_of(document, text, stats)
    names = SourceResolver(text, attributions).names()
    claims: list[tuple[tuple[int, int, int], GoldClaim]] = []
    for order, (attribution, resolved) in enumerate(zip(attributions, names, strict=True)):
        parts = attribution.content
        claims.append(((parts[0][0], parts[-1][1], order), _gold_claim(text, attribution, resolved, stats)))
    stats.claims += len(claims)
    return GoldArticle(
        id=article_id,
        source=Path(os.path.relpath(text_path.resolve(), base_dir.resolve())).as_posix(),
        text_sha256=hashlib.sha256(raw).hexdigest(),
        published=published,
        claims=[claim for _, claim in sorted(claims, key=lambda item: item[0])],
    )


def _count_what_is_not_used(document: BratDocument, stats: ImportStats) -> None:
    """Notes, other brat lines, label mismatches, Discard/Discuss marks and spans in no attribution: counted."""
    stats.annotator_notes += document.notes
    stats.other_brat_lines += document.other_lines
    stats.role_label_mismatches += document.role_label_mismatches
    labels = [bound.label for bound in document.textbounds.values()]
    stats.discard_marks += labels.count("Discard")
    stats.discuss_marks += labels.count("Discuss")
    used = {target for event in document.events for _, target in (("", event.trigger_id), *event.arguments)}
    stats.unlinked_spans += sum(
        1 for bound in document.textbounds.values() if bound.label in ROLE_LABELS and bound.id not in used
    )


def _gold_claim(text: str, attribution: Attribution, resolved: str | None, stats: ImportStats) -> GoldClaim:
    """One attribution as a gold claim: its Content the evidence, its Source (``resolved``: the name) the claimant."""
    parts = attribution.content
    start, end = parts[0][0], parts[-1][1]
    claimant = None
    if attribution.source is None:
        stats.without_source += 1
    else:
        if attribution.source.form is MentionForm.NAMED:
            stats.sources_named += 1
        elif resolved is not None:
            stats.sources_resolved += 1
        else:
            stats.sources_unresolved += 1
        claimant = GoldClaimant(name=resolved or attribution.source.mention, mention=attribution.source.mention)
    quoted = is_direct_quote(text, start, end)
    stats.direct_quote += quoted
    stats.discontinuous += len(parts) > 1
    return GoldClaim(
        claimant=claimant,
        claim=collapsed(joined(text, parts)),
        evidence=Evidence(quote=text[start:end], start=start, end=end),
        evidence_parts=[Evidence(quote=text[s:e], start=s, end=e) for s, e in parts] if len(parts) > 1 else None,
        attribution=AttributionKind.DIRECT_QUOTE if quoted else None,
        cue=attribution.cue,
    )


def _annotations_by_article(text_dir: Path, ann_dir: Path) -> tuple[dict[str, list[tuple[str, Path]]], list[Path]]:
    """Map article stems to (annotator id, .ann path); ``<stem>.ann`` has annotator id ''."""
    texts = {path.stem: path for path in sorted(text_dir.glob("*.txt"))}
    by_article: dict[str, list[tuple[str, Path]]] = defaultdict(list)
    for ann_path in sorted(ann_dir.glob("*.ann")):
        stem, annotator = ann_path.stem, ""
        if stem not in texts and "_" in stem:
            stem, annotator = stem.rsplit("_", 1)
        if stem not in texts:
            raise EvalInputError(f"{ann_path}: no matching text file {stem}.txt in {text_dir}")
        by_article[stem].append((annotator, ann_path))
    return by_article, [texts[stem] for stem in sorted(texts)]


def chosen_annotations(text_dir: Path, ann_dir: Path) -> list[tuple[Path, Path]]:
    """Each annotated article's text and the .ann file ``import_brat`` uses for it, sorted by id.

    The rule is ``import_brat``'s: of several annotators, the smallest annotator id.
    """
    by_article, text_paths = _annotations_by_article(text_dir, ann_dir)
    return [(path, sorted(by_article[path.stem])[0][1]) for path in text_paths if by_article.get(path.stem)]


def read_publication_dates(metadata: Path) -> dict[str, dt.date | None]:
    """``filename`` -> ``publication_date`` from a PolNeAR-style metadata.tsv."""
    _, raw = read_text(metadata)
    dates: dict[str, dt.date | None] = {}
    reader = csv.DictReader(raw.splitlines(), delimiter="\t")
    if reader.fieldnames is None or not {"filename", "publication_date"} <= set(reader.fieldnames):
        raise EvalInputError(f"{metadata}: expected a tab-separated file with filename and publication_date columns")
    for line_no, row in enumerate(reader, start=2):
        value = (row.get("publication_date") or "").strip()
        try:
            dates[row["filename"]] = dt.date.fromisoformat(value) if value and value != "None" else None
        except ValueError:
            raise EvalInputError(f"{metadata}:{line_no}: field publication_date: not a date: {value!r}") from None
    return dates


@dataclass
class ImportResult:
    articles: list[GoldArticle]
    stats: ImportStats = field(default_factory=ImportStats)


def import_brat(
    text_dir: Path, ann_dir: Path, *, base_dir: Path | None = None, metadata: Path | None = None
) -> ImportResult:
    """Convert a folder of texts and a folder of .ann files into gold articles (sorted by id).

    When an article has several .ann files (``<stem>_<annotator>.ann``), the one
    with the lexicographically smallest annotator id is used.
    """
    for folder in (text_dir, ann_dir):
        if not folder.is_dir():
            raise EvalInputError(f"{folder}: not a folder")
    base_dir = Path.cwd() if base_dir is None else base_dir
    dates = read_publication_dates(metadata) if metadata is not None else {}
    result = ImportResult(articles=[])
    stats = result.stats
    by_article, text_paths = _annotations_by_article(text_dir, ann_dir)
    for text_path in text_paths:
        annotations = sorted(by_article.get(text_path.stem, []))
        if not annotations:
            stats.texts_without_annotation += 1
            continue
        stats.ann_files += len(annotations)
        if len(annotations) > 1:
            stats.articles_double_annotated += 1
            stats.annotations_not_used += len(annotations) - 1
        if metadata is not None and text_path.stem not in dates:
            stats.not_in_metadata += 1
        article = convert_article(
            text_path.stem, text_path, annotations[0][1], base_dir, dates.get(text_path.stem), stats
        )
        result.articles.append(article)
        stats.articles += 1
    return result
