"""Claimness: whether an attribution the pass found reports a claim, by the product's definition.

The cues and the trained reader find attributions the way PolNeAR annotates them:
beliefs, intentions, actions on an object, stances towards people, topics. A claim
(docs/annotation.md §2 and its borderline rules A1-A18, B1-B21) is narrower: a
proposition a source is reported to hold, stated, reported, alleged, denied, or a
position phrased declaratively. ``non_claim`` reads one attribution by its frame,
its cue's lexical class and the shape of its content, and names why it is no claim:

* ``action``: a verb of doing, not saying, read through its object or a
  preposition ("filed suit", "rejected a request", "nominated for a Daytime Emmy",
  "backed one warring party", "focused on climate change"), or a non-speech verb
  read through anything but a clause (rule A7/B16: procedural acts; §2: events);
* ``plan``: an infinitive told by the journalist ("planned to", "aimed to",
  "refused to endorse", "declined that assignment"); a promise, vow, pledge or
  threat is the source's declared intention and counts (B8);
* ``topic``: what a statement is about, not what it says ("talked about the
  economy", "expressed concern about the policy", A4/B15/B17); "spoke of how P"
  and "concern that P" carry P;
* ``question``: the content is an indirect question ("asked whether", "could not
  explain why", "told him how surprised he is", A3);
* ``wish``: the speaker's hope or want ("said he hoped it would", A6/B3);
* ``directive``: a recommendation or obligation ("should", "must", "ought to",
  "needs to", A11/B7), beside the directive cues of ``lexicon.NOT_PROPOSITIONS``;
* ``belief``: a belief or feeling the journalist ascribes with a thinking or
  emotion verb and no speech act ("Melanie thought", "she's so frustrated that",
  "she loves", A10/B1).

Everything else is kept, so the filter only removes what the guideline excludes.
The classes were chosen on the guideline gold of PolNeAR dev articles and the
seed gold (see docs/strategies.md for the figures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.lexicon import BRANDING_VERBS, NOMINAL_PROPOSITIONS, SPEECH_NOUNS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

    from extractor.nlp.cues import Attribution

# Frames whose content is a clause or a quotation the cue reports as said.
_SAID_FRAMES = frozenset(["clause", "postposed", "quote", "according", "passive", "passive_sentence"])
# Frames whose content is a phrase: the cue's object or prepositional object.
_PHRASE_FRAMES = frozenset(["object", "prep", "bare_passive"])

# Verbs of saying, writing, finding and showing: their clause, quotation or
# post-posed content is what the source states.
_STATING_VERBS = frozenset(
    [
        *["say", "tell", "state", "claim", "assert", "add", "note", "explain", "argue", "insist", "maintain"],
        *["contend", "report", "announce", "declare", "reveal", "disclose", "confirm", "acknowledge", "admit"],
        *["concede", "warn", "caution", "stress", "emphasize", "emphasise", "underscore", "highlight", "point"],
        *["recall", "remind", "mention", "remark", "observe", "comment", "reply", "respond", "answer", "retort"],
        *["counter", "write", "tweet", "post", "testify", "suggest", "imply", "indicate", "signal", "predict"],
        *["forecast", "allege", "conclude", "clarify", "reiterate", "repeat", "echo", "estimate", "agree"],
        *["disagree", "inform", "hint", "joke", "boast", "brag", "complain", "lament", "bemoan", "deny"],
        *["refute", "rebut", "dispute", "debunk", "disprove", "contradict", "speculate", "assure", "promise"],
        *["pledge", "vow", "threaten", "swear", "guarantee", "find", "show", "prove", "demonstrate", "rule"],
        *["determine", "read", "go", "continue", "describe", "charge", "accuse", "blame", "call", "question"],
        *["ask", "express", "order", "recommend", "demand", "urge", "propose", "advise", "shout", "chant"],
        *["cry", "scream", "yell", "whisper", "mutter", "muse", "quip", "snap", "cite", "quote", "release"],
        *["publish", "issue", "outline", "detail", "list", "present", "project", "calculate", "tally"],
        *["count", "measure", "survey", "poll", "discover", "learn", "hear", "see", "expect", "know"],
        *["think", "believe", "feel", "consider", "view", "regard", "hope", "denounce", "discuss", "talk"],
        *["speak", "address"],
    ]
)
# Verbs of directing: what they report is to be done, not so (§2, A11, B7).
_DIRECTING_VERBS = frozenset(
    [
        *["urge", "demand", "order", "recommend", "propose", "advise", "request", "exhort", "implore", "beg"],
        *["instruct", "direct", "command", "encourage", "invite"],
    ]
)
# Verbs of believing and feeling: told by the journalist they ascribe a state of mind,
# not a statement (A10, B1). "X said he thinks P" is still a claim: there the cue is "said".
_MIND_VERBS = frozenset(
    [
        *["think", "believe", "feel", "understand", "realize", "realise", "recognize", "suspect", "fear"],
        *["worry", "hope", "hop", "wish", "want", "expect", "wonder", "assume", "guess", "figure", "doubt", "remember"],
        *["forget", "notice", "imagine", "love", "like", "hate", "prefer", "trust", "mind", "care", "seem"],
        *["appear", "tend", "look", "sound"],
    ]
)
# Verbs whose object is predicated about ("accused X of Y", "called X Y", "credited X with Y",
# "thanked X for Y", "questioned X's eligibility", "denied any involvement"): the phrase is a claim.
_PREDICATING_VERBS = frozenset(
    [
        *["accuse", "blame", "credit", "charge", "call", "describe", "brand", "label", "dub", "deem"],
        *["characterize", "characterise", "portray", "paint", "denounce", "condemn", "criticize", "criticise"],
        *["praise", "hail", "slam", "blast", "mock", "liken", "compare", "identify", "thank", "question"],
        *["deny", "dispute", "dismiss", "decry", "rebut", "refute", "contradict", "disavow", "repudiate"],
        *["view", "regard", "consider", "echo", "acknowledge", "admit", "confirm", "concede", "reiterate"],
        *["repeat", "claim", "allege", "assert", "predict", "promise", "pledge", "vow", "threaten", "warn"],
        *["state", "say", "declare", "tell", "report", "reveal", "disclose", "announce", "show", "find"],
        *["cite", "quote", "insult", "congratulate", "applaud", "welcome", "lament", "bemoan", "assail"],
        *["knock", "hammer", "chide", "rebuke", "fault", "ridicule", "attack", "admire", "reject"],
    ]
)
# A predicating verb with a bare object says something of it only with a predicate of its
# own ("accused X of Y", "called X Y", "identified X as Y", "thanked X for Y"); these verbs
# need none ("denied any involvement", "questioned Cruz's eligibility", "criticized the
# party's lack of awareness", "acknowledged the reality of climate change").
_SELF_PREDICATING_VERBS = frozenset(
    [
        *["deny", "dispute", "question", "criticize", "criticise", "condemn", "denounce", "decry", "rebut"],
        *["refute", "contradict", "disavow", "repudiate", "acknowledge", "admit", "concede", "confirm"],
        *["echo", "reiterate", "repeat", "claim", "allege", "assert", "predict", "promise", "pledge", "vow"],
        *["threaten", "warn", "lament", "bemoan", "slam", "blast", "mock", "assail", "knock", "hammer"],
        *["ridicule", "reveal", "disclose", "report", "announce", "show", "find", "praise", "hail"],
    ]
)
# The source's own declared intention, with content: "vowed not to repeat that mistake" (B8).
_COMMITTING_VERBS = frozenset(["promise", "pledge", "vow", "threaten", "swear", "guarantee", "announce"])
# Stating verbs whose infinitive or gerund is what is stated: "admitted using the tax code".
_GERUND_STATING_VERBS = frozenset(["admit", "deny", "acknowledge", "claim", "recall", "report", "mention", "confess"])
# Object complements that carry a predicate about the object.
_PREDICATE_DEPS = frozenset(["oprd", "ccomp", "acomp"])
_PREDICATE_PREPOSITIONS = frozenset(["of", "for", "as", "with"])
# Nouns whose clause or prepositional object is a proposition: "concern that P",
# "the idea that P", "statements ... that P", "a decision that P".
_PROPOSITION_NOUNS = frozenset(
    [
        *SPEECH_NOUNS,
        *NOMINAL_PROPOSITIONS,
        *["concern", "fear", "belief", "view", "argument", "warning", "promise", "pledge", "admission"],
        *["insistence", "suggestion", "acknowledgment", "acknowledgement", "conviction", "position", "ruling"],
        *["decision", "finding", "verdict", "prediction", "forecast", "estimate", "threat", "vow", "case"],
        *["complaint", "criticism", "denial", "confidence", "doubt", "doubts", "hope", "worry", "opinion"],
    ]
)
# Heads of a nominalised proposition: "stressed her support of X", "noted the clot's existence".
_NOMINAL_HEADS = frozenset([*NOMINAL_PROPOSITIONS, "need", "existence", "failure", "success", "role", "responsibility"])
# Clause marks and openers of an indirect question (A3). "how" is a question only before an
# adjective or adverb ("how surprised he is", "how much"); "spoke of how P" reports P.
_QUESTION_WORDS = frozenset(["whether", "if", "why", "what", "who", "whom", "whose", "which", "when", "where"])
# Modals and verbs of obligation that make a content a recommendation (A11, B7).
_QUOTE_MARKS = "\"'“”‘’«»"
_DEONTIC_MODALS = frozenset(["should", "must", "ought", "shall"])
_OBLIGATION_VERBS = frozenset(["need", "have"])
_DEMANDING_VERBS = frozenset(["demand", "require"])
# Judgements of a course of action: "would be wise to", "would be mistaken to", "would be a fool not to".
_ADVISABILITY_WORDS = frozenset(
    ["wise", "unwise", "mistaken", "foolish", "fool", "smart", "prudent", "advisable", "sensible", "mistake"]
)
# Cues whose "how" clause is a question ("questioned how Cruz could"), unlike "spoke of how P".
_ASKING_VERBS = frozenset(["ask", "question", "wonder", "explain", "inquire", "query"])
_WISH_VERBS = frozenset(["hope", "hop", "wish", "want", "pray", "like", "love"])
# Liking is a wish only in the speaker's own words ("I love you", A9); told of someone, it is a claim.
_LIKING_VERBS = frozenset(["like", "love"])


# Every reason ``non_claim`` gives: each is a non-claim by the guideline.
REASONS = frozenset(["action", "plan", "topic", "question", "wish", "directive", "belief"])
# The reasons the pass acts on. Leaving out all of REASONS gives guideline-gold precision 0.864
# (baseline, 20 PolNeAR dev articles) but PolNeAR dev overlap F1 0.647, below
# its floor of 0.70: PolNeAR annotates topics, questions and beliefs as attributions. Acting on
# these four keeps PolNeAR dev at 0.693 with the baseline and 0.709 with the default strategy,
# with guideline precision 0.788 (docs/strategies.md).
LEFT_OUT = frozenset(["action", "plan", "directive", "wish"])


def non_claim(doc: Doc, item: Attribution) -> str | None:
    """Why ``item`` reports no claim ("action", "plan", "topic", "question", "wish", "directive", "belief"), or None.

    ``doc`` is the parsed body the attribution's offsets point into.
    """
    lemma = item.cue_lemma
    frame = item.frame
    if frame == "according" or item.direct_quote:
        # "according to X" and a quotation in the source's words are statements; what
        # they say is judged below.
        return _content_reason(doc, item)
    if frame == "xcomp":
        # "vowed not to repeat", "admitted using the tax code"; "planned to", "refused to" are plans.
        return None if lemma in _COMMITTING_VERBS or lemma in _GERUND_STATING_VERBS else "plan"
    if frame in ("noun_clause", "noun_prep"):
        return _noun_reason(doc, item)
    if frame in _PHRASE_FRAMES:
        return _phrase_reason(doc, item)
    if frame in _SAID_FRAMES:
        if lemma in _MIND_VERBS:
            return "belief"
        if lemma in _DIRECTING_VERBS:
            return "directive"
        # Any other verb with a clause content reports a proposition ("the poll allows that ...").
        return _content_reason(doc, item)
    return None


def is_claim(doc: Doc, item: Attribution) -> bool:
    """Whether ``item`` is kept as a claim: it has no reason in ``LEFT_OUT`` (see ``non_claim``)."""
    return non_claim(doc, item) not in LEFT_OUT


def doubt(doc: Doc, item: Attribution) -> str | None:
    """The reason ``item`` may be no claim that the pass does not act on, or None.

    By default "topic", "question" or "belief" (``REASONS`` less ``LEFT_OUT``): what a
    strategy may ask a model about (``Candidate.doubt``, strategy ``guided_checked``).
    """
    reason = non_claim(doc, item)
    return reason if reason not in LEFT_OUT else None


def _content_reason(doc: Doc, item: Attribution) -> str | None:
    """Why a stated content is no claim: a question, a wish or a directive; else None.

    Only a content within one sentence is judged: a quotation running over several
    sentences says more than its first clause.
    """
    words = _words(doc, item)
    if not words or words[0].sent != words[-1].sent:
        return None
    root = item.content_root
    if root is not None and not (words[0].i <= root.i <= words[-1].i):
        root = None
    asking = item.cue_lemma in _ASKING_VERBS
    question = item.frame != "postposed" and _opens_question(words, root, asking) and not _passive_cue(doc, item)
    if question or _asks(doc, item):
        # "asked whether P" poses a question; "when asked if P, he replied ..." puts it to the source.
        return "question"
    if root is None:
        return None
    if _own_wish(root, item):
        return "wish"
    if _deontic(root):
        return "directive"
    return None


def _phrase_reason(doc: Doc, item: Attribution) -> str | None:
    """Why a phrase content (an object or prepositional object) is no claim."""
    lemma = item.cue_lemma
    words = _words(doc, item)
    verb = _cue_token(doc, item)
    root = item.content_root
    if words and _opens_question(words, root):
        return "question"
    if item.frame == "prep":
        # "spoke of how P", "went on about how P": a clause carries P; a noun phrase is a topic.
        if any(t.dep_ in ("nsubj", "nsubjpass") for t in words):
            return None
        if lemma in _PREDICATING_VERBS and _predicated(verb):
            return None
        return "topic" if lemma in _STATING_VERBS else "action"
    if lemma in _PREDICATING_VERBS:
        # "called climate change a hoax": the brand was cut from the content, and the cue denies it.
        branded = item.cue_denies and lemma in BRANDING_VERBS
        if branded or lemma in _SELF_PREDICATING_VERBS or _predicated(verb) or _proposition_noun(root):
            return None
        return "action"
    if _proposition_noun(root) and lemma in _STATING_VERBS:
        # "expressed concern that P", "echoed statements that P"; "expressed concern about X" is a topic.
        return None if _noun_has_content(root) or _nominal_proposition(root) else "topic"
    if lemma in _MIND_VERBS:
        return "belief"
    return "topic" if lemma in _STATING_VERBS else "action"


def _noun_reason(doc: Doc, item: Attribution) -> str | None:
    """Why a noun or adjective cue's content is no claim ("critical of Trump", "frustrated that ...")."""
    cue = _cue_token(doc, item)
    if cue is None or cue.lemma_.lower() not in _PROPOSITION_NOUNS:
        return "belief" if cue is not None and cue.pos_ == "ADJ" else "topic"
    if item.frame == "noun_prep" and not any(t.dep_ in ("nsubj", "nsubjpass") for t in _words(doc, item)):
        return "topic"
    return _content_reason(doc, item)


