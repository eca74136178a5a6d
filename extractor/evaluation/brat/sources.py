"""Sources of attributions: each event's Content, Source mention and Cue, and the Source resolved to a name.

A named mention is its own name; pronouns, relative pronouns, definite descriptions
and first-person pronouns are resolved deterministically (``SourceResolver``; the rule
is documented in docs/evaluation.md); anything else keeps the mention as written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from extractor.evaluation.brat.ann import ROLE_SUFFIX, BratDocument, BratEvent, Span
from extractor.evaluation.brat.spans import collapsed, fragments_of, joined, merge_fragments
from extractor.evaluation.brat.stats import ImportStats
from extractor.evaluation.names import (
    FIRST_PERSON_PRONOUNS,
    OTHER_PRONOUNS,
    PERSONAL_SINGULAR_PRONOUNS,
    RELATIVE_PRONOUNS,
    MentionForm,
    description_head,
    mention_form,
    same_word,
    words,
)

_RELATIVE_GAP = re.compile(r"^[\s,]*(?:\([^()]*\))?[\s,]*$")
_MENTION_EDGE = " \t\n,;:—–-"


@dataclass(frozen=True)
class SourceMention:
    start: int
    end: int
    mention: str
    form: MentionForm


@dataclass
class Attribution:
    event: BratEvent
    content: list[Span]
    source: SourceMention | None
    cue: str | None


def clean_mention(mention: str) -> str:
    return collapsed(mention).strip(_MENTION_EDGE)


def attributions_of(document: BratDocument, text: str, stats: ImportStats) -> list[Attribution]:
    found = []
    for event in document.events:
        stats.attributions += 1
        by_role: dict[str, list[str]] = defaultdict(list)
        for role, target in event.arguments:
            by_role[ROLE_SUFFIX.sub("", role)].append(target)
        content = merge_fragments(fragments_of(document, by_role["Content"]))
        if not content or not collapsed(joined(text, content)):
            stats.skipped_no_content += 1
            continue
        if len(by_role["Content"]) > 1:
            stats.multiple_content_arguments += 1
        source = None
        source_spans = merge_fragments(fragments_of(document, by_role["Source"]))
        if source_spans:
            mention = clean_mention(joined(text, source_spans))
            if mention:
                source = SourceMention(source_spans[0][0], source_spans[-1][1], mention, mention_form(mention))
            if event.trigger_label == "Attribution-no-source":
                stats.no_source_label_with_source += 1
        cue_spans = merge_fragments(fragments_of(document, by_role["Cue"]))
        cue = collapsed(joined(text, cue_spans)) or None
        found.append(Attribution(event=event, content=content, source=source, cue=cue))
    return found


_RELATIVE_CLAUSE = re.compile(r",?\s+(?:who|whom|whose|which)\b.*$", re.DOTALL)


def name_of_named_mention(mention: str) -> str:
    """A named mention as a name: cut before a relative clause ("Weld, who added ..." -> "Weld")."""
    return _RELATIVE_CLAUSE.sub("", mention).strip(_MENTION_EDGE) or mention


class SourceResolver:
    """Gives each attribution's Source mention a name, resolving pronouns and descriptions.

    The rule (documented in docs/evaluation.md): a named mention is its own name
    (cut before a relative clause); "he"/"she" and the like take the nearest named
    source mention ending before them that does not start with a quantifier
    ("some Democrats"); "who"/"which"/"that" take a named source mention directly
    before them (only commas, spaces or one parenthesis between); a definite
    description ("the spokesman") takes the nearest earlier named source mention
    containing its head word; "I"/"we" and the like take the name given to the
    source of the innermost attribution whose content holds them (the speaker of
    the quote). Anything else keeps the mention as written.
    """

    def __init__(self, text: str, attributions: list[Attribution]) -> None:
        self.text = text
        self.attributions = attributions
        self.named = sorted(
            {a.source for a in attributions if a.source and a.source.form is MentionForm.NAMED},
            key=lambda m: (m.end, m.start),
        )

    def names(self) -> list[str | None]:
        """Per attribution: the resolved name, or None (no source, or it stays as written)."""
        resolved: list[str | None] = [
            self._resolve_from_context(a.source) if a.source else None for a in self.attributions
        ]
        # First person needs the speaker's name, so it is resolved after the others.
        for index, attribution in enumerate(self.attributions):
            source = attribution.source
            if source and source.form is MentionForm.PRONOUN and source.mention.casefold() in FIRST_PERSON_PRONOUNS:
                resolved[index] = self._speaker_around(source, resolved)
        return resolved

    def _resolve_from_context(self, source: SourceMention) -> str | None:
        if source.form is MentionForm.NAMED:
            return name_of_named_mention(source.mention)
        folded = source.mention.casefold()
        earlier = [m for m in self.named if m.end <= source.start]
        if source.form is MentionForm.PRONOUN:
            if folded in PERSONAL_SINGULAR_PRONOUNS:
                for candidate in reversed(earlier):
                    if words(candidate.mention)[0].casefold() not in OTHER_PRONOUNS:
                        return name_of_named_mention(candidate.mention)
            elif (
                folded in RELATIVE_PRONOUNS
                and earlier
                and _RELATIVE_GAP.match(self.text[earlier[-1].end : source.start])
            ):
                return name_of_named_mention(earlier[-1].mention)
            return None
        if source.form is MentionForm.DEFINITE:
            head = description_head(source.mention)
            for candidate in reversed(earlier):
                if head and any(same_word(head, word) for word in words(candidate.mention)):
                    return name_of_named_mention(candidate.mention)
        return None

    def _speaker_around(self, source: SourceMention, resolved: list[str | None]) -> str | None:
        enclosing = [
            (a.content[-1][1] - a.content[0][0], a.content[0][0], name)
            for a, name in zip(self.attributions, resolved, strict=True)
            if name is not None and a.content[0][0] <= source.start and source.end <= a.content[-1][1]
        ]
        return min(enclosing)[2] if enclosing else None
