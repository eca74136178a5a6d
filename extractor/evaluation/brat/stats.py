"""What an import kept and skipped: every attribution read is either a claim or a counted skip reason."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar


@dataclass
class ImportStats:
    """Counts printed after an import; every attribution read is either a claim or a skip reason."""

    ann_files: int = 0
    articles: int = 0
    articles_double_annotated: int = 0
    annotations_not_used: int = 0
    texts_without_annotation: int = 0
    attributions: int = 0
    claims: int = 0
    skipped_no_content: int = 0
    without_source: int = 0
    no_source_label_with_source: int = 0
    discontinuous: int = 0
    multiple_content_arguments: int = 0
    direct_quote: int = 0
    sources_named: int = 0
    sources_resolved: int = 0
    sources_unresolved: int = 0
    discard_marks: int = 0
    discuss_marks: int = 0
    unlinked_spans: int = 0
    annotator_notes: int = 0
    other_brat_lines: int = 0
    role_label_mismatches: int = 0
    not_in_metadata: int = 0

    DESCRIPTIONS: ClassVar[dict[str, str]] = {
        "ann_files": ".ann files read",
        "articles": "articles written",
        "articles_double_annotated": "articles annotated more than once (smallest annotator id used)",
        "annotations_not_used": ".ann files not used (other annotators of those articles)",
        "texts_without_annotation": "text files without any .ann file (skipped)",
        "attributions": "attributions (E lines) in the annotations used",
        "claims": "claims written",
        "skipped_no_content": "attributions skipped: no Content",
        "without_source": "claims without a source (claimant null)",
        "no_source_label_with_source": "Attribution-no-source events that do name a Source (kept)",
        "discontinuous": "claims with discontinuous evidence (evidence_parts)",
        "multiple_content_arguments": "claims joining several Content arguments (Content2...)",
        "direct_quote": "claims marked direct_quote (content inside quotation marks)",
        "sources_named": "sources that are names as written",
        "sources_resolved": "pronoun/description sources resolved to an earlier named source",
        "sources_unresolved": "pronoun/description/other sources kept as written",
        "discard_marks": "Discard marks (not attributions; ignored)",
        "discuss_marks": "Discuss marks (not attributions; ignored)",
        "unlinked_spans": "Source/Cue/Content spans in no attribution (ignored)",
        "annotator_notes": "annotator notes (#) (ignored)",
        "other_brat_lines": "other brat lines: A/R/M/N/* (ignored)",
        "role_label_mismatches": "event arguments whose span has another label (role used)",
        "not_in_metadata": "articles missing from the metadata file (published null)",
    }

    def rows(self) -> list[tuple[str, int]]:
        return [(self.DESCRIPTIONS[f.name], getattr(self, f.name)) for f in fields(self)]
