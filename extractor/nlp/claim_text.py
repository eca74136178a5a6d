"""Claim text from the parse: the content of an attribution restated as one self-contained sentence.

``Restater.restate`` reads a candidate's content tokens in the parse and edits
them, token by token, into the claim (docs/annotation.md §5–§6):

* the complementiser ("that", "if", "whether"), opening quotation marks and a
  leading concessive clause ("While X, ...", its own claim) are dropped;
* a negated main predicate is restated positively, and only that predicate:
  "not"/"n't"/"never" removed (with do-support undone: "does not maintain" ->
  "maintains"), "no X" -> "X", "nothing" -> "something", "no longer" -> "still".
  A coordinated verb that is not negated leaves the claim ("Russia has not
  conducted and plans to maintain contacts" -> "Russia has conducted contacts"),
  a negated one is restated with it. When the negation cannot be removed safely
  (two on one predicate, "neither ... nor") the text keeps it and the stance
  becomes what the words say, so a claim never reads as a double negative;
* a copular content that brands its subject as false ("Publications about X are
  conspiracy theories and rumors") becomes a denial of "Publications about X are true";
* pronouns become names: a subject or possessive pronoun of reported speech that
  fits the claimant ("Peskov said he ...", "his office") becomes the claimant, in
  a direct quotation "I"/"my" (and "we"/"our" for an organisation) too, with the
  verb agreeing ("I think" -> "Maria Zakharova thinks"); another person's pronoun
  ("calling him a war criminal") becomes the name the speaker resolver finds;
* a phrase content (accuse X of Y, call X Y, denounce X as Y, "announced its
  support for X", "a statement stating that S") becomes the proposition it
  carries ("X is responsible for Y", "X is Y", "X supports ...", "S"), else the
  claimant and cue report it ("Biden praised the deal.");
* a content that carries no proposition ("told reporters", "rejected them", a
  bare name, a topic: "discussed grain exports") gives no claim at all.

The claimant's name is not known yet when the pass runs (the model may name the
speaker later), so the text is a template with ``CLAIMANT`` where the name goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import (
    ADDRESSEE_VERBS,
    CAPITALS,
    CHARACTERISING_VERBS,
    CONCESSIVE_MARKS,
    COUNTRY_DEMONYMS,
    FALSEHOOD_WORDS,
    GUILT_VERBS,
    NOMINAL_PROPOSITIONS,
    ROLE_NOUNS,
    SPEECH_NOUNS,
    STANCE_VERBS,
    TOPIC_VERBS,
)
from extractor.nlp.negation import predicate_negations

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from extractor.nlp.speakers import Person, SpeakerResolver

# Where the claimant's name goes in a claim template.
CLAIMANT = "\x00"
MAX_CLAIM_CHARS = 1000
_QUOTE_MARKS = "\"“”«»‘’'`"
_MAX_CUE_GAP = 40
_FRAMES_OF_PHRASES = frozenset(["object", "prep", "xcomp", "passive", "bare_passive"])
_SUBJECT_DEPS = frozenset(["nsubj", "nsubjpass"])
_CONTRACTED_AUXILIARIES = {"ca": "can", "wo": "will", "sha": "shall"}
_OBJECT_TO_SUBJECT = {"him": "he", "her": "she", "them": "they", "me": "I", "us": "we"}
_PERSON_PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
_ORGANISATION_PRONOUNS = frozenset(["it", "its", "they", "them", "their"])
_FIRST_PERSON = frozenset(["i", "me", "my", "mine"])
_FIRST_PLURAL = frozenset(["we", "us", "our", "ours"])
_POSSESSIVES = frozenset(["his", "her", "its", "their", "my", "our"])
_THIRD_SINGULAR_BE = {"am": "is", "'m": "is", "’m": "is", "are": "is", "'re": "is", "’re": "is", "were": "was"}
_NAME_LABELS = frozenset(["PERSON", "ORG", "GPE", "NORP"])
_PLACE_PREPOSITIONS = frozenset(["in", "at", "near", "to", "into", "outside", "inside", "around", "across", "through"])


@dataclass(frozen=True)
class ClaimText:
    """A claim sentence with ``CLAIMANT`` where the claimant's name goes, and the stance it is stated with."""

    template: str
    denies: bool

    def render(self, name: str) -> str:
        """The claim sentence for claimant ``name``: capitalised, one final stop, within the record's limit."""
        # A capital speaking is its government ("Moscow insists"): in the claim, the country.
        return finish_sentence(self.template.replace(CLAIMANT, CAPITALS.get(name, name)))


