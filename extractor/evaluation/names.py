"""Person and organisation names: normalising them, telling names from pronouns, matching claimants.

Used twice: the brat import decides which Source mentions are names and which are
pronouns or descriptions to resolve, and the metrics decide whether a predicted
claimant names the same source as the gold one. Both rules are spelled out in
``docs/evaluation.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum

# fmt: off
# Titles and honorifics are dropped before names are compared, so "Mr. Trump"
# and "Donald Trump" share their tokens.
TITLE_TOKENS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "sen", "senator", "rep", "representative",
    "gov", "governor", "president", "vice", "prof", "professor", "gen", "general",
    "sir", "dame", "lord", "lady", "rev", "reverend", "judge", "justice", "mayor",
    "secretary", "minister", "prime", "chancellor", "ambassador", "st", "jr", "sr",
    "ii", "iii", "the", "a", "an",
})
ARTICLES = frozenset({"the", "a", "an"})
PERSONAL_SINGULAR_PRONOUNS = frozenset({
    "he", "him", "his", "himself", "she", "her", "hers", "herself",
})
FIRST_PERSON_PRONOUNS = frozenset({
    "i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves",
})
RELATIVE_PRONOUNS = frozenset({"who", "whom", "whose", "which", "that"})
# Plural, impersonal and indefinite pronouns and quantifiers: never resolved.
OTHER_PRONOUNS = frozenset({
    "they", "them", "their", "theirs", "themselves", "it", "its", "itself", "you",
    "your", "yours", "yourself", "yourselves", "one", "someone", "somebody", "anyone",
    "anybody", "everyone", "everybody", "nobody", "none", "some", "many", "most",
    "others", "other", "another", "both", "all", "several", "few", "each", "either",
    "neither", "this", "these", "those",
})
PRONOUNS = PERSONAL_SINGULAR_PRONOUNS | FIRST_PERSON_PRONOUNS | RELATIVE_PRONOUNS | OTHER_PRONOUNS

# First words that make a description definite, i.e. one that points back to
# someone already mentioned ("the spokesman", "his campaign").
DEFINITE_DETERMINERS = frozenset({
    "the", "this", "that", "these", "those", "his", "her", "its", "their", "our", "my", "your",
})
# The head of "the secretary of state" is "secretary": the head is the last word
# before the first of these.
HEAD_STOP_WORDS = frozenset({
    "of", "for", "at", "in", "on", "with", "from", "to", "by", "who", "which", "that", "whose",
})
# fmt: on

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_POSSESSIVE = re.compile(r"['’]s?$")
# A word of a name, hyphenated parts kept together ("Ki-moon").
_NAME_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


class MentionForm(StrEnum):
    """What kind of expression a source mention is."""

    NAMED = "named"  # contains a capitalised name word: "Trump", "the Clinton campaign"
    PRONOUN = "pronoun"  # the whole mention is a pronoun: "he", "who", "they"
    DEFINITE = "definite"  # a definite description without a name: "the spokesman"
    OTHER = "other"  # indefinite or bare common nouns: "a source", "officials"


def words(text: str) -> list[str]:
    """The words of ``text`` as written (apostrophes inside words kept)."""
    return _WORD.findall(text)


def mention_form(mention: str) -> MentionForm:
    """Classify a source mention as written in the article.

    A word counts as a name word when it starts with an upper-case letter and is
    neither a pronoun nor a determiner, so "The spokesman" and "He" are not names
    while "Trump" at the start of a sentence is. A common noun capitalised only
    because it starts a sentence ("Officials said") is taken for a name too; the
    import only uses named mentions as antecedents, where that rarely matters.
    """
    mention_words = words(mention)
    if not mention_words:
        return MentionForm.OTHER
    folded = [w.casefold() for w in mention_words]
    if len(folded) == 1 and folded[0] in PRONOUNS:
        return MentionForm.PRONOUN
    for word, low in zip(mention_words, folded, strict=True):
        if word[0].isupper() and low not in PRONOUNS and low not in DEFINITE_DETERMINERS:
            return MentionForm.NAMED
    if folded[0] in DEFINITE_DETERMINERS:
        return MentionForm.DEFINITE
    return MentionForm.OTHER


def description_head(mention: str) -> str | None:
    """The head noun of a definite description, casefolded: "the former secretary of state" -> "secretary"."""
    folded = [w.casefold() for w in words(mention)][1:]
    head = None
    for word in folded:
        if word in HEAD_STOP_WORDS:
            break
        head = word
    return head


def same_word(left: str, right: str) -> bool:
    """Casefolded equality that ignores a plural -s/-es ("spokesmen" is not handled)."""
    left, right = left.casefold(), right.casefold()
    return left == right or _singular(left) == _singular(right)


def _singular(word: str) -> str:
    if word.endswith("es") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def name_tokens(name: str) -> tuple[str, ...]:
    """Comparable tokens of a name: NFKC, casefolded, possessive 's, titles and articles dropped."""
    normal = unicodedata.normalize("NFKC", name).casefold()
    all_tokens = [token for token in (_POSSESSIVE.sub("", word) for word in words(normal)) if token]
    tokens = tuple(token for token in all_tokens if token not in TITLE_TOKENS)
    # A name made only of titles ("the Judge") keeps them, or it could never match.
    return tokens or tuple(token for token in all_tokens if token not in ARTICLES)


