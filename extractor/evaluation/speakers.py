"""Who said it: full names, fragments, non-speakers, and one key per speaker across the batch.

``SpeakerTally`` collects, article by article, from the same overlap pairing the span
metrics use, then judges the batch as a whole:

* ``claimant_full_name`` (a metric, higher is better): over matched pairs whose gold
  source is a name, the share whose predicted claimant is that name in full as the
  article writes it (``names.is_full_name``);
* fragments: named claimants that are one word of a longer name the article writes
  ("Clinton" where it writes "Hillary Clinton"), as a share of named claimants;
* non-speaker claimants: claimants that name or describe no speaker (``non_speaker``);
* alias splits: pairs of claimant strings of one gold speaker (both matching it) that
  carry different keys, in the batch and within an article; key merges: pairs of gold
  speakers whose claims share a key;
* distinct keys of named claimants vs distinct gold speakers (``names.gold_speakers``).

Lower-is-better figures are counts and rates in the report's ``speakers`` section and
``counts``, not metrics: every metric is in [0, 1] with higher better (the gate relies
on it). Definitions and examples: ``docs/evaluation.md`` ("Who said it").
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from extractor.evaluation.gold import GoldClaim
from extractor.evaluation.matching import MatchedPair
from extractor.evaluation.names import (
    ambiguous_speaker,
    claimant_matches,
    folded_words,
    fragment_of,
    gold_speakers,
    head_words,
    is_bare_pronoun_or_description,
    is_full_name,
    is_name,
    speaker_name,
)
from extractor.records import Claim

SPEAKER_METRIC_NAMES: tuple[str, ...] = ("claimant_full_name",)
# Words that open no description of a speaker: a clause or a quantity ("if the deal fails", "not enough").
_NON_SPEAKER_OPENERS = frozenset({
    "if", "when", "whether", "because", "although", "while", "not", "more", "less", "enough", "what", "how",
    "why", "that", "to", "and", "or", "but", "so",
})  # fmt: skip
# Head nouns of descriptions that are things, not speakers ("things", "the spike", "the data").
_NON_SPEAKER_HEADS = frozenset({
    "thing", "things", "spike", "data", "number", "numbers", "figure", "figures", "leverage", "enough", "it",
    "this", "that", "something", "nothing", "anything", "everything", "fact", "idea", "way",
})  # fmt: skip
_MAX_EXAMPLES = 200
_CONJOINED = re.compile(r"\s(?:and|&)\s")


class _ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClaimantFinding(_ReportModel):
    """A predicted claimant flagged by a speaker check, with why (``detail``)."""

    article_id: str
    index: int
    claimant: str
    key: str | None
    detail: str


class KeySplit(_ReportModel):
    """Two claimant strings of one gold speaker under different keys (or two speakers under one key)."""

    speaker: str
    first: str
    first_key: str | None
    second: str
    second_key: str | None
    within_article: str | None = None


class SpeakerFindings(_ReportModel):
    """The speaker figures of a batch, and examples of what they count (the first 200 of each)."""

    fragment_rate: float | None = None
    named_claimants: int = 0
    fragments: int = 0
    non_speaker_claimants: int = 0
    alias_splits: int = 0
    alias_splits_within_articles: int = 0
    key_merges: int = 0
    distinct_keys: int = 0
    distinct_gold_speakers: int = 0
    fragment_examples: list[ClaimantFinding] = []
    non_speaker_examples: list[ClaimantFinding] = []
    not_full_names: list[ClaimantFinding] = []
    split_examples: list[KeySplit] = []
    merge_examples: list[KeySplit] = []


def non_speaker(name: str, named: bool) -> str | None:
    """Why a claimant names or describes no speaker, or None.

    A ``named`` claimant whose head word is not a capitalised name word (``is_name``:
    "things", "Trump avoids"); a description that opens with a clause or quantity word
    ("if the deal fails", "not enough") or whose last word is a thing ("the spike").
    """
    if named:
        return None if is_name(name) else "marked named, but its head word is no name"
    words_ = folded_words(name)
    if not words_:
        return "no words"
    if words_[0] in _NON_SPEAKER_OPENERS:
        return f"a description opening with {words_[0]!r}: a clause or quantity, not a speaker"
    if words_[-1] in _NON_SPEAKER_HEADS:
        return f"a description of a thing ({words_[-1]!r}), not a speaker"
    return None


@dataclass
class _Attributed:
    """A matched pair's predicted claimant, where it names the gold speaker."""

    article_id: str
    gold_name: str
    claimant: str
    key: str | None

    def names(self, speaker: tuple[str, ...]) -> bool:
        """Whether the claimant's name proper is the speaker's, or a shorter or fuller form of it.

        Conjoined speakers ("Obama and Hillary Clinton") are a group, not one of its members.
        """
        if _CONJOINED.search(self.claimant):
            return False
        own = set(speaker_name(self.claimant))
        return own <= set(speaker) or set(speaker) <= own


