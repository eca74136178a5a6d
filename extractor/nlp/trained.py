"""The trained reader: a classifier learnt on PolNeAR train that revises each sentence's rule attributions.

The rules (``cues.CueFinder``) read a verb as a cue only when its lemma is in the
lexicon, and only through the first frame listed for it that fits. The reader
reads every verb of a sentence through every frame (``content.ContentFinder``),
and every noun or adjective through a clause or prepositional object it governs
("the claim that ...", "criticism of ..."). Each such *reading* gets sparse
features (lemma, frame, dependency, source kind, content shape, whether the
lexicon and the rules chose it) and a logistic-regression probability that it is
an annotated attribution: its token inside an annotated cue, its content
overlapping that attribution's content.

Revision, per sentence: a rule attribution whose own reading scores below the
veto threshold is dropped (precision); for each token the rules did not use, its
best reading is added when it scores at least the add threshold (recall). The
source of an added reading is found as for a rule cue, and named by the same
speaker resolution; the directive/action/topic filter (``lexicon.is_proposition``)
applies to it as to any cue.

The weights and both thresholds are package data (``data/reader.json``), written
by ``python -m extractor.training.reader`` (see docs/trained-pass.md); the
features are computed here, for training and use alike, so they cannot drift apart.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from extractor.nlp.content import FrameContent
from extractor.nlp.cues import Attribution, CueFinder
from extractor.nlp.lexicon import FRAME_ORDER, LEXICON, is_proposition, lexicon_frames
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import CharSpan, TokenSpans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

MODEL_RESOURCE = "reader.json"
MODEL_FORMAT = "extractor-reader/1"

# Prepositions whose object a noun or adjective cue is about: "criticism of X", "worried about X".
NOUN_PREPOSITIONS = frozenset(
    ["of", "about", "for", "on", "over", "against", "to", "with", "at", "from", "in", "toward", "towards"]
)
# Noun frames: a clause ("the claim that X", "a plan to X") or a prepositional object.
NOUN_CLAUSE = "noun_clause"
NOUN_PREP = "noun_prep"
_LENGTH_BUCKETS = (1, 2, 4, 8, 16, 32)


@dataclass(frozen=True)
class Reading:
    """One token read as a cue through one frame: its content, the content's head, its source."""

    token: Token
    frame: str
    found: FrameContent
    content: CharSpan
    source: Token | None
    direct_quote: bool