def is_name(claimant: str) -> bool:
    """Whether a claimant string names someone: its head word is capitalised and no pronoun or determiner.

    The head is the last word before the first comma, parenthesis or word of
    ``HEAD_STOP_WORDS`` (after the first word): "Kremlin spokesman Dmitry Peskov"
    -> "Peskov", "Ban Ki-moon" -> "Ki-moon", "the Security Council" -> "Council" (names); "spokeswoman for
    Hillary Clinton" -> "spokeswoman", "the Clinton campaign" -> "campaign",
    "Several experts" -> "experts", "campaign" (descriptions).
    """
    phrase = re.split(r"[,(]", claimant, maxsplit=1)[0]
    head = None
    for index, word in enumerate(_NAME_WORD.findall(phrase)):
        if index and word.casefold() in HEAD_STOP_WORDS:
            break
        head = word
    if head is None:
        return False
    folded = head.casefold()
    return head[0].isupper() and folded not in PRONOUNS and folded not in DEFINITE_DETERMINERS


def is_bare_pronoun_or_description(name: str) -> bool:
    """True for a gold name that says nobody in particular: a pronoun or "the campaign"."""
    return mention_form(name) in (MentionForm.PRONOUN, MentionForm.DEFINITE)


def claimant_matches(
    predicted: str, gold_name: str, gold_aliases: Iterable[str] = (), gold_mention: str | None = None
) -> bool:
    """Whether a predicted claimant name names the gold claimant.

    Against the gold name and each alias it matches when the token sets are
    equal, one contains the other, or both end in the same surname token.
    Against the gold mention (which may be a long description) only equal token
    sequences match, so "the Kremlin" does not match "a spokesman for the Kremlin".
    """
    predicted_tokens = name_tokens(predicted)
    if not predicted_tokens:
        return False
    for candidate in (gold_name, *gold_aliases):
        candidate_tokens = name_tokens(candidate)
        if not candidate_tokens:
            continue
        predicted_set, candidate_set = set(predicted_tokens), set(candidate_tokens)
        if predicted_set <= candidate_set or candidate_set <= predicted_set:
            return True
        if predicted_tokens[-1] == candidate_tokens[-1]:
            return True
    return gold_mention is not None and name_tokens(gold_mention) == predicted_tokens


# --- who said it: full names, fragments, gold speakers across a batch -----------------------------

# Words written before a name that are not part of it ("Rival Hillary Clinton", "Former President Bill Clinton").
EPITHETS = frozenset({
    "rival", "former", "crooked", "democrat", "democratic", "republican", "candidate", "nominee", "presidential",
})  # fmt: skip
# Lower-case particles inside a name ("Charles de Gaulle").
NAME_PARTICLES = frozenset({"de", "da", "del", "der", "di", "du", "van", "von", "bin", "al", "la", "le"})
# The word just before the end of a text, one space between (a line break ends a name), its dot kept ("J.").
_WORD_BEFORE = re.compile(r"(?:([^\W\d_][\w'’-]*\.?)[ \u00a0]|([^\W\d_]\.))\Z")
# Lower-case words inside an organisation's name ("Roper Center for Public Opinion Research").
NAME_CONNECTORS = frozenset({"of", "for", "on", "the"})
# Words that open a sentence or clause, capitalised there but never part of a name ("But Republicans said").
_NOT_NAME_WORDS = (
    PRONOUNS | DEFINITE_DETERMINERS | HEAD_STOP_WORDS
    | frozenset({"but", "if", "although", "and", "or", "so", "when", "while", "as", "because", "after", "before",
                 "since", "though", "yet", "also", "then", "a", "an"})
)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return _POSSESSIVE.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)).casefold())