@dataclass
class SpeakerTally:
    """Speaker counts over the articles scored so far; ``findings()`` judges the batch."""

    full_name_hits: int = 0
    full_name_total: int = 0
    findings_: SpeakerFindings = field(default_factory=SpeakerFindings)
    gold_names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    attributed: list[_Attributed] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)

    def add_article(
        self,
        article_id: str,
        text: str,
        gold_claims: Sequence[GoldClaim],
        predicted_claims: Sequence[Claim],
        pairs: Sequence[MatchedPair],
    ) -> None:
        found = self.findings_
        for claim in gold_claims:
            if claim.claimant is not None and _gold_is_name(claim.claimant.name):
                self.gold_names[article_id].append(claim.claimant.name)
        for index, claim in enumerate(predicted_claims):
            claimant = claim.claimant
            why = non_speaker(claimant.name, claimant.named)
            if why is not None:
                found.non_speaker_claimants += 1
                _note(found.non_speaker_examples, ClaimantFinding(
                    article_id=article_id, index=index, claimant=claimant.name, key=claimant.key, detail=why
                ))  # fmt: skip
            if not claimant.named:
                continue
            found.named_claimants += 1
            self.keys.add(claimant.key or f"(no key) {claimant.name}")
            longer = fragment_of(claimant.name, text)
            if longer is not None:
                found.fragments += 1
                _note(found.fragment_examples, ClaimantFinding(
                    article_id=article_id, index=index, claimant=claimant.name, key=claimant.key,
                    detail=f"the article writes {' '.join(longer)!r}",
                ))  # fmt: skip
        for pair in pairs:
            gold, predicted = gold_claims[pair.gold], predicted_claims[pair.predicted]
            source = gold.claimant
            if source is None or not _gold_is_name(source.name):
                continue
            self.full_name_total += 1
            full = predicted.claimant.named and is_full_name(
                predicted.claimant.name, text, head_words(source.name, source.aliases)
            )
            self.full_name_hits += full
            if not full:
                _note(found.not_full_names, ClaimantFinding(
                    article_id=article_id, index=pair.predicted, claimant=predicted.claimant.name,
                    key=predicted.claimant.key, detail=f"gold {source.name!r}",
                ))  # fmt: skip
            if predicted.claimant.named and claimant_matches(
                predicted.claimant.name, source.name, source.aliases, source.mention
            ):
                self.attributed.append(
                    _Attributed(article_id, source.name, predicted.claimant.name, predicted.claimant.key)
                )

    def metrics(self) -> dict[str, float | None]:
        total = self.full_name_total
        return {"claimant_full_name": self.full_name_hits / total if total else None}

    def findings(self) -> SpeakerFindings:
        """The batch's figures: per-article counts so far, plus splits, merges and distinct speakers."""
        found = self.findings_
        found.fragment_rate = found.fragments / found.named_claimants if found.named_claimants else None
        speaker_of = gold_speakers(self.gold_names.items())
        found.distinct_gold_speakers = len(set(speaker_of.values()))
        unclear = {s for s in speaker_of.values() if ambiguous_speaker(s, speaker_of.values())}
        found.distinct_keys = len(self.keys)
        by_speaker: dict[str, dict[tuple[str, str | None], set[str]]] = defaultdict(lambda: defaultdict(set))
        speakers_of_key: dict[str | None, set[str]] = defaultdict(set)
        examples_of_key: dict[tuple[str | None, str], str] = {}
        for item in self.attributed:
            tokens = speaker_of.get((item.article_id, item.gold_name), speaker_name(item.gold_name))
            if tokens in unclear or not item.names(tokens):  # nobody in particular, or another person
                continue
            speaker = " ".join(tokens)
            by_speaker[speaker][(item.claimant, item.key)].add(item.article_id)
            speakers_of_key[item.key].add(speaker)
            examples_of_key.setdefault((item.key, speaker), item.claimant)
        found.alias_splits = found.alias_splits_within_articles = 0
        found.split_examples = []
        for speaker in sorted(by_speaker):
            strings = sorted(by_speaker[speaker].items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
            for (first, first_articles), (second, second_articles) in itertools.combinations(strings, 2):
                if first[1] == second[1]:
                    continue
                found.alias_splits += 1
                shared = sorted(first_articles & second_articles)
                found.alias_splits_within_articles += bool(shared)
                _note(found.split_examples, KeySplit(
                    speaker=speaker, first=first[0], first_key=first[1], second=second[0], second_key=second[1],
                    within_article=shared[0] if shared else None,
                ))  # fmt: skip
        found.key_merges = 0
        found.merge_examples = []
        for key in sorted(speakers_of_key, key=lambda k: k or ""):
            for one, other in itertools.combinations(sorted(speakers_of_key[key]), 2):
                found.key_merges += 1
                _note(found.merge_examples, KeySplit(
                    speaker=f"{one} / {other}", first=examples_of_key[(key, one)], first_key=key,
                    second=examples_of_key[(key, other)], second_key=key,
                ))  # fmt: skip
        return found

    def counts(self) -> dict[str, int]:
        found = self.findings()
        return {
            "claimant_full_name_pairs": self.full_name_total,
            "named_claimants": found.named_claimants,
            "fragment_claimants": found.fragments,
            "non_speaker_claimants": found.non_speaker_claimants,
            "alias_splits": found.alias_splits,
            "alias_splits_within_articles": found.alias_splits_within_articles,
            "key_merges": found.key_merges,
            "distinct_keys": found.distinct_keys,
            "distinct_gold_speakers": found.distinct_gold_speakers,
        }


def _gold_is_name(name: str) -> bool:
    return is_name(name) and not is_bare_pronoun_or_description(name)


def _note(examples: list[ClaimantFinding] | list[KeySplit], item: ClaimantFinding | KeySplit) -> None:
    if len(examples) < _MAX_EXAMPLES:
        examples.append(item)  # type: ignore[arg-type]
