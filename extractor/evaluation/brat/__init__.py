"""Importing brat standoff attribution annotations (PolNeAR) into the gold format.

Each brat event ``E<n>  Attribution:T.. Content:T.. Cue:T.. Source:T..`` becomes a
gold claim: Content is the evidence (and, whitespace collapsed, the claim text),
Source the claimant, Cue the cue. The rules for double annotation, discontinuous
spans, missing sources and contents, Discard/Discuss marks, quotation detection
and resolving pronoun sources are documented in ``docs/evaluation.md``; every
attribution left out is counted in ``ImportStats``, never dropped silently.

Modules: ``convert`` (the import: articles, their chosen .ann, claims), ``sources``
(each attribution's Source resolved to a name), ``spans`` (fragments, quotations),
``ann`` (reading .ann files), ``stats`` (what was kept and skipped).
"""

from extractor.evaluation.brat.ann import (
    ATTRIBUTION_TRIGGERS,
    KNOWN_TEXT_LABELS,
    MARK_LABELS,
    ROLE_LABELS,
    BratDocument,
    BratEvent,
    Span,
    TextBound,
    parse_ann,
)
from extractor.evaluation.brat.convert import (
    ImportResult,
    chosen_annotations,
    convert_article,
    import_brat,
    read_publication_dates,
)
from extractor.evaluation.brat.sources import SourceResolver, name_of_named_mention
from extractor.evaluation.brat.spans import QUOTE_FAMILIES, collapsed, is_direct_quote, merge_fragments
from extractor.evaluation.brat.stats import ImportStats

__all__ = [
    "ATTRIBUTION_TRIGGERS",
    "KNOWN_TEXT_LABELS",
    "MARK_LABELS",
    "QUOTE_FAMILIES",
    "ROLE_LABELS",
    "BratDocument",
    "BratEvent",
    "ImportResult",
    "ImportStats",
    "SourceResolver",
    "Span",
    "TextBound",
    "chosen_annotations",
    "collapsed",
    "convert_article",
    "import_brat",
    "is_direct_quote",
    "merge_fragments",
    "name_of_named_mention",
    "parse_ann",
    "read_publication_dates",
]