def folded_words(name: str) -> tuple[str, ...]:
    """The words of a name, casefolded, diacritics and possessive 's removed (titles kept)."""
    return tuple(token for token in (_fold(word) for word in _NAME_WORD.findall(name)) if token)


def mention_runs(text: str, head: str) -> list[tuple[str, ...]]:
    """Every name written in ``text`` that ends in the word ``head``: the run of capitalised words before it.

    "said Republican nominee Donald J. Trump." with head "trump" gives ("donald", "j", "trump"):
    a lower-case word ("nominee") or punctuation other than an initial's dot ends the run,
    except a particle ("de") or a connector between capitalised words ("Center for Public
    Opinion Research"); initials may be written together ("G.K. Butterfield").
    """
    runs = []
    folded_head = _fold(head)
    for match in re.finditer(rf"(?<![\w'’-]){re.escape(head)}(?![\w-])", text, flags=re.IGNORECASE):
        if not match.group(0)[:1].isupper():
            continue
        run = [folded_head]
        before = text[: match.start()]
        while True:
            word = _WORD_BEFORE.search(before)
            if word is None:
                break
            group = 1 if word.group(1) else 2
            written = word.group(group)
            # A dot ends the run unless it is an initial's or a short title's ("J.", "Mr.", "Sen.").
            if written.endswith(".") and len(written) > 5:
                break
            if not (written[0].isupper() or written in NAME_PARTICLES or written in NAME_CONNECTORS):
                break
            if written[0].isupper() and written.rstrip(".").casefold() in _NOT_NAME_WORDS:
                break
            run.insert(0, _fold(written.rstrip(".")))
            before = before[: word.start(group)]
        while len(run) > 1 and (run[0] in NAME_CONNECTORS or run[0] in NAME_PARTICLES):
            run.pop(0)  # "said the Roper Center": the run starts at "Roper"
        runs.append(tuple(run))
    return runs


def bare_name(tokens: Sequence[str]) -> tuple[str, ...]:
    """A name's words without titles, connectors and single-letter initials: what says who it is."""
    dropped = TITLE_TOKENS | NAME_CONNECTORS
    kept = tuple(token for token in tokens if token not in dropped and len(token) > 1)
    return kept or tuple(tokens)


def is_full_name(predicted: str, text: str, heads: Iterable[str]) -> bool:
    """Whether a predicted claimant is the speaker's full name as the article writes it.

    For one of the gold name's head words (the last word of its name or of an alias): the
    predicted name contains the head word; every other word of it is a word of the
    article's mentions of that name (the capitalised runs ending in the head word,
    ``mention_runs``); and it is not the head word alone where a mention gives more.
    """
    predicted_words = tuple(word for word in folded_words(predicted) if word not in ARTICLES)
    for head in heads:
        folded_head = _fold(head)
        if folded_head not in predicted_words:
            continue
        runs = mention_runs(text, head)
        allowed = {word for run in runs for word in run} | {folded_head}
        if not set(predicted_words) <= allowed:
            continue
        longest = max((len(bare_name(run)) for run in runs), default=1)
        if len(bare_name(predicted_words)) == 1 and longest > 1:
            continue
        return True
    return False


def fragment_of(predicted: str, text: str) -> tuple[str, ...] | None:
    """The longer name a one-word claimant is a fragment of, when the article writes one; else None.

    "Clinton" in an article that writes "Hillary Clinton" is a fragment; so is "Mr. Trump"
    beside "Donald Trump". A name the article never writes longer is not.
    """
    words_ = _NAME_WORD.findall(predicted)
    if not words_:
        return None
    bare = bare_name(folded_words(predicted))
    if len(bare) != 1:
        return None
    longer = [bare_name(run) for run in mention_runs(text, words_[-1])]
    longer = [run for run in longer if len(run) > 1 and run[-1] == bare[0]]
    return max(longer, key=len) if longer else None


