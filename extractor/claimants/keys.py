"""One key per speaker: ``Claimant.key``, the same for every claim of one speaker across a batch.

Two steps, both pure functions of what they are given (no model, no text beyond the
claimant strings), so a re-run or a resumed batch gives the same keys:

1. **In an article** (``article_keys``, run by the pipeline on every result): each
   name is normalised to its *name tokens* (``name_tokens``: the name's trailing
   run of capitalised words, casefolded, diacritics removed; honorifics such as
   "Mr." or "President", epithets such as "Crooked" and middle initials dropped),
   so "Donald Trump", "Donald J. Trump" and "Mr. Trump"'s "Trump" share tokens.
   A name whose tokens are a *sub-name* of another's (its tokens appear in order
   in the longer name and both end in the same word: "Trump" in "Donald Trump")
   joins that name when exactly one fullest name of the article contains it;
   contained in two ("Clinton" beside "Hillary Clinton" and "Bill Clinton") it
   stays apart, with a key of its own.
2. **Across a batch** (``BatchKeys``, applied when a batch's output is finished and
   whenever ``extractor claimants``/``table`` read an output): an article's name
   that was not ambiguous there joins a longer name of the batch when the batch
   says which: where other articles resolved that very name ("Trump" beside
   "Donald Trump"), it joins what they resolved it to, if they all agree; where
   none did, it joins the one fullest name of the batch that contains it, if
   there is exactly one. Otherwise it keeps its own key.

A named speaker's key is its canonical tokens joined by ``-`` ("donald-trump").
A description (``named: false``) never merges with a name, nor across articles:
its key is ``desc:`` + its words + ``:`` + 8 hex digits tied to the article's text
(``article_identity``: the sha256 of its text sha256, or of its id where a line has no
sha256): "desc:senior-official:1a2b3c4d", the same for every claim of that article with
the same description.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from extractor.records import ArticleResult, Claim, Claimant

DESCRIPTION_PREFIX = "desc:"
Tokens = tuple[str, ...]

# fmt: off
# Honorifics and titles written before a name: dropped while one word of the name is left.
HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "rev", "reverend", "prof",
    "professor", "president", "sen", "senator", "rep", "representative", "gov", "governor", "mayor", "judge",
    "justice", "gen", "general", "col", "colonel", "capt", "captain", "lt", "sgt", "adm", "admiral",
    "pope", "king", "queen", "prince", "princess", "chancellor", "premier", "minister", "secretary",
    "ambassador", "speaker", "chairman", "chairwoman", "chair", "sheikh", "ayatollah", "rabbi", "father",
    "sister", "brother", "saint", "st", "the",
})
# Epithets and title words that may also begin a name ("State Department", "Vice Media"): dropped
# only while two words of the name are left.
EPITHETS = frozenset({
    "rival", "crooked", "former", "ex", "candidate", "nominee", "incumbent", "vice", "deputy", "acting",
    "attorney", "prime", "foreign", "state", "defense", "defence", "interior", "democratic", "republican",
    "democrat", "gop", "presidential", "lyin", "lying", "little", "crazy", "sleepy",
})
# Lower-case particles inside a name ("Charles de Gaulle", "Ludwig van Beethoven").
PARTICLES = frozenset({
    "de", "da", "del", "della", "der", "den", "di", "du", "dos", "das", "do", "van", "von", "bin", "ibn",
    "al", "el", "la", "le", "ter", "ten", "y", "e", "zu", "mac",
})
# Words a description's key leaves out: "the campaign" and "campaign" are one description.
_DESCRIPTION_STOP = frozenset({"the", "a", "an"})
# fmt: on

# A word of a name: letters and digits, hyphenated or apostrophised parts kept ("Ki-moon", "O'Brien").
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s?$")
_CONNECTORS = frozenset({"of", "and", "for"})
_CONJOINED = re.compile(r"\s+and\s+")
_OF = re.compile(r"\sof\s")


def _fold(word: str) -> str:
    """Casefolded, diacritics removed ("Žižek" -> "zizek"), typographic apostrophe made straight."""
    decomposed = unicodedata.normalize("NFKD", word.replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _name_words(name: str) -> list[str]:
    """The words that make the name proper: the trailing run of capitalised words.

    Lower-case particles ("de", "van") and connectors ("of", "and", "for") between two
    capitalised words stay in the run: "Kremlin spokesman Dmitry Peskov" -> Dmitry Peskov;
    "the Department of Health and Human Services" -> Department of Health and Human Services.
    A name with no capitalised word at its end keeps all its words.
    """
    found = _WORD.findall(name.split(",", 1)[0].split("(", 1)[0])
    run: list[str] = []
    for index in range(len(found) - 1, -1, -1):
        word = found[index]
        before = found[index - 1] if index else ""
        inside = bool(run) and before[:1].isupper()
        if word[0].isupper() or word[0].isdigit() or (inside and (word in PARTICLES or word in _CONNECTORS)):
            run.append(word)
        else:
            break
    return list(reversed(run)) if run else found


def _one_name_tokens(name: str) -> list[str]:
    tokens = [_POSSESSIVE.sub("", _fold(word)) for word in _name_words(name)]
    tokens = [token for token in tokens if token]
    while len(tokens) > 3 and tokens[1] == "of" and tokens[0] in HONORIFICS | EPITHETS:
        del tokens[:3]  # "Secretary of State John Kerry" -> john kerry
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens.pop(0)
    while len(tokens) > 2 and tokens[0] in EPITHETS:
        tokens.pop(0)
    if len(tokens) > 2:  # middle initials: "donald j trump" -> "donald trump"
        tokens = [tokens[0], *(token for token in tokens[1:-1] if len(token) > 1), tokens[-1]]
    return tokens or [_fold(name).strip() or "?"]


def name_tokens(name: str) -> Tokens:
    """Comparable tokens of a speaker's name: "Mr. Donald J. Trump's" -> ("donald", "trump").

    Conjoined speakers ("Donald Trump and Hillary Clinton") are one group: each name's
    tokens, in alphabetical order, joined by a ``+`` token; a group never merges with one
    of its members. A name with " of " in it ("Department of Health and Human Services")
    is never split.
    """
    parts = _CONJOINED.split(name)
    if len(parts) > 1 and _OF.search(name) is None and all(_WORD.search(part) for part in parts):
        members = sorted({tuple(_one_name_tokens(part)) for part in parts})
        if len(members) > 1:
            joined: list[str] = []
            for member in members:
                joined += [*(["+"] if joined else []), *member]
            return tuple(joined)
        return members[0]
    return tuple(_one_name_tokens(name))


def description_tokens(description: str) -> Tokens:
    """Comparable tokens of a description: its words, casefolded, articles left out."""
    tokens = tuple(_fold(word) for word in _WORD.findall(description))
    return tuple(token for token in tokens if token not in _DESCRIPTION_STOP) or tokens or ("?",)


def is_sub_name(short: Tokens, long: Tokens) -> bool:
    """True when ``short`` is a shorter form of ``long``: its tokens in order in ``long``, the same last word.

    A group of conjoined speakers is no longer form of any of its members.
    """
    if len(short) >= len(long) or short[-1] != long[-1] or ("+" in long) != ("+" in short):
        return False
    remaining = iter(long)
    return all(token in remaining for token in short)


def name_key(tokens: Tokens) -> str:
    """"donald-trump"; a group: "donald-trump+hillary-clinton"."""
    return "-".join(tokens).replace("-+-", "+")


def description_key(article: str, description: str) -> str:
    """A description's key in one article; ``article`` is the article's text sha256 (``article_identity``)."""
    article_tag = hashlib.sha256(article.encode("utf-8")).hexdigest()[:8]
    return f"{DESCRIPTION_PREFIX}{'-'.join(description_tokens(description))}:{article_tag}"


@dataclass(frozen=True)
class ArticleNames:
    """How an article's names group: each name's tokens -> its canonical tokens in the article.

    ``ambiguous`` holds the names that two or more fullest names contain ("Clinton" beside
    "Hillary Clinton" and "Bill Clinton"): they keep their own key, in the batch too.
    """

    canonical: dict[Tokens, Tokens]
    ambiguous: frozenset[Tokens]

    @classmethod
    def of(cls, names: Iterable[str]) -> ArticleNames:
        distinct = sorted({name_tokens(name) for name in names})
        fullest = [tokens for tokens in distinct if not any(is_sub_name(tokens, other) for other in distinct)]
        canonical: dict[Tokens, Tokens] = {}
        ambiguous: set[Tokens] = set()
        for tokens in distinct:
            containers = [full for full in fullest if is_sub_name(tokens, full)]
            if len(containers) == 1:
                canonical[tokens] = containers[0]
            else:
                canonical[tokens] = tokens
                if containers:
                    ambiguous.add(tokens)
        return cls(canonical, frozenset(ambiguous))


def _named(claims: Sequence[Claim]) -> list[str]:
    return [claim.claimant.name for claim in claims if claim.claimant.named]


def _with_keys(claims: Sequence[Claim], key_of: dict[tuple[bool, str], str]) -> list[Claim]:
    """``claims`` with each claimant's key set (a claim already so keyed is kept as it is)."""
    keyed = []
    for claim in claims:
        key = key_of[(claim.claimant.named, claim.claimant.name)]
        if claim.claimant.key != key:
            claim = claim.model_copy(update={"claimant": claim.claimant.model_copy(update={"key": key})})
        keyed.append(claim)
    return keyed