def finish_sentence(text: str) -> str:
    """``text`` as a sentence: spaces collapsed, marks at the edges dropped, capitalised, with a final stop."""
    sentence = " ".join(text.split())
    sentence = re.sub(r"\s+([,;:.!?])", r"\1", sentence)
    sentence = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", sentence)
    sentence = sentence.strip(_QUOTE_MARKS + " ,;:—–-")
    if not sentence:
        return ""
    sentence = sentence[0].upper() + sentence[1:]
    # A closing quotation mark left inside ("... true.”") goes; the stop stays.
    sentence = sentence.rstrip(_QUOTE_MARKS)
    if sentence[-1] not in ".!?":
        sentence += "."
    if len(sentence) > MAX_CLAIM_CHARS:
        sentence = sentence[: MAX_CLAIM_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


@dataclass(frozen=True)
class Reading:
    """What the pass found for one attribution, as the restater needs it (offsets index the parsed body)."""

    content: tuple[int, int]
    content_root: Token | None
    cue: Token | None
    frame: str
    direct_quote: bool
    cue_denies: bool
    content_negated: bool
    claimant: Person | None
    claimant_gender: str | None = None


class Restater:
    """Restates the contents of one parsed body as claim sentences."""

    def __init__(self, doc: Doc, speakers: SpeakerResolver) -> None:
        self.doc = doc
        self.speakers = speakers

    def restate(self, reading: Reading) -> ClaimText | None:
        """The claim of ``reading``, or None when its content carries no proposition."""
        tokens = self._tokens(reading.content)
        if not tokens or _no_proposition(reading, tokens):
            return None
        edit = _Edit(self.doc, reading.content, tokens)
        stance_from_cue = reading.cue_denies
        root = reading.content_root if reading.content_root is not None and reading.content_root in tokens else None
        if root is None and reading.frame not in _FRAMES_OF_PHRASES:
            roots = list(dict.fromkeys(t.sent.root for t in tokens if not t.is_space))
            root = roots[0] if len(roots) == 1 and roots[0] in tokens else None
        phrase = self._phrase(reading, tokens, edit) if reading.frame in _FRAMES_OF_PHRASES else None
        if phrase is not None:
            template, extra_denial = phrase
            return ClaimText(template, denies=stance_from_cue != extra_denial)
        denies = stance_from_cue
        if root is not None:
            _drop_leading(root, tokens, edit)
            if reading.content_negated:
                # Restated positively, the negation turns the stance; when it stays in the words the
                # stance is what they say (and denying a negated content keeps its denial).
                denies = not stance_from_cue if _denegate(root, edit, tokens) else stance_from_cue
            elif not stance_from_cue and _branded_false(root, tokens, edit):
                denies = True
        self._pronouns(reading, tokens, edit)
        template = edit.render()
        if not re.search(r"\w", template.replace(CLAIMANT, "")):
            return None
        return ClaimText(template, denies)

    # --- contents that are phrases -------------------------------------------------

    def _phrase(self, reading: Reading, tokens: list[Token], edit: _Edit) -> tuple[str, bool] | None:
        """A phrase content as the proposition it carries, with whether that proposition is denied by the phrase."""
        cue = reading.cue
        nested = _speech_noun_clause(tokens)
        if nested is not None:
            # "issued a statement stating that S", "rejected reports that S": the proposition is S.
            sub = _Edit(self.doc, (nested[0].idx, tokens[-1].idx + len(tokens[-1].text)), nested)
            clause_root = next((t for t in nested if t.head not in nested or t.head == t), None)
            if clause_root is not None:
                _drop_leading(clause_root, nested, sub)
            self._pronouns(reading, nested, sub)
            return sub.render(), False
        if cue is None:
            return None
        lemma = cue.lemma_.lower()
        head = reading.content_root if reading.content_root is not None and reading.content_root in tokens else None
        if lemma in GUILT_VERBS and head is not None:
            return self._guilt(reading, cue, head, tokens), False
        if lemma in CHARACTERISING_VERBS and head is not None:
            found = self._characterised(reading, cue, head, tokens)
            if found is not None:
                return found, False
        if head is not None:
            nominal = self._nominal(reading, head, tokens)
            if nominal is not None:
                return nominal, False
        if reading.cue_denies and not reading.content_negated:
            # "dismissed the report as fake": the denied proposition is the content itself.
            self._pronouns(reading, tokens, edit)
            return edit.render(), False
        # Otherwise the claimant and cue report the phrase: "Biden praised the deal."
        self._pronouns(reading, tokens, edit)
        cue_end = cue.idx + len(cue.text)
        if cue.i < tokens[0].i and tokens[0].idx - cue_end <= _MAX_CUE_GAP:
            # The words between cue and content belong to the report ("called *for* an inquiry").
            report = self.doc.text[cue.idx : tokens[0].idx]
        else:
            report = cue.text
        return f"{CLAIMANT} {' '.join(report.split())} {_lower_first(edit.render())}", False

    def _guilt(self, reading: Reading, cue: Token, head: Token, tokens: list[Token]) -> str:
        """"accused X of Y": "X is responsible for Y"; "accused X of fueling Y": "X is fueling Y"."""
        subject = self._noun_phrase(reading, head, stop=cue)
        charge = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ in ("of", "for")), None)
        object_ = next((c for c in charge.children if c.dep_ in ("pobj", "pcomp")), None) if charge else None
        be = _be(head, past=cue.tag_ == "VBD")
        if object_ is None or object_ not in tokens:
            return f"{subject} {be} to blame"
        rest = _Edit(self.doc, (object_.left_edge.idx, tokens[-1].idx + len(tokens[-1].text)), _subtree(object_))
        self._pronouns(reading, list(object_.subtree), rest)
        if object_.tag_ == "VBG":
            return f"{subject} {be} {rest.render()}"
        return f"{subject} {be} responsible for {rest.render()}"

    def _characterised(self, reading: Reading, cue: Token, head: Token, tokens: list[Token]) -> str | None:
        """"called X Y", "denounced X as Y", "described X as Y": "X is Y"."""
        predicate = next((c for c in cue.children if c.dep_ == "oprd" and c in tokens), None)
        if predicate is None:
            as_ = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ == "as" and c in tokens), None)
            predicate = next((c for c in as_.children if c.dep_ == "pobj"), None) if as_ is not None else None
        if predicate is None:
            return None
        subject = self._noun_phrase(reading, head, stop=predicate)
        rest = _Edit(self.doc, (predicate.left_edge.idx, tokens[-1].idx + len(tokens[-1].text)), _subtree(predicate))
        self._pronouns(reading, list(predicate.subtree), rest)
        return f"{subject} {_be(head, past=False)} {rest.render()}"

    def _nominal(self, reading: Reading, head: Token, tokens: list[Token]) -> str | None:
        """A nominalised proposition restated.

        "its support for X" -> "<owner> supports X"; "the inevitability of X" -> "X is inevitable".
        """
        entry = NOMINAL_PROPOSITIONS.get(head.lemma_.lower())
        if entry is None:
            return None
        kind, words, strip = entry
        if kind == "of":
            # "the inevitability of negotiations": "negotiations are inevitable".
            of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            object_ = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
            if object_ is None:
                return None
            inner = _Edit(self.doc, (object_.left_edge.idx, object_.right_edge.idx + len(object_.right_edge.text)),
                          _subtree(object_))
            self._pronouns(reading, list(object_.subtree), inner)
            return f"{inner.render()} {_be(object_, past=False)} {words}"
        owner = next((c for c in head.children if c.dep_ == "poss"), None)
        if owner is None:
            return None
        owner_text = self._owner(reading, owner)
        if owner_text is None:
            return None
        after = [t for t in tokens if t.i > head.i]
        if not after:
            return None
        rest = _Edit(self.doc, (after[0].idx, tokens[-1].idx + len(tokens[-1].text)), after)
        self._pronouns(reading, after, rest)
        remainder = rest.render()
        if kind == "verb":
            # "its intentions to build up": "<owner> intends to build up".
            verb = _inflect(words, "VBZ")
            if strip:
                # "its support for Ukraine" -> "supports Ukraine".
                remainder = re.sub(r"^(?:for|of|to|with)\s+", "", remainder)
            return f"{owner_text} {verb[0] if verb else words} {remainder}"
        # kind == "be": "its readiness to talk" -> "<owner> is ready to talk".
        return f"{owner_text} is {words} {remainder}"

    def _owner(self, reading: Reading, owner: Token) -> str | None:
        """Who a possessive names: the claimant for a fitting pronoun, a name as written, another person."""
        if owner.lower_ in _POSSESSIVES:
            if _fits_claimant(owner, reading, reading.direct_quote):
                return CLAIMANT
            other = self.speakers.other_person(owner, reading.claimant)
            return other
        return " ".join(t.text for t in owner.subtree if t.dep_ != "case")

    def _noun_phrase(self, reading: Reading, head: Token, stop: Token) -> str:
        """The noun phrase headed by ``head`` as a subject, pronouns resolved, ending before ``stop``."""
        if head.pos_ == "PRON" and (head.lower_ in _OBJECT_TO_SUBJECT or head.lower_ in ("it", "he", "she", "they")):
            if _fits_claimant(head, reading, False) and head.lower_ in ("it", "they", "them"):
                return CLAIMANT
            other = self.speakers.other_person(head, reading.claimant)
            return other or _OBJECT_TO_SUBJECT.get(head.lower_, head.text)
        tokens = [t for t in head.subtree if t.i < stop.i or stop not in list(head.subtree)]
        edit = _Edit(self.doc, (tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)), tokens)
        self._pronouns(reading, tokens, edit)
        return edit.render()

    # --- pronouns ------------------------------------------------------------------

    def _pronouns(self, reading: Reading, tokens: list[Token], edit: _Edit) -> None:
        """Pronouns of the content replaced by the claimant or by the name the resolver finds."""
        claimant_done = False
        for token in tokens:
            lower = token.lower_
            if token.i in edit.edits or (token.pos_ != "PRON" and token.tag_ != "PRP$"):
                continue
            possessive = token.tag_ == "PRP$" or token.dep_ == "poss"
            if reading.direct_quote and (lower in _FIRST_PERSON or (lower in _FIRST_PLURAL and _is_group(reading))):
                if reading.claimant is None:
                    continue
                edit.replace(token, CLAIMANT + ("'s" if possessive else ""))
                if token.dep_ in _SUBJECT_DEPS:
                    _agree_third_singular(token, edit)
                continue
            if reading.direct_quote:
                continue
            if lower in _PERSON_PRONOUNS and (named := self._named_before(token, tokens, reading)) is not None:
                # "Biden said Putin had lied and that he would be judged": "he" is Putin, named in the content.
                edit.replace(token, named + ("'s" if possessive else ""))
                continue
            if lower in _PERSON_PRONOUNS or lower in _ORGANISATION_PRONOUNS:
                if not claimant_done and _fits_claimant(token, reading, False) and (
                    token.dep_ in _SUBJECT_DEPS or possessive
                ):
                    edit.replace(token, CLAIMANT + ("'s" if possessive else ""))
                    claimant_done = True
                    continue
                if lower in _PERSON_PRONOUNS:
                    # Not the claimant: an object ("calling *him* a war criminal"), or a subject the
                    # claimant cannot be ("Her campaign said that *she* would win").
                    other = self.speakers.other_person(token, reading.claimant)
                    if other is not None:
                        edit.replace(token, other + ("'s" if possessive else ""))
        self._names(tokens, edit)

    def _named_before(self, pronoun: Token, tokens: list[Token], reading: Reading) -> str | None:
        """A person other than the claimant named in the content before ``pronoun``, gender permitting."""
        claimant = reading.claimant.name if reading.claimant is not None else None
        gender = _PERSON_PRONOUNS.get(pronoun.lower_)
        first = tokens[0].i
        for ent in reversed([e for e in self.doc.ents if first <= e.start and e.end <= pronoun.i]):
            if ent.label_ != "PERSON":
                continue
            name = self.speakers.full_name_of(ent)
            if claimant and name.split()[-1] == claimant.split()[-1]:
                return None
            known = self.speakers.gender.get(name)
            if known is None or known == gender:
                return name
        return None

    def _names(self, tokens: list[Token], edit: _Edit) -> None:
        """Names made self-contained: a surname as the full name the article gave, a capital as its country.

        "Putin" -> "Vladimir Putin" (written in full earlier); "Moscow's response" ->
        "Russia's response", "talks between Kyiv and Moscow" -> "... Ukraine and Russia",
        but not where the capital is a place ("in Moscow").
        """
        inside = {t.i for t in tokens}
        for ent in self.doc.ents:
            if ent.start not in inside or ent.start in edit.edits:
                continue
            if ent.label_ == "PERSON":
                full = self.speakers.full_name_of(ent)
                if full and len(full.split()) > len(ent.text.split()) and ent.text.split()[-1] in full:
                    edit.replace(ent[0], full)
                    for token in ent[1:]:
                        edit.delete(token)
        for token in tokens:
            if (
                token.pos_ == "NOUN"
                and token.lemma_.lower() in ROLE_NOUNS
                and token.dep_ != "compound"
                and any(c.dep_ == "det" and c.lower_ == "the" and c.i in inside for c in token.children)
                and not (token.i + 1 < len(self.doc) and self.doc[token.i + 1].ent_type_ == "PERSON")
            ):
                # "the Russian president" -> "Russian president Vladimir Putin", when the article named him so.
                person = self.speakers.person_described(token)
                if person is not None:
                    det = next(c for c in token.children if c.dep_ == "det")
                    edit.delete(det)
                    edit.replace(token, f"{token.text} {person}")
        for token in tokens:
            if token.text not in CAPITALS or token.i in edit.edits or token.ent_type_ not in ("GPE", "PERSON", "ORG"):
                continue
            country = CAPITALS[token.text]
            following = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
            if following is not None and following.text == "s" and following.i in inside:
                # "Washington s arming" (an apostrophe lost in scraping): "the United States' arming".
                edit.replace(token, country)
                edit.replace(following, "'s")
            elif token.dep_ == "compound" and token.head.pos_ == "NOUN":
                # "Kiev authorities", "the Kiev regime": "Ukrainian authorities".
                adjective = COUNTRY_DEMONYMS.get(_without_article(country))
                if adjective is not None:
                    edit.replace(token, adjective)
            elif not (token.dep_ == "pobj" and token.head.lower_ in _PLACE_PREPOSITIONS) and token.dep_ != "compound":
                edit.replace(token, country[0].upper() + country[1:] if token.i == tokens[0].i else country)

    def _tokens(self, content: tuple[int, int]) -> list[Token]:
        start, end = content
        return [t for t in self.doc if start <= t.idx < end and not t.is_space]