def head_words(name: str, aliases: Iterable[str] = ()) -> list[str]:
    """The head word (last name word) of a gold name and of each alias, as written."""
    heads = []
    for candidate in (name, *aliases):
        found = _NAME_WORD.findall(re.split(r"[,(]", candidate, maxsplit=1)[0])
        if found:
            heads.append(_POSSESSIVE.sub("", found[-1]))
    return list(dict.fromkeys(heads))


def _is_sub_name(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if len(short) >= len(long) or short[-1] != long[-1]:
        return False
    remaining = iter(long)
    return all(token in remaining for token in short)


def speaker_name(name: str) -> tuple[str, ...]:
    """Who a gold or predicted name says the speaker is: the name proper, folded, without titles and initials.

    The part before a comma or parenthesis, then its trailing run of capitalised words
    (lower-case particles allowed inside), less leading quantifiers and determiners:
    "Republican presidential candidate Donald Trump" -> ("donald", "trump"); "David Kamin,
    outside adviser" -> ("david", "kamin"); "Many Democrats" -> ("democrats",).
    """
    found = _NAME_WORD.findall(re.split(r"[,(]", name, maxsplit=1)[0])
    run: list[str] = []
    for word in reversed(found):
        if word[0].isupper() or word[0].isdigit() or (run and word in NAME_PARTICLES):
            run.append(word)
        else:
            break
    run = list(reversed(run)) or found
    while len(run) > 1 and (run[0].casefold() in OTHER_PRONOUNS or run[0].casefold() in DEFINITE_DETERMINERS):
        run.pop(0)
    tokens = list(bare_name(tuple(token for token in (_fold(word) for word in run) if token)) or (_fold(name),))
    while len(tokens) > 2 and tokens[0] in EPITHETS:
        tokens.pop(0)
    return tuple(tokens)


# How many more gold claims the commonest bearer of a bare name needs than the next, for the bare
# name to be taken for it across articles ("Trump": Donald Trump, not Ivanka Trump).
DOMINANCE = 3


def gold_speakers(articles: Iterable[tuple[str, Sequence[str]]]) -> dict[tuple[str, str], tuple[str, ...]]:
    """One identity per gold speaker across a batch: (article id, gold name) -> the speaker's name tokens.

    ``articles`` gives each article's gold claimant names, one per claim. A gold name is its
    name proper (``speaker_name``). In an article, a shorter name joins the one longer gold
    name that ends in the same word and holds its words in order ("Trump" with "Donald
    Trump"). Across the batch, a name that is the longest in its article joins the longest
    name of the batch that contains it so: the only one, or the one with at least
    ``DOMINANCE`` times the gold claims of any other (the gold has no identities across
    articles; a reader takes a bare "Trump" in 2016 news for Donald Trump). Otherwise it stays
    a speaker of its own (``ambiguous_speakers`` lists those). Written apart from
    ``extractor.claimants.keys``: the yardstick must not move with the thing it measures.
    """
    per_article: dict[str, dict[str, tuple[str, ...]]] = {}
    claims: Counter[tuple[str, ...]] = Counter()
    for article_id, names in articles:
        forms = {name: speaker_name(name) for name in names}
        distinct = set(forms.values())
        longest = [f for f in distinct if not any(_is_sub_name(f, other) for other in distinct)]
        canonical = {}
        for name, form in forms.items():
            containers = [full for full in longest if _is_sub_name(form, full)]
            canonical[name] = containers[0] if len(containers) == 1 else form
        claims.update(canonical[name] for name in names)
        per_article[article_id] = canonical
    batch_forms = set(claims)
    batch_longest = [f for f in batch_forms if not any(_is_sub_name(f, other) for other in batch_forms)]
    speakers = {}
    for article_id, canonical in per_article.items():
        for name, form in canonical.items():
            containers = sorted((full for full in batch_longest if _is_sub_name(form, full)), key=lambda f: -claims[f])
            dominant = len(containers) == 1 or (
                len(containers) > 1 and claims[containers[0]] >= DOMINANCE * claims[containers[1]]
            )
            speakers[(article_id, name)] = containers[0] if dominant else form
    return speakers


def ambiguous_speaker(speaker: tuple[str, ...], speakers: Iterable[tuple[str, ...]]) -> bool:
    """Whether a gold speaker is a shorter form of two or more others (a bare "Clinton" beside two Clintons)."""
    return sum(_is_sub_name(speaker, other) for other in set(speakers)) > 1
