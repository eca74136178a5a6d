"""Lexicon data for the linguistic pass: reporting cues, their frames, and the word lists it reads by.

Pure data and two lookups, importing nothing: the reporting and attitude verbs
(lemma -> the frames through which its content is found), which of them report
no proposition, prepositions and verb classes the frames use, and the words that
tell a source's kind (pronouns, role nouns, titles, gender words).
"""

from __future__ import annotations

# --- Reporting cues -------------------------------------------------------------
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
NOT_TOPICS = frozenset(["DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"])
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
# --- Sources, names and negation ---------------------------------------------------

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
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
# Words next to a name that tell the person's gender.
_MALE_WORDS = ["mr", "mr.", "sir", "spokesman", "congressman", "chairman", "businessman"]
_FEMALE_WORDS = ["mrs", "mrs.", "ms", "ms.", "miss", "madam", "spokeswoman", "congresswoman"]
_FEMALE_WORDS += ["chairwoman", "businesswoman", "actress", "queen"]
GENDER_WORDS = {**dict.fromkeys(_MALE_WORDS, "m"), **dict.fromkeys(_FEMALE_WORDS, "f")}
PLURAL_PRONOUNS = frozenset(["they", "them"])
RELATIVE_PRONOUNS = frozenset(["who", "which", "that", "whom"])
NEGATIVE_PRONOUNS = frozenset(["nothing", "nobody", "none"])
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})