# --- edits -----------------------------------------------------------------------------


class _Edit:
    """Token-level edits of one span of the parsed body, rendered back to text."""

    def __init__(self, doc: Doc, span: tuple[int, int], tokens: list[Token]) -> None:
        self.doc = doc
        self.start, self.end = span
        self.tokens = sorted(tokens, key=lambda t: t.i)
        self.edits: dict[int, str] = {}

    def replace(self, token: Token, text: str) -> None:
        self.edits[token.i] = text

    def delete(self, token: Token) -> None:
        self.edits[token.i] = ""

    def deleted(self, token: Token) -> bool:
        return self.edits.get(token.i) == ""

    def render(self) -> str:
        parts: list[str] = []
        for token in self.tokens:
            text = self.edits.get(token.i, token.text)
            token_end = token.idx + len(token.text)
            if token.i not in self.edits and token_end > self.end:
                text = text[: max(0, self.end - token.idx)]
            if text:
                if text.startswith("'") and parts:
                    # A possessive written in ("Washington s" -> "the United States's") joins its noun.
                    parts[-1] = parts[-1].rstrip()
                parts.append(text + (token.whitespace_ if token_end < self.end else ""))
            elif parts and token.whitespace_ and not parts[-1].endswith(" "):
                # A deleted token glued to the one before keeps its space: "has|n't tried" -> "has tried".
                parts[-1] += token.whitespace_
        return " ".join("".join(parts).split())


