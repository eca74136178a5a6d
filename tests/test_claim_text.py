"""Claim text from the parse (extractor/nlp/claim_text/): exact claim sentences and stances, rule by rule.

Each row is one rule of docs/annotation.md §5–§6 as the pass applies it: the
denial covers only the negated predicate (coordinated verbs), no double
negative, do-support undone, pronouns and capitals resolved, reported speech
made self-contained, phrase contents restated as propositions, and contents
that carry no proposition give no claim at all.
"""

from __future__ import annotations

import pytest

from extractor.nlp import load_nlp, text_negated
from extractor.nlp.claim_text import finish_sentence
from extractor.records import Article
from extractor.strategies.baseline import BaselineStrategy


@pytest.fixture(scope="module")
def strategy() -> BaselineStrategy:
    load_nlp()
    return BaselineStrategy()


@pytest.mark.parametrize(
    ("text", "stance", "claim"),
    [
        ('Sergei Ryabkov said Russia has not conducted and plans to maintain contacts with the United States.',
         'denies', 'Russia has conducted contacts with the United States.'),
        ("John Smith said he doesn't have a super PAC and is not beholden to big donors.",
         'denies', 'John Smith has a super PAC and is beholden to big donors.'),
        ('Dmitry Peskov said Russia is not negotiating, but it keeps contacts with Kiev.',
         'denies', 'Russia is negotiating.'),
        ('Andrey Rudenko said that Russia does not maintain contacts on Ukraine.',
         'denies', 'Russia maintains contacts on Ukraine.'),
        ('Andrey Rudenko said that Moscow did not go to the talks.',
         'denies', 'Russia went to the talks.'),
        ('Stephane Dujarric said no one has made such overtures.',
         'denies', 'Someone has made such overtures.'),
        ('Dmitry Peskov said Russia no longer trusts Washington.',
         'denies', 'Russia still trusts the United States.'),
        ('Leah Brown said Clinton has never done nothing for them.',
         'asserts', 'Clinton has never done nothing for them.'),
        ('Maria Zakharova denied that there was no contact.',
         'asserts', 'There was contact.'),
        ('Dmitry Peskov said he expected a reply.',
         'asserts', 'Dmitry Peskov expected a reply.'),
        ('Antonio Guterres said his office had proposed talks.',
         'asserts', "Antonio Guterres's office had proposed talks."),
        ('“I think the talks will fail,” Maria Zakharova said.',
         'asserts', 'Maria Zakharova thinks the talks will fail.'),
        ('Joe Biden has accused Vladimir Putin of genocide, calling him a war criminal.',
         'asserts', 'Vladimir Putin is responsible for genocide.'),
        ('Dmitry Peskov told reporters.', None, None),
        ('Maria Zakharova rejected them.', None, None),
        ('Foreign ministers from twelve countries discussed grain exports.', None, None),
        ("Antonio Guterres told reporters that while a ceasefire doesn't seem possible, his office had proposed talks.",
         'asserts', "Antonio Guterres's office had proposed talks."),
        ('Publications about the contacts are rumors, Maria Zakharova said.',
         'denies', 'Publications about the contacts are true.'),
        ('The United States announced its support for Ukraine.',
         'asserts', 'The United States supports Ukraine.'),
        ('The inevitability of talks was announced by Ned Price.',
         'asserts', 'Talks are inevitable.'),
        ('Lloyd Austin issued a statement stating that the United States has allocated $2 billion to Ukraine.',
         'asserts', 'The United States has allocated $2 billion to Ukraine.'),
        ('Moscow accuses the US of fueling the conflict.',
         'asserts', 'The US is fueling the conflict.'),
        ('Guterres denounced the offensive as an absurd war.',
         'asserts', 'The offensive is an absurd war.'),
        ('Kiev insists that it was not planning an offensive.',
         'denies', 'Ukraine was planning an offensive.'),
        ('Sergei Ryabkov said the contacts, which Washington had sought, were not held at that level.',
         'denies', 'The contacts, which the United States had sought, were held at that level.'),
    ],
)
def test_claim_sentence_and_stance(
    strategy: BaselineStrategy, text: str, stance: str | None, claim: str | None
) -> None:
    claims = strategy.extract(Article(id="t", text=text, source="t"), None).claims
    if claim is None:
        assert claims == []
        return
    assert (claims[0].stance.value, claims[0].claim) == (stance, claim)
    # A denial never reads as a double negative.
    if stance == "denies":
        assert not text_negated(claims[0].claim)


def test_a_second_statement_about_another_person_names_them(strategy: BaselineStrategy) -> None:
    text = "Joe Biden said that Vladimir Putin had lied and that he would be judged."
    claims = strategy.extract(Article(id="t", text=text, source="t"), None).claims
    # "he" follows Putin in the content: it is Putin, not the claimant.
    assert [c.claim for c in claims] == ["Vladimir Putin had lied and Vladimir Putin would be judged."]


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("Russia does not maintain contacts.", True),
        ("There was no contact with Washington.", True),
        ("Nothing has changed.", True),
        ("He no longer works there.", True),
        ("Russia maintains contacts.", False),
        ("The FBI decided not to recommend charges.", False),
        ("Not only did Trump win, he won big.", False),
    ],
)
def test_text_negated_reads_the_main_predicate(text: str, negated: bool) -> None:
    assert text_negated(text) is negated


def test_finish_sentence_shapes_a_claim() -> None:
    assert finish_sentence("that the risk had grown") == "That the risk had grown."
    assert finish_sentence("\u201cWe are ready,\u201d") == "We are ready."
    assert finish_sentence("Is it over?") == "Is it over?"
    assert finish_sentence("the talks , he said , failed") == "The talks, he said, failed."
    assert len(finish_sentence("word " * 400)) <= 1000