# Titles written before a name ("Mr.", "Sen.", "Deputy Minister").
TITLE_WORDS = frozenset(
    ["mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "president", "minister", "deputy", "prime"]
)

# --- Restating contents as claims (claim_text) ---------------------------------------
#
# Chosen on PolNeAR train and the seed guideline (docs/annotation.md §5-§6).

# Verbs whose object is the addressee, not what was said: "told reporters".
ADDRESSEE_VERBS = frozenset(
    ["tell", "inform", "brief", "assure", "remind", "notify", "ask", "thank", "urge", "congratulate", "advise"]
)
# Verbs whose object or prepositional object is a topic: "discussed grain exports".
TOPIC_VERBS = frozenset(["discuss", "address", "debate", "talk", "speak", "comment"])
# "accused X of Y", "blamed X for Y": the content is a charge against X.
GUILT_VERBS = frozenset(["accuse", "blame"])
# "called X Y", "denounced X as Y": the content predicates Y of X.
CHARACTERISING_VERBS = frozenset(
    [
        *["call", "describe", "label", "brand", "dub", "characterize", "characterise", "denounce", "condemn"],
        *["deem", "consider", "regard", "view", "hail", "praise", "slam", "dismiss", "portray", "paint"],
    ]
)
# Subordinators of a clause that is a claim of its own: "While X, Y".
CONCESSIVE_MARKS = frozenset(["while", "although", "though", "whereas"])
# Nouns of saying: "a statement stating that S", "reports that S" carry S.
SPEECH_NOUNS = frozenset(
    [
        *["statement", "report", "claim", "allegation", "assertion", "rumor", "rumour", "suggestion", "notion"],
        *["idea", "accusation", "charge", "news", "information", "message", "post", "tweet", "publication"],
        *["article", "story", "letter", "assessment", "conclusion", "finding", "announcement", "remark"],
        *["declaration", "testimony", "reports", "claims"],
    ]
)
# Nominalised propositions: head lemma -> (how it is restated, the word, whether a leading
# preposition goes). "verb": "its support for X" -> "<owner> supports X"; "be": "its readiness
# to talk" -> "<owner> is ready to talk"; "of": "the inevitability of X" -> "X is inevitable".
NOMINAL_PROPOSITIONS: dict[str, tuple[str, str, bool]] = {
    "support": ("verb", "support", True),
    "opposition": ("verb", "oppose", True),
    "intention": ("verb", "intend", False),
    "intent": ("verb", "intend", False),
    "plan": ("verb", "plan", False),
    "decision": ("verb", "decide", False),
    "refusal": ("verb", "refuse", False),
    "desire": ("verb", "want", False),
    "readiness": ("be", "ready", False),
    "willingness": ("be", "willing", False),
    "determination": ("be", "determined", False),
    "commitment": ("be", "committed", False),
    "inevitability": ("of", "inevitable", False),
    "possibility": ("of", "possible", False),
    "necessity": ("of", "necessary", False),
    "importance": ("of", "important", False),
    "legitimacy": ("of", "legitimate", False),
    "illegality": ("of", "illegal", False),
}
# Nouns of a definite description that names an organisation ("the ministry said"):
# resolved to an earlier named organisation whose name holds the noun.
ORGANISATION_NOUNS = frozenset(
    [
        *["ministry", "department", "agency", "company", "group", "party", "campaign", "committee"],
        *["administration", "government", "bureau", "office", "organization", "organisation", "union"],
        *["council", "court", "newspaper", "network", "firm", "commission", "service", "institute"],
        *["university", "foundation", "center", "centre", "board", "team", "embassy", "mission", "kremlin"],
        *["senate", "house", "congress", "parliament", "authority", "corporation", "association", "coalition"],
    ]
)
# Nationality adjectives and the countries they name, for the organisation of an official
# ("Russian President Vladimir Putin" -> Russia) and a ministry's full name ("Russian Foreign Ministry").
DEMONYMS = {
    "Russian": "Russia", "American": "United States", "US": "United States", "U.S.": "United States",
    "Ukrainian": "Ukraine", "British": "United Kingdom", "UK": "United Kingdom", "Chinese": "China",
    "French": "France", "German": "Germany", "Israeli": "Israel", "Iranian": "Iran", "Turkish": "Turkey",
    "Japanese": "Japan", "Indian": "India", "Syrian": "Syria", "Iraqi": "Iraq", "Polish": "Poland",
    "Italian": "Italy", "Spanish": "Spain", "Canadian": "Canada", "Mexican": "Mexico", "Saudi": "Saudi Arabia",
    "Belarusian": "Belarus", "Georgian": "Georgia", "Korean": "Korea", "Palestinian": "Palestine",
    "Egyptian": "Egypt", "Cuban": "Cuba", "Venezuelan": "Venezuela", "Brazilian": "Brazil",
}  # fmt: skip
# Countries by the names articles give them, and the adjective a ministry is named with.
COUNTRY_DEMONYMS = {
    "Russia": "Russian", "Russian Federation": "Russian", "United States": "US", "US": "US", "U.S.": "US",
    "USA": "US", "America": "US", "Ukraine": "Ukrainian", "United Kingdom": "British", "UK": "British",
    "Britain": "British", "China": "Chinese", "France": "French", "Germany": "German", "Israel": "Israeli",
    "Iran": "Iranian", "Turkey": "Turkish", "Japan": "Japanese", "India": "Indian", "Syria": "Syrian",
    "Iraq": "Iraqi", "Poland": "Polish", "Italy": "Italian", "Spain": "Spanish", "Canada": "Canadian",
    "Mexico": "Mexican", "Saudi Arabia": "Saudi", "Belarus": "Belarusian",
}  # fmt: skip
# Capitals used as metonyms for their governments ("Moscow insists"): restated as the country
# in claim texts (docs/annotation.md §6), where they act, own or are a party, not where they are a place.
CAPITALS = {
    "Moscow": "Russia", "Kiev": "Ukraine", "Kyiv": "Ukraine", "Washington": "the United States",
    "Beijing": "China", "London": "the United Kingdom", "Paris": "France", "Berlin": "Germany",
    "Tehran": "Iran", "Ankara": "Turkey", "Tokyo": "Japan", "Damascus": "Syria", "Minsk": "Belarus",
    "Warsaw": "Poland", "Pyongyang": "North Korea", "Seoul": "South Korea", "Riyadh": "Saudi Arabia",
    "Baghdad": "Iraq", "Kabul": "Afghanistan", "Havana": "Cuba", "Caracas": "Venezuela", "Tbilisi": "Georgia",
}  # fmt: skip
# Verbs whose object, even a bare name, is a position the claimant takes: "endorsed Trump".
STANCE_VERBS = frozenset(
    [
        *["endorse", "support", "back", "praise", "defend", "oppose", "criticize", "criticise", "attack", "blame"],
        *["accuse", "congratulate", "welcome", "challenge", "slam", "blast", "condemn", "applaud", "hail"],
        *["reject", "dismiss", "deny", "mock", "insult", "rebuke", "chide", "denounce", "credit", "vote"],
    ]
)
