"""The no-LLM baseline strategy: candidates become grounded claim records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractor.nlp import load_nlp
from extractor.records import Article, AttributionKind, Stance
from extractor.strategies.baseline import BaselineStrategy
from extractor.strategies.claims import claim_sentence, positive_form


@pytest.fixture(scope="module")
def strategy() -> BaselineStrategy:
    load_nlp()  # once per process; every test below reuses it
    return BaselineStrategy()


def make_article(text: str, published: dt.date | None = None, body_start: int = 0) -> Article:
    return Article(id="t", text=text, source="test", body_start=body_start, published=published)


def test_is_a_strategy_without_a_model(strategy: BaselineStrategy) -> None:
    assert strategy.name == "baseline"
    assert strategy.uses_llm is False


def test_negated_report_becomes_a_grounded_denial(strategy: BaselineStrategy) -> None:
    article = make_article("Peskov said there was no contact between Russia and the US.")
    (claim,) = strategy.extract(article, None).claims
    assert claim.claimant.name == "Peskov"
    assert claim.stance is Stance.DENIES
    assert claim.claim == "There was contact between Russia and the US."
    assert claim.evidence.quote == "there was no contact between Russia and the US"
    assert claim.evidence.grounded_in(article.text)
    assert claim.attribution is AttributionKind.REPORTED
    assert claim.cue == "said"


def test_quotation_is_a_direct_quote_dated_from_publication(strategy: BaselineStrategy) -> None:
    article = make_article(
        "\u201cRussia does not maintain contacts on Ukraine,\u201d Deputy Foreign Minister "
        "Andrey Rudenko said on Wednesday.",
        published=dt.date(2024, 2, 16),
    )
    (claim,) = strategy.extract(article, None).claims
    assert claim.attribution is AttributionKind.DIRECT_QUOTE
    assert claim.claimant.name == "Andrey Rudenko"
    assert claim.stance is Stance.DENIES
    assert claim.claim == "Russia does maintain contacts on Ukraine."
    assert claim.said_on == dt.date(2024, 2, 14)
    assert claim.evidence.grounded_in(article.text)


def test_denial_cue_keeps_the_content_positive(strategy: BaselineStrategy) -> None:
    article = make_article("Zakharova denied that Guterres had tried to contact Putin.")
    (claim,) = strategy.extract(article, None).claims
    assert claim.stance is Stance.DENIES
    assert claim.claim == "Guterres had tried to contact Putin."


def test_object_content_is_reported_with_its_claimant(strategy: BaselineStrategy) -> None:
    article = make_article("Biden has accused Putin of genocide.")
    (claim,) = strategy.extract(article, None).claims
    assert claim.claim == "Biden accused Putin of genocide."
    assert claim.evidence.quote == "Putin of genocide"


def test_unresolved_pronoun_yields_no_claim(strategy: BaselineStrategy) -> None:
    assert strategy.extract(make_article("He said the talks had failed."), None).claims == []


def test_nothing_from_header_matter(strategy: BaselineStrategy) -> None:
    text = "Putin says war is over\n\nPeskov said the talks had stalled."
    claims = strategy.extract(make_article(text, body_start=text.index("Peskov")), None).claims
    assert [c.claimant.name for c in claims] == ["Peskov"]


@pytest.mark.parametrize(
    ("sentence", "positive"),
    [
        ("there was no contact", "there was contact"),
        ("Russia does not maintain contacts", "Russia does maintain contacts"),
        ("he hasn\u2019t tried", "he has tried"),
        ("no one has made such overtures", "someone has made such overtures"),
        ("Moscow cannot accept it", "Moscow can accept it"),
        ("it will not stop and cannot stop", None),  # two negations: not safe
        ("the talks went well", None),
    ],
)
def test_positive_form(sentence: str, positive: str | None) -> None:
    assert positive_form(sentence) == positive


def test_claim_sentence_shapes_the_content() -> None:
    assert claim_sentence("that the risk had grown") == "The risk had grown."
    assert claim_sentence("\u201cWe are ready,\u201d") == "We are ready."
    assert claim_sentence("Is it over?") == "Is it over?"
    assert len(claim_sentence("word " * 400)) <= 1000


def test_sample_articles_claims_are_grounded_in_the_body(strategy: BaselineStrategy, articles_dir: Path) -> None:
    total = 0
    for path in sorted(articles_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        body_start = text.index("\n") + 1
        article = make_article(text, body_start=body_start)
        for claim in strategy.extract(article, None).claims:
            total += 1
            assert claim.evidence.grounded_in(text)
            assert claim.evidence.start >= body_start
            assert claim.claimant.name.casefold() not in {"he", "she", "they", "it", "i", "we"}
    assert total >= 20