@dataclass(frozen=True)
class ReaderModel:
    """Logistic-regression weights over reading features, with the thresholds chosen on PolNeAR dev."""

    weights: dict[str, float]
    bias: float
    add_threshold: float
    veto_threshold: float
    meta: dict[str, Any]

    def probability(self, features: dict[str, float]) -> float:
        """The model's probability that a reading with ``features`` is an annotated attribution."""
        score = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-score)) if score > -500 else 0.0

    def to_json(self) -> str:
        """The artefact as written to package data: sorted keys, one weight per line, stable across runs."""
        return json.dumps(
            {
                "format": MODEL_FORMAT,
                "bias": self.bias,
                "add_threshold": self.add_threshold,
                "veto_threshold": self.veto_threshold,
                "meta": self.meta,
                "weights": self.weights,
            },
            sort_keys=True,
            indent=0,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> ReaderModel:
        data = json.loads(text)
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a reader model of format {MODEL_FORMAT}: {data.get('format')!r}")
        return cls(
            weights={str(k): float(v) for k, v in data["weights"].items()},
            bias=float(data["bias"]),
            add_threshold=float(data["add_threshold"]),
            veto_threshold=float(data["veto_threshold"]),
            meta=dict(data.get("meta", {})),
        )


@lru_cache(maxsize=1)
def shipped_model() -> ReaderModel:
    """The model shipped with the package (``extractor/nlp/data/reader.json``), loaded once per process."""
    text = resources.files("extractor.nlp").joinpath("data", MODEL_RESOURCE).read_text(encoding="utf-8")
    return ReaderModel.from_json(text)


def source_kind(source: Token | None) -> str:
    """How a source is written: none, a pronoun (with the word), an entity label, or a part of speech."""
    if source is None:
        return "none"
    if source.pos_ == "PRON":
        return "PRON:" + source.lower_
    return source.ent_type_ or source.pos_


def _complement_clause(clause: Token) -> bool:
    """Whether a clause on a noun says what the noun claims: "that ..." or "to ...", not "made by X"."""
    return any(
        (c.dep_ == "mark" and c.lower_ in ("that", "whether", "if")) or (c.dep_ == "aux" and c.lower_ == "to")
        for c in clause.children
    )


def _cue_starts(found: list[Attribution]) -> set[int]:
    return {item.cue[0] for item in found if item.cue is not None}


def _bucket(count: int) -> str:
    return next((str(limit) for limit in _LENGTH_BUCKETS if count <= limit), "big")


class TrainedReader:
    """Reads one parsed body: every candidate reading of a sentence, its features, and the revision."""

    def __init__(self, doc: Doc, cues: CueFinder, quotations: Quotations, spans: TokenSpans) -> None:
        self.doc = doc
        self.cues = cues
        self.quotations = quotations
        self.spans = spans
        self.body = doc.text

    # -- readings --

    def readings(self, sentence: SpacySpan) -> list[Reading]:
        """Every reading of the sentence's tokens outside quotations, in token then frame order."""
        found: list[tuple[Token, str, FrameContent, Token | None]] = []
        for token in sentence:
            if self.quotations.inside(token.idx):
                continue
            if token.pos_ in ("VERB", "AUX"):
                source, passive_content = self.cues.source_of(token)
                for frame in FRAME_ORDER:
                    content = self.cues.contents.read(frame, token, sentence, source, passive_content)
                    if content is not None:
                        found.append((token, frame, content, source))
            elif token.pos_ in ("NOUN", "ADJ"):
                frames = self._noun_frames(token)
                if frames:
                    source = self._noun_source(token)
                    found.extend((token, frame, content, source) for frame, content in frames)
        readings = []
        for token, frame, content, source in found:
            expanded = self.quotations.expand(content[0])
            if expanded is None:
                continue
            direct = self.quotations.is_quotation(expanded)
            if direct:
                expanded = self.quotations.continue_after(expanded, token)
            readings.append(Reading(token, frame, content, expanded, source, direct))
        return readings

    def _noun_frames(self, noun: Token) -> list[tuple[str, FrameContent]]:
        frames: list[tuple[str, FrameContent]] = []
        for child in noun.children:
            if child.i < noun.i:
                continue
            if child.dep_ in ("acl", "ccomp") and _complement_clause(child):
                span = self.spans.subtree_chars(child)
                if span:
                    frames.append((NOUN_CLAUSE, (span, child)))
            elif child.dep_ == "prep" and child.lower_ in NOUN_PREPOSITIONS:
                objects = [o for o in child.children if o.dep_ in ("pobj", "pcomp")]
                if objects:
                    span = self.spans.subtree_chars(objects[0])
                    if span:
                        frames.append((f"{NOUN_PREP}:{child.lower_}", (span, objects[0])))
        return frames

    def _noun_source(self, noun: Token) -> Token | None:
        """Whose the noun cue is: its possessor ("Trump's claim"), or the subject of the verb it is the object of."""
        for child in noun.children:
            if child.dep_ == "poss":
                return child
        node = noun
        for _ in range(4):
            if node.dep_ in ("dobj", "attr", "pobj", "conj", "appos", "npadvmod") and node.head != node:
                node = node.head
                if node.pos_ in ("VERB", "AUX"):
                    subject = next((c for c in node.children if c.dep_ == "nsubj"), None)
                    if subject is not None:
                        return subject
            elif node.dep_ == "acomp" and node.head.pos_ in ("VERB", "AUX"):
                # "X is critical of Y": the adjective's subject is the copula's.
                return next((c for c in node.head.children if c.dep_ == "nsubj"), None)
            else:
                break
        return None

    # -- features --

    def features(self, reading: Reading, by_rules: bool) -> dict[str, float]:
        """Sparse features of one reading; ``by_rules``: the rules read this token as a cue."""
        token, frame = reading.token, reading.frame
        lemma = token.lemma_.lower()
        family = frame.split(":")[0]
        start, end = reading.content
        features: dict[str, float] = {
            "lemma=" + lemma: 1.0,
            f"lemma_frame={lemma}|{frame}": 1.0,
            "frame=" + frame: 1.0,
            "family=" + family: 1.0,
            "tag=" + token.tag_: 1.0,
            "dep=" + token.dep_: 1.0,
            f"dep_family={token.dep_}|{family}": 1.0,
            "in_lexicon": float(lemma in LEXICON),
            "lexicon_frame": float(frame in lexicon_frames(lemma)),
            "not_proposition": float(not is_proposition(lemma, frame)),
            f"direct={reading.direct_quote}|{family}": 1.0,
            "by_rules": float(by_rules),
            f"after_cue={start > token.idx}": 1.0,
        }
        words = self.doc.char_span(start, end, alignment_mode="expand")
        features[f"length={_bucket(len(words) if words is not None else 0)}|{family}"] = 1.0
        root = reading.found[1]
        if root is not None:
            features[f"root={root.pos_}|{root.dep_}"] = 1.0
        kind = source_kind(reading.source)
        features["source=" + kind] = 1.0
        features[f"source_family={kind.split(':')[0]}|{family}"] = 1.0
        morph = token.morph
        features[f"morph={morph.get('Tense')}{morph.get('VerbForm')}"] = 1.0
        for child in token.children:
            features["child=" + child.dep_] = 1.0
            if child.dep_ == "neg":
                features["negated"] = 1.0
            if child.dep_ == "prep":
                features[f"prep={child.lower_}|{family}"] = 1.0
        if token.dep_ != "ROOT":
            features["head=" + token.head.lemma_.lower()] = 1.0
        if self.body[start : start + 5].lower() == "that ":
            features["that"] = 1.0
        return features

    # -- revision --

    def featured_readings(
        self, sentence: SpacySpan, found: list[Attribution]
    ) -> list[tuple[Reading, dict[str, float]]]:
        """Every reading of the sentence with its features, given the rule attributions ``found`` in it."""
        rule_cues = _cue_starts(found)
        readings = self.readings(sentence)
        return [(reading, self.features(reading, reading.token.idx in rule_cues)) for reading in readings]

    def revise(self, sentence: SpacySpan, found: list[Attribution], model: ReaderModel) -> list[Attribution]:
        """The sentence's rule attributions ``found``, minus those vetoed, plus the readings added."""
        scored = [
            (reading, model.probability(features)) for reading, features in self.featured_readings(sentence, found)
        ]
        if not scored:
            return found
        rule_cues = _cue_starts(found)
        by_reading = {(reading.token.idx, reading.frame): p for reading, p in scored}
        kept = []
        for item in found:
            # "according to" has no verb reading; a passive read across sentences is still the passive frame.
            frame = "passive" if item.frame == "passive_sentence" else item.frame
            probability = by_reading.get((item.cue[0], frame)) if item.cue is not None else None
            if probability is None or probability >= model.veto_threshold:
                kept.append(item)
        best: dict[int, tuple[float, Reading]] = {}
        for reading, probability in scored:
            index = reading.token.i
            if reading.token.idx in rule_cues or probability < model.add_threshold:
                continue
            if index not in best or probability > best[index][0]:
                best[index] = (probability, reading)
        added = [self._attribution(sentence, reading) for _, reading in best.values()]
        # In cue order, as the rules yield them: speaker resolution walks them in this order.
        revised = kept + [item for item in added if item is not None]
        return sorted(revised, key=lambda item: item.cue[0] if item.cue is not None else item.content[0])

    def _attribution(self, sentence: SpacySpan, reading: Reading) -> Attribution | None:
        token = reading.token
        if token.pos_ in ("VERB", "AUX"):
            return self.cues.verb_attribution(sentence, token, reading.frame, reading.found, reading.source)
        lemma = token.lemma_.lower()
        return Attribution(
            sentence=sentence,
            content=reading.content,
            cue=(token.idx, token.idx + len(token.text)),
            source_token=reading.source,
            source_span=self.spans.source_chars(reading.source) if reading.source is not None else None,
            cue_lemma=lemma,
            cue_denies=False,
            content_root=reading.found[1],
            direct_quote=reading.direct_quote,
            frame=reading.frame.split(":")[0],
            proposition=is_proposition(lemma, reading.frame.split(":")[0]),
        )
