"""What a claim says: claim-text fidelity, polarity, claimant quality and reporting relations.

The span metrics say *where* a claim is; these say whether what it says can be
trusted. ``MeaningTally`` collects, article by article, from the same overlap
pairing the span metrics use:

* ``claim_text_f1`` / ``claim_text_similarity``: predicted vs gold claim text on
  matched pairs whose gold claim text is written, not a copy of its evidence;
* ``polarity_consistency``: share of ``denies`` claims whose claim text does not
  negate its own main predicate (no double negative);
* ``reporting_relation_rate``: share of claims reported through a cue of saying
  or believing with a proposition as content;
* ``claimant_name_rate``: share of claims with a name as claimant, among those
  whose paragraph names a person or organisation outside the evidence;
* ``claimant_name_accuracy``: the same on matched pairs whose gold speaker is a
  name written in the evidence's paragraph;
* ``role_accuracy`` / ``organization_accuracy`` on matched pairs where gold has them.

Every metric is in [0, 1], higher is better, None when nothing was counted.
Definitions and examples: ``docs/evaluation.md`` ("What a claim says").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from extractor.evaluation.gold import GoldClaim
from extractor.evaluation.language import (
    ParsedArticle,
    negation_of_main_predicate,
    read_cue,
    reporting_relation,
)
from extractor.evaluation.matching import MatchedPair, claim_similarity
from extractor.evaluation.names import DEFINITE_DETERMINERS, claimant_matches, is_name, name_tokens, words
from extractor.records import Claim, Stance

MEANING_METRIC_NAMES: tuple[str, ...] = (
    "claim_text_f1",
    "claim_text_similarity",
    "polarity_consistency",
    "reporting_relation_rate",
    "claimant_name_rate",
    "claimant_name_accuracy",
    "role_accuracy",
    "organization_accuracy",
)
_CLAIM_TOKEN = re.compile(r"\w+")
# Words that carry nothing when comparing roles and organisations.
_DESCRIPTOR_FILLERS = frozenset({"the", "a", "an", "of", "for", "s"})
# The dot after a single letter followed by another letter: "U.S." -> "US.".
_INITIALS = re.compile(r"(?<=\b\w)\.(?=\w\b)")
_POSSESSIVE_IN = re.compile(r"\w['’]s?\s")


class _ReportModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeaningFinding(_ReportModel):
    """A predicted claim a meaning check flagged, with why (``detail``)."""

    article_id: str
    index: int
    start: int
    end: int
    quote: str
    claimant: str
    stance: str
    claim: str
    cue: str | None
    detail: str


class ClaimTextPair(_ReportModel):
    """A matched pair's claim texts and how close they are."""

    article_id: str
    gold_index: int
    predicted_index: int
    gold_claim: str
    predicted_claim: str
    token_f1: float
    similarity: float


class DescriptorDisagreement(_ReportModel):
    """A matched pair whose claimant role or organisation does not match gold."""

    article_id: str
    gold_index: int
    predicted_index: int
    field: str
    gold: str
    predicted: str | None


class MeaningFindings(_ReportModel):
    """The lists behind the meaning metrics (report.json's ``meaning``)."""

    claim_texts: list[ClaimTextPair] = []
    double_negatives: list[MeaningFinding] = []
    without_reporting_relation: list[MeaningFinding] = []
    unnamed_claimants: list[MeaningFinding] = []
    descriptor_disagreements: list[DescriptorDisagreement] = []


def claim_tokens(text: str) -> list[str]:
    """Claim-text tokens: ``\\w+`` runs of the NFKC-normalised, casefolded text."""
    return _CLAIM_TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def claim_token_f1(predicted: str, gold: str) -> float:
    """Bag-of-tokens F1 between two claim texts (SQuAD style): 2·shared / (|predicted| + |gold|)."""
    predicted_bag, gold_bag = Counter(claim_tokens(predicted)), Counter(claim_tokens(gold))
    if not predicted_bag and not gold_bag:
        return 1.0
    shared = sum((predicted_bag & gold_bag).values())
    return 2 * shared / (sum(predicted_bag.values()) + sum(gold_bag.values()))


def gold_claim_is_written(claim: GoldClaim) -> bool:
    """False when the gold claim text is only its evidence copied (PolNeAR): then it says nothing about wording."""
    parts = claim.evidence_parts or [claim.evidence]
    copied = " ".join(" ".join(part.quote.split()) for part in parts)
    return " ".join(claim.claim.split()) != copied


