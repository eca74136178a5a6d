"""Claimants: a name where the article names the speaker, an explicit description (named: false) where it does not.

Role and organisation come from titles and appositions ("Russian Foreign Ministry
Spokeswoman Maria Zakharova"), never from a nationality adjective alone; a place
NER ran into a name stays out of it; "the ministry", "his lawyer", "her campaign"
are resolved through the names written before them.
"""

from __future__ import annotations

import pytest

from extractor.nlp import load_nlp
from extractor.records import Article, Claimant
from extractor.strategies.baseline import BaselineStrategy


@pytest.fixture(scope="module")
def strategy() -> BaselineStrategy:
    load_nlp()
    return BaselineStrategy()


def _claimants(strategy: BaselineStrategy, text: str) -> list[tuple[str, bool, str | None, str | None]]:
    claims = strategy.extract(Article(id="t", text=text, source="t"), None).claims
    return [(c.claimant.name, c.claimant.named, c.claimant.role, c.claimant.organization) for c in claims]


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        (
            "Russian deputy foreign minister Sergey Ryabkov said that the risk had grown.",
            ("Sergey Ryabkov", True, "deputy foreign minister", "Russian Foreign Ministry"),
        ),
        (
            "Publications about contacts are rumors, Russian Foreign Ministry Spokeswoman Maria Zakharova said.",
            ("Maria Zakharova", True, "Spokeswoman", "Russian Foreign Ministry"),
        ),
        (
            "Russia has not conducted contacts with the United States. This was announced on April 10 by the "
            "Deputy Minister of Foreign Affairs of the Russian Federation Sergei Ryabkov.",
            ("Sergei Ryabkov", True, "Deputy Minister of Foreign Affairs", "Russian Foreign Ministry"),
        ),
        (
            "Russian President Vladimir Putin said that the talks had stalled.",
            ("Vladimir Putin", True, "President", "Russia"),
        ),
        (
            "US State Department spokesman Ned Price said that talks were inevitable.",
            ("Ned Price", True, "spokesman", "US State Department"),
        ),
        (
            "The delegation headed by the military attaché in Kiev Brittany Stewart paid a visit to Donbass. "
            "Stewart noted that the States are deeply concerned.",
            ("Brittany Stewart", True, None, None),
        ),
        ("Officials said that the bridge was closed.", ("Officials", False, None, None)),
        (
            "A senior administration official said that the bridge was closed.",
            ("A senior administration official", False, None, None),
        ),
        (
            "The Russian Foreign Ministry published a statement on Monday. "
            "The ministry said that the talks had failed.",
            ("Russian Foreign Ministry", True, None, None),
        ),
        (
            "Hillary Clinton spoke in Ohio. Her campaign said that she would win.",
            ("Hillary Clinton's campaign", False, None, None),
        ),
        (
            "The Sanders campaign on Monday said that it had raised $5 million.",
            ("The Sanders campaign", False, None, None),
        ),
    ],
)
def test_claimant(strategy: BaselineStrategy, text: str, claimant: tuple[str, bool, str | None, str | None]) -> None:
    assert _claimants(strategy, text)[-1] == claimant


def test_a_description_names_its_owner_and_a_pronoun_the_person(strategy: BaselineStrategy) -> None:
    text = "Bryan Pagliano declined to testify. His lawyer said that he would invoke the Fifth Amendment."
    claims = strategy.extract(Article(id="t", text=text, source="t"), None).claims
    lawyer = claims[-1]
    assert (lawyer.claimant.name, lawyer.claimant.named) == ("Bryan Pagliano's lawyer", False)
    assert lawyer.claim == "Bryan Pagliano would invoke the Fifth Amendment."


def test_named_defaults_to_true_so_earlier_claim_record_2_lines_still_read() -> None:
    assert Claimant(name="Dmitry Peskov").named is True
    assert Claimant.model_validate({"name": "officials", "named": False}).named is False