def _words(doc: Doc, item: Attribution) -> list[Token]:
    start, end = item.content
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return []
    return [t for t in span if not t.is_punct and not t.is_space]


def _cue_token(doc: Doc, item: Attribution) -> Token | None:
    if item.cue is None:
        return None
    span = doc.char_span(item.cue[0], item.cue[1], alignment_mode="expand")
    return span.root if span is not None and len(span) else None


def _opens_question(words: list[Token], root: Token | None, asking: bool = False) -> bool:
    """Whether the content is an indirect question: "whether ...", "why ...", "how surprised ...".

    The question word must belong to the content's own clause: "If X, Y" and "When X, Y"
    open an adverbial clause of a statement, and "which, Tompkins said, is ..." a relative.
    """
    first = words[0]
    lower = first.lower_
    if lower != "how" and lower not in _QUESTION_WORDS:
        return False
    if root is None or (first.head != root and first != root):
        return False
    if lower == "how":
        return asking or (len(words) > 1 and words[1].pos_ in ("ADJ", "ADV"))
    return True


def _passive_cue(doc: Doc, item: Attribution) -> bool:
    """Whether the cue is a past participle without a subject of its own: "when asked if ..."."""
    verb = _cue_token(doc, item)
    return verb is not None and verb.tag_ == "VBN" and not any(c.dep_ == "nsubj" for c in verb.children)