def descriptor_tokens(text: str) -> frozenset[str]:
    """Comparable words of a role or organisation: casefolded, fillers dropped, "U.S." read as "US"."""
    joined_initials = _INITIALS.sub("", text)
    return frozenset(token for token in claim_tokens(joined_initials) if token not in _DESCRIPTOR_FILLERS)


def descriptor_matches(predicted: str | None, gold: str) -> bool:
    """Right when the prediction holds every word of the gold value: "Kremlin spokesman" for "spokesman"."""
    gold_words = descriptor_tokens(gold)
    return predicted is not None and bool(gold_words) and gold_words <= descriptor_tokens(predicted)


def anonymous_description(name: str, named: bool) -> bool:
    """Whether a claimant is described, by the extractor's word, as someone the article does not name.

    A claimant with ``named`` False whose description is indefinite ("a source",
    "officials", "many economists", "Several experts") says the speaker is
    anonymous: a name in its paragraph is someone else, so it is no failure of
    ``claimant_name_rate``. A definite description ("the campaign", "his lawyer",
    "Hillary Clinton's campaign") points back to someone the article may name,
    so it still counts.
    """
    if named:
        return False
    tokens = words(name)
    if not tokens:
        return False
    return tokens[0].casefold() not in DEFINITE_DETERMINERS and not _POSSESSIVE_IN.search(name)


