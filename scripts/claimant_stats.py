"""Claimant and claim-text quality of a predictions file, without gold: the figures issue #19 tracks.

    python scripts/claimant_stats.py OUT.jsonl [--list] [--json]

Counted over every claim of every ``ok`` article (the article text is the
record's ``text`` or, for plain files, the file at ``source``):

* **fragment rate**: the share of ``named`` claimants that are a bare surname (a
  title such as "Mr." aside) where the article writes a fuller name ending in it
  (a PERSON entity of two or more capitalised words, titles and epithets aside,
  from spaCy's NER on the raw text: a check beside the resolver, not through it);
* **distinct claimant strings** (named and described);
* **suspect named claimants**: ``named: true`` claimants whose form is not a
  name's: a lowercase word other than a name's connectors, a title or epithet
  word first ("Rival", "Crooked", "Sen."), a nationality adjective, a dateline
  in capitals, or a string the article never writes;
* **contraction remnants**: claim texts with ``ca``/``wo``/``sha`` left as a word
  (``can't`` -> ``ca``), and claims still holding "never"/"not" beside ``denies``.

The checks are forms, not judgements: ``--list`` prints every flagged claimant
and every distinct named claimant for checking by hand (docs/claimants.md).
Exit codes: 0 done, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# Words a name may hold in lowercase ("Bank of America", "Ludwig van Beethoven").
_CONNECTORS = frozenset(["of", "the", "and", "for", "de", "van", "von", "der", "al", "bin", "da", "la", "le", "&"])
# Titles and epithets that are not part of a name when they open a claimant.
_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "sen",
        "rep",
        "gov",
        "gen",
        "president",
        "senator",
        "governor",
        "secretary",
        "minister",
        "deputy",
        "prime",
        "candidate",
        "nominee",
        "rival",
        "crooked",
        "former",
        "democrat",
        "democratic",
        "republican",
        "gop",
        "chairman",
        "spokesman",
        "spokeswoman",
        "vice",
        "mayor",
        "pres",
        "rev",
        "sens",
        "reps",
        "speaker",
        "ambassador",
        "judge",
        "justice",
        "lt",
        "col",
        "sgt",
        "adm",
    ]
)
_NATIONALITIES = frozenset(
    [
        "american",
        "russian",
        "ukrainian",
        "british",
        "chinese",
        "french",
        "german",
        "israeli",
        "iranian",
        "turkish",
        "japanese",
        "indian",
        "syrian",
        "iraqi",
        "polish",
        "italian",
        "spanish",
        "canadian",
        "mexican",
        "saudi",
        "european",
        "african",
        "asian",
        "democratic",
        "republican",
        "liberal",
        "conservative",
    ]
)
_REMNANT = re.compile(r"\b(?:ca|wo|sha)\b(?!['’])", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:never|not|n['’]t)\b", re.IGNORECASE)


def _article_text(record: dict[str, Any], base: Path) -> str:
    if record.get("text"):
        return str(record["text"])
    path = Path(str(record.get("source", "")))
    if not path.is_absolute():
        path = base / path
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError:
        return ""


def _words(name: str) -> list[str]:
    return name.replace("’", "'").split()


def _strip_titles(name: str) -> list[str]:
    words = _words(name)
    while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    return words


class FullNames:
    """The multi-word person names spaCy's NER finds in each article (titles and epithets set aside)."""

    def __init__(self) -> None:
        from extractor.nlp import load_nlp

        self.nlp = load_nlp()
        self.by_text: dict[str, list[list[str]]] = {}

    def names(self, text: str) -> list[list[str]]:
        if text not in self.by_text:
            doc = self.nlp(text)
            found = []
            for ent in doc.ents:
                if ent.label_ != "PERSON":
                    continue
                words = _strip_titles(re.sub(r"(?:'s|’s)$", "", ent.text.strip()))
                if len(words) >= 2 and all(w[:1].isupper() for w in words):
                    found.append(words)
            self.by_text[text] = found
        return self.by_text[text]

    def fuller_name(self, name: str, text: str) -> str | None:
        """A fuller person name the article writes ending in ``name``, when ``name`` is a bare surname."""
        words = _strip_titles(name)
        if len(words) != 1 or not words[0][:1].isupper():
            return None
        for full in self.names(text):
            if full[-1] == words[0]:
                return " ".join(full)
        return None