def _subtree(token: Token) -> list[Token]:
    return [t for t in token.subtree if not t.is_space]


# --- leading material ---------------------------------------------------------------------


def _drop_leading(root: Token, tokens: list[Token], edit: _Edit) -> None:
    """Drop what opens the content but is no part of the proposition: marks, "that", "if", "While X,", "But"."""
    inside = {t.i for t in tokens}
    for child in root.children:
        if (
            child.dep_ == "mark"
            and child.lower_ in ("that", "if", "whether")
            and child.i in inside
            and all(edit.deleted(t) or t.is_punct for t in tokens if t.i < child.i)
        ):
            edit.delete(child)
        if (
            child.dep_ == "advcl"
            and child.i < root.i
            and any(m.dep_ == "mark" and m.lower_ in CONCESSIVE_MARKS for m in child.children)
            and child.left_edge.i in inside
            and all(t.is_punct or edit.deleted(t) for t in tokens if t.i < child.left_edge.i)
        ):
            # "While X, Y": X is a claim of its own (docs/annotation.md §3); this one is Y.
            for token in child.subtree:
                edit.delete(token)
            following = root.doc[child.right_edge.i + 1] if child.right_edge.i + 1 < len(root.doc) else None
            if following is not None and following.text == ",":
                edit.delete(following)
    for conjunct in (c for c in root.children if c.dep_ == "conj" and c.i in inside):
        # "... had lied and that he would be judged": the second complementiser goes too.
        for mark in conjunct.children:
            if mark.dep_ == "mark" and mark.lower_ == "that" and mark.i in inside:
                edit.delete(mark)
    for token in tokens:
        if edit.deleted(token):
            continue
        if token.is_punct or (token.dep_ == "cc" and token.head == root and token.i < root.i):
            edit.delete(token)
            continue
        break