def _asks(doc: Doc, item: Attribution) -> bool:
    """Whether a one-sentence content is a direct question: it ends with "?" (A3)."""
    text = doc.text[item.content[0] : item.content[1]].strip().strip(_QUOTE_MARKS).strip()
    return text.endswith("?") and not any(mark in text[:-1] for mark in ".!?")


def _own_wish(root: Token, item: Attribution) -> bool:
    """Whether the content is the speaker's own wish: "I hope", "(he said) he hoped it would" (A6, B3).

    In a quotation only "I" and "we" are the speaker; in reported speech a personal
    pronoun or the source's own word is. "He really does love us" is a claim about him.
    """
    if root.pos_ != "VERB" or root.lemma_.lower() not in _WISH_VERBS:
        return False
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if subject is None:
        return False
    lower = subject.lower_
    if lower in ("i", "we"):
        return True
    if item.direct_quote or root.lemma_.lower() in _LIKING_VERBS:
        return False
    source = item.source_token
    return lower in ("he", "she", "they") or (source is not None and lower == source.lower_)


def _deontic(root: Token) -> bool:
    """Whether the clause headed by ``root`` recommends, obliges or commands (A11, B7).

    "should", "must", "ought to", "needs to", "has to"; "demands that all Americans
    engage"; an evaluation of a course of action ("would be wise to set up",
    "would be mistaken to proceed"); an imperative ("Hands up, don't shoot").
    """
    children = list(root.children)
    if any(c.dep_ == "aux" and c.lower_ in _DEONTIC_MODALS for c in children):
        return True
    lemma = root.lemma_.lower()
    if (
        lemma in _OBLIGATION_VERBS
        and root.pos_ in ("VERB", "AUX")
        and any(c.dep_ == "xcomp" and any(a.lower_ == "to" for a in c.children) for c in children)
    ):
        return True
    if lemma in _DEMANDING_VERBS and any(c.dep_ == "ccomp" for c in children):
        return True
    if lemma == "be" and any(c.lower_ in ("would", "'d") for c in children):
        # "would be wise / mistaken / a fool (not) to ...": the course of action is judged advisable or not.
        complements = [c for c in children if c.dep_ in ("acomp", "attr") and c.lemma_.lower() in _ADVISABILITY_WORDS]
        infinitives = [x for c in [root, *complements] for x in c.children if x.dep_ in ("xcomp", "relcl", "acl")]
        if complements and infinitives:
            return True
    return (
        root.tag_ == "VB"
        and root.dep_ == "ROOT"
        and not any(c.dep_ in ("nsubj", "nsubjpass", "aux", "expl") for c in children)
        and root.i == root.sent.start + _leading_marks(root.sent)
    )