def paragraph_at(text: str, offset: int) -> str:
    """The paragraph (line) of ``text`` holding ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start : end if end >= 0 else len(text)]


def speaker_named_in(paragraph: str, name: str, aliases: Sequence[str]) -> bool:
    """Whether the paragraph names the speaker: the last token of the name or an alias, capitalised there.

    Capitalised, so that "the ministry" does not name the "Russian Foreign Ministry".
    """
    paragraph_words = {token for word in words(paragraph) if word[0].isupper() for token in name_tokens(word)}
    surnames = {tokens[-1] for tokens in (name_tokens(n) for n in (name, *aliases)) if tokens}
    return bool(surnames & paragraph_words)


@dataclass
class _Ratio:
    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.total += 1
        self.hits += hit

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass
class MeaningTally:
    """Meaning counts over the articles scored so far."""

    claim_text_f1_sum: float = 0.0
    claim_text_similarity_sum: float = 0.0
    polarity: _Ratio = field(default_factory=_Ratio)
    reporting: _Ratio = field(default_factory=_Ratio)
    claimant_named: _Ratio = field(default_factory=_Ratio)
    gold_named: _Ratio = field(default_factory=_Ratio)
    role: _Ratio = field(default_factory=_Ratio)
    organization: _Ratio = field(default_factory=_Ratio)
    unnamed_claimants: int = 0
    anonymous_claimants: int = 0
    findings: MeaningFindings = field(default_factory=MeaningFindings)

    def add_article(
        self,
        article_id: str,
        text: str,
        gold_claims: Sequence[GoldClaim],
        predicted_claims: Sequence[Claim],
        pairs: Sequence[MatchedPair],
    ) -> None:
        """Count one article: every predicted claim, and every matched pair."""
        if predicted_claims:
            parsed = ParsedArticle(text)
            for index, claim in enumerate(predicted_claims):
                self._predicted_claim(article_id, index, claim, parsed)
        for pair in pairs:
            self._pair(article_id, text, gold_claims[pair.gold], predicted_claims[pair.predicted], pair)

    def _predicted_claim(self, article_id: str, index: int, claim: Claim, parsed: ParsedArticle) -> None:
        def finding(detail: str) -> MeaningFinding:
            return MeaningFinding(
                article_id=article_id,
                index=index,
                start=claim.evidence.start,
                end=claim.evidence.end,
                quote=claim.evidence.quote,
                claimant=claim.claimant.name,
                stance=claim.stance.value,
                claim=claim.claim,
                cue=claim.cue,
                detail=detail,
            )

        if claim.stance == Stance.DENIES:
            negation = negation_of_main_predicate(claim.claim)
            self.polarity.add(negation is None)
            if negation is not None:
                self.findings.double_negatives.append(finding(f"denies, but the claim text says {negation!r}"))
        start, end = claim.evidence.start, claim.evidence.end
        reported = reporting_relation(parsed, start, end, claim.cue)
        self.reporting.add(reported)
        if not reported:
            lemma = read_cue(claim.cue).lemma if claim.cue and claim.cue.strip() else None
            self.findings.without_reporting_relation.append(
                finding(f"cue lemma {lemma!r}" if claim.cue else "no cue words, none found around the evidence")
            )
        named = is_name(claim.claimant.name) and claim.claimant.named
        self.unnamed_claimants += not named
        anonymous = anonymous_description(claim.claimant.name, claim.claimant.named)
        self.anonymous_claimants += anonymous
        names_nearby = parsed.names_outside(start, end)
        if names_nearby and not anonymous:
            self.claimant_named.add(named)
            if not named:
                shown = ", ".join(dict.fromkeys(names_nearby))
                self.findings.unnamed_claimants.append(finding(f"the paragraph names {shown}"))

    def _pair(self, article_id: str, text: str, gold: GoldClaim, predicted: Claim, pair: MatchedPair) -> None:
        if gold_claim_is_written(gold):
            f1 = claim_token_f1(predicted.claim, gold.claim)
            similarity = claim_similarity(predicted.claim, gold.claim)
            self.claim_text_f1_sum += f1
            self.claim_text_similarity_sum += similarity
            self.findings.claim_texts.append(
                ClaimTextPair(
                    article_id=article_id,
                    gold_index=pair.gold,
                    predicted_index=pair.predicted,
                    gold_claim=gold.claim,
                    predicted_claim=predicted.claim,
                    token_f1=f1,
                    similarity=similarity,
                )
            )
        claimant = gold.claimant
        if claimant is None:
            return
        if is_name(claimant.name) and speaker_named_in(
            paragraph_at(text, gold.evidence.start), claimant.name, claimant.aliases
        ):
            named = is_name(predicted.claimant.name) and predicted.claimant.named
            # A description the extractor marks as such and that is the gold speaker ("Critics") is right.
            described_right = not predicted.claimant.named and claimant_matches(
                predicted.claimant.name, claimant.name, claimant.aliases, claimant.mention
            )
            self.gold_named.add(named or described_right)
        for name, tally, gold_value, predicted_value in (
            ("role", self.role, claimant.role, predicted.claimant.role),
            ("organization", self.organization, claimant.organization, predicted.claimant.organization),
        ):
            if gold_value is None:
                continue
            correct = descriptor_matches(predicted_value, gold_value)
            tally.add(correct)
            if not correct:
                self.findings.descriptor_disagreements.append(
                    DescriptorDisagreement(
                        article_id=article_id,
                        gold_index=pair.gold,
                        predicted_index=pair.predicted,
                        field=name,
                        gold=gold_value,
                        predicted=predicted_value,
                    )
                )

    def metrics(self) -> dict[str, float | None]:
        pairs = len(self.findings.claim_texts)
        return {
            "claim_text_f1": self.claim_text_f1_sum / pairs if pairs else None,
            "claim_text_similarity": self.claim_text_similarity_sum / pairs if pairs else None,
            "polarity_consistency": self.polarity.value,
            "reporting_relation_rate": self.reporting.value,
            "claimant_name_rate": self.claimant_named.value,
            "claimant_name_accuracy": self.gold_named.value,
            "role_accuracy": self.role.value,
            "organization_accuracy": self.organization.value,
        }

    def ratios(self) -> dict[str, tuple[float, int]]:
        """Each metric as (numerator, denominator) so far; differences between articles bootstrap them."""
        pairs = len(self.findings.claim_texts)
        return {
            "claim_text_f1": (self.claim_text_f1_sum, pairs),
            "claim_text_similarity": (self.claim_text_similarity_sum, pairs),
            "polarity_consistency": (self.polarity.hits, self.polarity.total),
            "reporting_relation_rate": (self.reporting.hits, self.reporting.total),
            "claimant_name_rate": (self.claimant_named.hits, self.claimant_named.total),
            "claimant_name_accuracy": (self.gold_named.hits, self.gold_named.total),
            "role_accuracy": (self.role.hits, self.role.total),
            "organization_accuracy": (self.organization.hits, self.organization.total),
        }

    def counts(self) -> dict[str, int]:
        return {
            "claim_text_pairs": len(self.findings.claim_texts),
            "denies_claims": self.polarity.total,
            "denies_negated": self.polarity.total - self.polarity.hits,
            "without_reporting_relation": self.reporting.total - self.reporting.hits,
            "unnamed_claimants": self.unnamed_claimants,
            "anonymous_claimants": self.anonymous_claimants,
            "name_available_claims": self.claimant_named.total,
            "unnamed_where_name_available": self.claimant_named.total - self.claimant_named.hits,
            "claimant_name_pairs": self.gold_named.total,
            "unnamed_where_gold_names_speaker": self.gold_named.total - self.gold_named.hits,
            "role_pairs": self.role.total,
            "organization_pairs": self.organization.total,
        }