# --- negation ---------------------------------------------------------------------------


def _denegate(root: Token, edit: _Edit, tokens: list[Token]) -> bool:
    """Remove the one negation of the main predicate (and of negated coordinated verbs); False when unsafe."""
    inside = {t.i for t in tokens}
    if any(t.lower_ in ("neither", "nor") for t in tokens):
        return False
    found = predicate_negations(root)
    if len(found) != 1 or found[0][1].i not in inside:
        return False
    conjuncts = [c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and c.i in inside]
    plan = [(root, found[0])]
    for conjunct in conjuncts:
        negations = predicate_negations(conjunct)
        if len(negations) == 1 and negations[0][1].i in inside:
            plan.append((conjunct, negations[0]))
        elif negations or not _drop_conjunct(root, conjunct, edit):
            return False
    for verb, (kind, word) in plan:
        _remove_negation(verb, kind, word, edit)
    return True


def _remove_negation(verb: Token, kind: str, word: Token, edit: _Edit) -> None:
    if kind == "pron":
        replacement = {"nothing": "something", "nobody": "somebody", "none": "some", "no-one": "someone"}
        new = replacement.get(word.lower_, "something")
        edit.replace(word, _same_case(word.text, new))
        return
    if kind == "det":
        if word.head.lower_ == "one":
            # "No one has made such overtures" -> "Someone has made such overtures".
            edit.delete(word)
            edit.replace(word.head, _same_case(word.text, "someone"))
        elif word.head.tag_ == "NN" and not any(c.dep_ == "expl" for c in word.head.head.children):
            # A singular noun may be countable: "received no proposal" -> "received some proposal".
            edit.replace(word, _same_case(word.text, "some"))
        else:
            # "There are no preconditions" -> "There are preconditions", "There was no contact" -> "There was contact".
            edit.delete(word)
        return
    if kind == "longer":
        edit.replace(word, "still")
        edit.delete(word.head)
        return
    # "not", "n't", "never".
    auxiliary = word.doc[word.i - 1] if word.i > 0 else None
    if word.lower_ == "n't" and auxiliary is not None and auxiliary.lower_ in _CONTRACTED_AUXILIARIES:
        edit.replace(auxiliary, _same_case(auxiliary.text, _CONTRACTED_AUXILIARIES[auxiliary.lower_]))
    edit.delete(word)
    do = next((c for c in verb.children if c.dep_ == "aux" and c.lemma_.lower() == "do"), None)
    if do is not None and verb.tag_ == "VB" and do.i < verb.i:
        # "does not maintain" -> "maintains": do-support undone, the verb takes the auxiliary's tense.
        form = _inflect(verb.lemma_, do.tag_ if do.tag_ in ("VBZ", "VBD", "VBP") else "VBP")
        if form:
            edit.delete(do)
            edit.replace(verb, form[0])