def _leading_marks(sentence: Span) -> int:
    """How many quotation marks and punctuation open ``sentence``."""
    count = 0
    for token in sentence:
        if not (token.is_punct or token.is_space):
            break
        count += 1
    return count


def _predicated(verb: Token | None) -> bool:
    """Whether a cue says something of its object: "X of Y", "X as Y", "X with Y", "X a liar", "X that P"."""
    if verb is None:
        return False
    return any(
        c.i > verb.i and (c.dep_ in _PREDICATE_DEPS or (c.dep_ == "prep" and c.lower_ in _PREDICATE_PREPOSITIONS))
        for c in verb.children
    )


def _proposition_noun(root: Token | None) -> bool:
    return root is not None and root.lemma_.lower() in _PROPOSITION_NOUNS


def _nominal_proposition(noun: Token | None) -> bool:
    """Whether the noun is a nominalised proposition with its argument: "her support of the raid", "the need to"."""
    return (
        noun is not None
        and noun.lemma_.lower() in _NOMINAL_HEADS
        and any(c.dep_ in ("prep", "acl", "poss") for c in noun.children)
    )


def _noun_has_content(noun: Token | None) -> bool:
    """Whether a proposition noun comes with its proposition: "concern that P", "the idea that P"."""
    if noun is None:
        return False
    return any(c.dep_ in ("acl", "ccomp", "relcl") and c.i > noun.i for c in noun.children) or any(
        c.dep_ == "prep" and c.lower_ == "that" for c in noun.children
    )