def article_identity(text_sha256: str | None, article_id: str) -> str:
    """What a description's key is tied to: the article's text (its sha256), else its id.

    By text, so one article read as a file or passed as a string, under another id,
    gets the same keys.
    """
    return text_sha256 or f"id:{article_id}"


def article_keys(article: str, claims: Sequence[Claim]) -> list[Claim]:
    """The claims of one article with their keys as the article alone decides them (step 1).

    ``article`` ties description keys to the article (``article_identity``).
    """
    names = ArticleNames.of(_named(claims))
    key_of = {}
    for claim in claims:
        claimant = claim.claimant
        if claimant.named:
            key_of[(True, claimant.name)] = name_key(names.canonical[name_tokens(claimant.name)])
        else:
            key_of[(False, claimant.name)] = description_key(article, claimant.name)
    return _with_keys(claims, key_of)


@dataclass
class BatchKeys:
    """The batch step: feed every article's claimants (``add``), then ask each claimant's ``key``.

    Order-independent: the keys depend only on the set of articles added (an article
    added twice under one id counts once, the last one), so a resumed batch, whose lines
    arrive in another order, gets the same keys.
    """

    _articles: dict[str, ArticleNames] = field(default_factory=dict)
    _resolved: dict[Tokens, Tokens] | None = None

    def add(self, article_id: str, claims: Sequence[Claim]) -> None:
        self._articles[article_id] = ArticleNames.of(_named(claims))
        self._resolved = None

    def add_names(self, article_id: str, names: Iterable[str]) -> None:
        """As ``add``, from the names of the article's named claimants (``named: true``)."""
        self._articles[article_id] = ArticleNames.of(names)
        self._resolved = None

    def _batch_canonical(self) -> dict[Tokens, Tokens]:
        """For every article-level canonical name that may join a longer one: the batch's fullest form."""
        evidence: dict[Tokens, set[Tokens]] = defaultdict(set)  # a name -> what articles resolved it to
        pinned: set[Tokens] = set()  # names some article found ambiguous
        canonicals: set[Tokens] = set()
        for names in self._articles.values():
            pinned |= names.ambiguous
            for tokens, canonical in names.canonical.items():
                canonicals.add(canonical)
                if canonical != tokens:
                    evidence[tokens].add(canonical)
        fullest = sorted(c for c in canonicals if not any(is_sub_name(c, other) for other in canonicals))
        step: dict[Tokens, Tokens] = {}
        for tokens in sorted(canonicals):
            if tokens in pinned:
                continue
            targets = evidence.get(tokens)
            if targets:
                if len(targets) == 1:
                    step[tokens] = next(iter(targets))
                continue
            containers = [full for full in fullest if is_sub_name(tokens, full)]
            if len(containers) == 1:
                step[tokens] = containers[0]
        resolved: dict[Tokens, Tokens] = {}
        for tokens in step:
            target = tokens
            while target in step:  # each step goes to a strictly longer name: no cycle
                target = step[target]
            resolved[tokens] = target
        return resolved

    def key(self, article_id: str, claimant: Claimant, article: str | None = None) -> str:
        """A claimant's batch key; ``article`` (``article_identity``) for a description, else the id stands in."""
        if not claimant.named:
            return description_key(article or article_identity(None, article_id), claimant.name)
        if self._resolved is None:
            self._resolved = self._batch_canonical()
        tokens = name_tokens(claimant.name)
        names = self._articles.get(article_id)
        canonical = names.canonical.get(tokens, tokens) if names is not None else tokens
        if names is not None and tokens in names.ambiguous:
            return name_key(canonical)
        return name_key(self._resolved.get(canonical, canonical))

    def apply(self, result: ArticleResult) -> ArticleResult:
        """``result`` with every claimant keyed for the batch (unchanged when its keys already are)."""
        if not result.claims:
            return result
        article = article_identity(result.text_sha256, result.id)
        key_of = {(c.claimant.named, c.claimant.name): self.key(result.id, c.claimant, article) for c in result.claims}
        claims = _with_keys(result.claims, key_of)
        if all(new is old for new, old in zip(claims, result.claims, strict=True)):
            return result
        return result.model_copy(update={"claims": claims})