def _drop_conjunct(root: Token, conjunct: Token, edit: _Edit) -> bool:
    """Leave a coordinated verb the denial does not cover out of the claim.

    "Russia has not conducted and plans to maintain contacts with X": the
    object is shared (only the last verb takes it), so only "and plans to
    maintain" goes. "He is not X, but she is Y": the whole second clause goes.
    """
    doc = root.doc
    cc = next((c for c in conjunct.lefts if c.dep_ == "cc"), None) or next(
        (c for c in root.children if c.dep_ == "cc" and root.i < c.i < conjunct.i), None
    )
    start = cc.i if cc is not None else conjunct.left_edge.i
    if start > 0 and doc[start - 1].text == ",":
        start -= 1
    own_complement = any(
        c.dep_ in ("dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "prep") and c.i > root.i for c in root.children
    )
    if own_complement:
        for token in doc[start : conjunct.right_edge.i + 1]:
            edit.delete(token)
        return True
    # Shared object: drop from the conjunction to the last verb of the coordinated chain.
    last = conjunct
    while True:
        nxt = next((c for c in last.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
        if nxt is None:
            break
        last = nxt
    if any(c.dep_ in ("dobj", "ccomp", "attr", "prep") for c in last.children):
        for token in doc[start : last.i + 1]:
            edit.delete(token)
        return True
    return False


def _branded_false(root: Token, tokens: list[Token], edit: _Edit) -> bool:
    """"Publications about X are conspiracy theories and rumors": restated "Publications about X are true"."""
    if root.lemma_.lower() != "be":
        return False
    predicate = next((c for c in root.children if c.dep_ in ("attr", "acomp") and c.i > root.i), None)
    if predicate is None or not any(c.dep_ in _SUBJECT_DEPS for c in root.children):
        return False
    heads = [predicate, *(c for c in predicate.children if c.dep_ in ("compound", "conj"))]
    if not any(t.lower_ in FALSEHOOD_WORDS for t in heads) or any(t.dep_ == "neg" for t in root.children):
        return False
    words = [t for t in predicate.subtree]
    for token in words:
        edit.delete(token)
    edit.replace(words[0], "true")
    return True


# --- agreement ----------------------------------------------------------------------------


def _agree_third_singular(subject: Token, edit: _Edit) -> None:
    """The verb of a first-person subject made third person singular: "I think" -> "... thinks"."""
    verb = subject.head
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i > subject.i]
    target = auxiliaries[0] if auxiliaries else verb
    lower = target.lower_
    if lower in _THIRD_SINGULAR_BE:
        edit.replace(target, _THIRD_SINGULAR_BE[lower])
        return
    if lower in ("'ve", "’ve", "have"):
        edit.replace(target, "has")
        return
    if target.tag_ == "VBP":
        form = _inflect(target.lemma_, "VBZ")
        if form:
            edit.replace(target, form[0])


def _be(noun: Token, past: bool) -> str:
    plural = (
        noun.tag_ in ("NNS", "NNPS")
        or any(c.dep_ == "conj" for c in noun.children)
        or (noun.pos_ == "PRON" and noun.lower_ in ("they", "them", "we", "us"))
    )
    if past:
        return "were" if plural else "was"
    return "are" if plural else "is"


# --- who a pronoun is ------------------------------------------------------------------------


def _fits_claimant(pronoun: Token, reading: Reading, direct_quote: bool) -> bool:
    """Whether a third-person pronoun can be the claimant: gender and kind agree."""
    claimant = reading.claimant
    if claimant is None or direct_quote:
        return False
    lower = pronoun.lower_
    label = claimant.label
    if lower in _PERSON_PRONOUNS:
        if label != "PERSON" or " and " in claimant.name:
            # A description ("her campaign", "officials") is no "he" or "she".
            return False
        return reading.claimant_gender is None or reading.claimant_gender == _PERSON_PRONOUNS[lower]
    if lower in ("it", "its"):
        return label in ("ORG", "GPE") or not claimant.named
    if lower in ("they", "them", "their"):
        return label in ("ORG", "NORP", "GPE") or " and " in claimant.name or not claimant.named
    return False


def _is_group(reading: Reading) -> bool:
    claimant = reading.claimant
    return claimant is not None and claimant.label in ("ORG", "GPE", "NORP")


# --- contents without a proposition ----------------------------------------------------------------


def _no_proposition(reading: Reading, tokens: list[Token]) -> bool:
    """Whether the content says nothing that can be true or false: "them", "reporters", "RIA News", a topic."""
    words = [t for t in tokens if not t.is_punct and t.text not in _QUOTE_MARKS]
    if not words:
        return True
    if all(t.pos_ in ("PRON", "DET") for t in words):
        # "rejected them", "confirmed this".
        return True
    if reading.frame not in _FRAMES_OF_PHRASES or reading.cue is None:
        return False
    lemma = reading.cue.lemma_.lower()
    has_clause = any(t.dep_ in _SUBJECT_DEPS for t in words) or any(t.dep_ in ("ccomp", "oprd") for t in words)
    if lemma in TOPIC_VERBS and reading.frame in ("object", "prep") and not has_clause:
        # "discussed grain exports", "talked about the economy": a topic, not a claim.
        return True
    if lemma in ADDRESSEE_VERBS and reading.frame == "object" and not has_clause:
        # "told reporters", "informed the ministry": whom, not what.
        return True
    entity_words = [t for t in words if t.ent_type_ in _NAME_LABELS]
    # A bare name ("reports “RIA News“") is a source or an addressee, not a proposition, except
    # as the object of a stance ("endorsed Trump", "praised Putin": a position the claimant takes).
    return reading.frame in ("object", "prep") and len(entity_words) == len(words) and lemma not in STANCE_VERBS


def _speech_noun_clause(tokens: list[Token]) -> list[Token] | None:
    """The clause a speech noun at the head of the content carries: "a statement stating that S", "reports that S"."""
    inside = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in inside or t.head == t]
    if len(heads) != 1:
        return None
    noun = heads[0]
    if noun.lemma_.lower() not in SPEECH_NOUNS:
        return None
    for child in noun.children:
        if child.dep_ in ("acl", "relcl") and child.lemma_.lower() in ("state", "say", "claim", "allege", "assert"):
            clause = next((c for c in child.children if c.dep_ == "ccomp"), None)
            if clause is not None and clause.i in inside:
                return [t for t in _subtree(clause) if t.i in inside]
        if (
            child.dep_ in ("acl", "ccomp")
            and child.i in inside
            and any(m.dep_ == "mark" and m.lower_ == "that" for m in child.children)
        ):
            return [t for t in _subtree(child) if t.i in inside]
    return None


def _same_case(original: str, replacement: str) -> str:
    return replacement[0].upper() + replacement[1:] if original[:1].isupper() else replacement


def _lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    if first[:1].isupper() and first[1:].islower() and first.lower() in (
        "the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their",
    ):
        return first.lower() + (" " + rest if rest else "")
    return text


def _without_article(name: str) -> str:
    return name[4:] if name.startswith("the ") else name


def text_negated(text: str) -> bool:
    """Whether a claim sentence negates its own main predicate (parsed here): a double negative for ``denies``."""
    from extractor.nlp.parsing import load_nlp

    doc = load_nlp()(text)
    return any(predicate_negations(sentence.root) for sentence in doc.sents)


def _inflect(lemma: str, tag: str) -> tuple[str, ...]:
    """``lemma`` in the Penn tag's form ("maintain", "VBZ" -> "maintains").

    lemminflect is imported on first use: it takes a third of a second to load.
    """
    from lemminflect import getInflection

    return getInflection(lemma, tag)