def suspect(name: str, text: str) -> str | None:
    """Why a ``named`` claimant's form is not a name's, or None."""
    words = _words(name)
    if not words:
        return "empty"
    lowered = [w for w in words if not w[:1].isupper() and w.lower() not in _CONNECTORS and not w[:1].isdigit()]
    if lowered:
        return f"lowercase word {lowered[0]!r}"
    if words[0].lower().rstrip(".") in _TITLES and len(words) > 1:
        return f"title or epithet {words[0]!r}"
    if len(words) == 1 and words[0].lower() in _NATIONALITIES:
        return "nationality or party adjective"
    if name.isupper() and len(name) > 4 and " " not in name:
        return "word in capitals (dateline?)"
    if name not in text and name.replace("'", "’") not in text and not name.endswith("government"):
        return "not written in the article"
    return None


def measure(path: Path) -> dict[str, Any]:
    """The counts for one predictions file."""
    base = Path.cwd()
    full_names = FullNames()
    named = fragments = claims = remnants = negated_denials = 0
    distinct: Counter[str] = Counter()
    named_strings: Counter[str] = Counter()
    flagged: Counter[tuple[str, str]] = Counter()
    fragment_list: Counter[tuple[str, str]] = Counter()
    remnant_list: list[str] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("status") != "ok":
                continue
            text = _article_text(record, base)
            for claim in record.get("claims", []):
                claims += 1
                claimant = claim["claimant"]
                name = claimant["name"]
                distinct[name] += 1
                if _REMNANT.search(claim["claim"]):
                    remnants += 1
                    remnant_list.append(claim["claim"])
                if claim["stance"] == "denies" and re.search(r"\bnever\b", claim["claim"], re.IGNORECASE):
                    negated_denials += 1
                if not claimant.get("named", True):
                    continue
                named += 1
                named_strings[name] += 1
                fuller = full_names.fuller_name(name, text)
                if fuller is not None:
                    fragments += 1
                    fragment_list[(name, fuller)] += 1
                reason = suspect(name, text)
                if reason is not None:
                    flagged[(name, reason)] += 1
    return {
        "claims": claims,
        "named_claims": named,
        "fragments": fragments,
        "fragment_rate": round(fragments / named, 4) if named else 0.0,
        "distinct_claimants": len(distinct),
        "distinct_named_claimants": len(named_strings),
        "suspect_named_claims": sum(flagged.values()),
        "suspect_named_strings": len(flagged),
        "contraction_remnants": remnants,
        "denials_keeping_never": negated_denials,
        "_fragment_list": fragment_list,
        "_flagged": flagged,
        "_named": named_strings,
        "_remnants": remnant_list,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("predictions", type=Path)
    parser.add_argument("--list", action="store_true", help="print flagged and distinct named claimants")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = parser.parse_args(argv)
    try:
        stats = measure(args.predictions)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"claimant_stats: cannot read {args.predictions}: {error}", file=sys.stderr)
        return 2
    counts = {k: v for k, v in stats.items() if not k.startswith("_")}
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        for key, value in counts.items():
            print(f"{key:28} {value}")
    if args.list:
        print("\n# fragments (claimant -> fuller name in the article), claims")
        for (name, fuller), n in stats["_fragment_list"].most_common():
            print(f"{n:4}  {name!r} -> {fuller!r}")
        print("\n# suspect named claimants, claims")
        for (name, reason), n in stats["_flagged"].most_common():
            print(f"{n:4}  {name!r}: {reason}")
        print("\n# contraction remnants")
        for claim in stats["_remnants"]:
            print(f"      {claim}")
        print("\n# distinct named claimants, claims")
        for name, n in stats["_named"].most_common():
            print(f"{n:4}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