def assign_keys(results: Iterable[ArticleResult]) -> list[ArticleResult]:
    """The results with one key per speaker across them all (the batch step), in the order given.

    ``Extractor.extract_many`` yields each article's result as soon as it is done, with the
    keys its article alone decides; this gives the keys ``extractor extract`` writes.
    """
    results = list(results)
    batch = BatchKeys()
    for result in results:
        if result.status == "ok":
            batch.add(result.id, result.claims)
    return [batch.apply(result) if result.status == "ok" else result for result in results]


def _named_names(line: dict[str, object]) -> list[str] | None:
    """The names of an ok output line's named claimants, or None for any other line."""
    claims = line.get("claims")
    if line.get("status") != "ok" or not isinstance(claims, list):
        return None
    names = []
    for claim in claims:
        claimant = claim.get("claimant") if isinstance(claim, dict) else None
        if isinstance(claimant, dict) and claimant.get("named", True) and isinstance(claimant.get("name"), str):
            names.append(claimant["name"])
    return names


def _parse(raw: bytes) -> dict[str, object] | None:
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return line if isinstance(line, dict) and isinstance(line.get("id"), str) else None


def batch_keys_of_file(path: Path) -> BatchKeys:
    """The batch step fed with every ok line of an output file (torn and foreign lines are passed over)."""
    batch = BatchKeys()
    with open(path, "rb") as handle:
        for raw in handle:
            line = _parse(raw)
            names = _named_names(line) if line is not None else None
            if line is not None and names is not None:
                batch.add_names(str(line["id"]), names)
    return batch


def rekey_file(path: Path, scratch: Path) -> bool:
    """Give every claimant of the output file ``path`` its batch key; True when the file changed.

    Lines whose keys are already right are copied byte for byte; the others are written
    again. The new content goes to ``scratch`` (fsynced), which then replaces ``path``
    atomically, so a reader sees the old file or the new one, never a mix.
    """
    batch = batch_keys_of_file(path)
    changed = False
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb", closefd=True) as out, open(path, "rb") as handle:
            for raw in handle:
                line = _parse(raw) if raw.endswith(b"\n") else None
                if line is not None and _named_names(line) is not None and line.get("claims"):
                    try:
                        result = ArticleResult.model_validate(line)
                    except ValueError:  # not a line this version can read: kept as it is
                        out.write(raw)
                        continue
                    keyed = batch.apply(result)
                    if keyed is not result:
                        changed = True
                        out.write((keyed.model_dump_json() + "\n").encode("utf-8"))
                        continue
                out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        if changed:
            os.replace(scratch, path)
        else:
            os.unlink(scratch)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        raise
    return changed
