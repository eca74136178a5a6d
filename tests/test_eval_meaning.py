"""What a claim says: claim-text fidelity, polarity, reporting relations, claimant names, role/organisation.

Hand-made inputs with values worked out by hand (docs/evaluation.md, "What a claim says").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extractor.evaluation.gold import GoldClaim
from extractor.evaluation.language import ParsedArticle, negation_of_main_predicate, read_cue, reporting_relation
from extractor.evaluation.meaning import (
    claim_token_f1,
    descriptor_matches,
    gold_claim_is_written,
    paragraph_at,
    speaker_named_in,
)
from extractor.evaluation.names import is_name
from extractor.evaluation.reports import render_markdown
from tests.test_eval_metrics import evidence, run


@pytest.mark.parametrize(
    ("text", "negation"),
    [
        ("Russia and the US are currently not connected.", "not"),
        ("It isn't possible.", "n't"),
        ("He never said that.", "never"),
        ("He no longer works there.", "no longer"),
        ("There was no contact with Washington.", "no"),
        ("Nobody has tried to contact Putin.", "Nobody"),
        ("Russia has not conducted and plans to maintain contacts with the United States.", "not"),
        # Not the main predicate: a subordinate, infinitival or coordinated clause.
        ("They were sure.", None),
        ("Putin said that Russia will not negotiate.", None),
        ("Russia is negotiating with the United States, although it does not want to.", None),
        ("The FBI decided not to recommend charges.", None),
        ("Russia has conducted and does not plan to maintain contacts.", None),
        ("Russia maintains contacts with the United States.", None),
    ],
)
def test_negation_counts_only_on_the_main_predicate(text: str, negation: str | None) -> None:
    assert negation_of_main_predicate(text) == negation


@pytest.mark.parametrize(
    ("cue", "lemma", "kind"),
    [
        ("said", "say", "proposition"),
        ("has denied", "deny", "proposition"),
        ("pointed out", "point", "proposition"),
        ("according to", "according to", "according"),
        ("accused", "accuse", "predicating"),
        ("called", "call", "predicating"),
        ("called for", "call for", None),
        ("urged", "urge", None),
        ("discussed", "discuss", None),
        ("issued", "issue", None),
    ],
)
def test_cues_are_read_by_the_lemma_of_their_head(cue: str, lemma: str, kind: str | None) -> None:
    reading = read_cue(cue)
    assert (reading.lemma, reading.kind) == (lemma, kind)


RELATIONS = (
    "Dmitry Peskov told reporters. Peskov said that Russia is not negotiating.\n"
    "Foreign ministers discuss grain exports. Biden accused Putin of genocide.\n"
    "Zakharova urged Washington to return to reality. Washington rejected them.\n"
)


@pytest.mark.parametrize(
    ("quote", "cue", "reported"),
    [
        ("that Russia is not negotiating", "said", True),
        ("reporters", "told", False),  # a report without content
        ("grain exports", "discuss", False),  # a topic
        ("Putin of genocide", "accused", True),  # a predicating cue with its predicate
        ("Washington to return to reality", "urged", False),  # a directive
        ("them", "rejected", False),  # nothing said
        # Without cue words (strategies that leave them empty) the sentence is read.
        ("Peskov said that Russia is not negotiating.", None, True),
        ("Dmitry Peskov told reporters.", None, False),
        ("Foreign ministers discuss grain exports.", None, False),
    ],
)
def test_a_reporting_relation_needs_a_proposition_cue_and_a_proposition(
    quote: str, cue: str | None, reported: bool
) -> None:
    parsed = ParsedArticle(RELATIONS)
    start = RELATIONS.index(quote)
    assert reporting_relation(parsed, start, start + len(quote), cue) is reported


@pytest.mark.parametrize(
    ("line", "reported"),
    [
        ("Has not conducted any contacts.", True),  # no subject parsed, but a finite main verb: a clause
        ("Conducted no contacts.", True),
        ("To conduct contacts.", False),
        ("Contacts at many levels.", False),
    ],
)
def test_a_finite_main_verb_without_a_parsed_subject_is_still_a_clause(line: str, reported: bool) -> None:
    text = f"Ryabkov announced.\n{line}\n"
    quote = line.rstrip(".")
    start = text.index(quote)
    assert reporting_relation(ParsedArticle(text), start, start + len(quote), "announced") is reported


@pytest.mark.parametrize(
    ("claimant", "named"),
    [
        ("Kremlin spokesman Dmitry Peskov", True),
        ("Dmitry Peskov, Kremlin spokesman", True),
        ("Ban Ki-moon", True),
        ("the Security Council", True),
        ("NYPD", True),
        ("Kremlin spokesman", False),
        ("campaign", False),
        ("a source", False),
        ("spokeswoman for Hillary Clinton", False),
        ("the Clinton campaign", False),
        ("Several experts", False),
        ("The spokesman", False),
        ("He", False),
    ],
)
def test_a_claimant_is_a_name_when_its_head_word_is(claimant: str, named: bool) -> None:
    assert is_name(claimant) is named


def test_claim_token_f1_is_the_bag_of_words_f1() -> None:
    # 6 and 7 tokens, 5 shared ("russia maintains contacts with the"): 2·5 / 13.
    f1 = claim_token_f1("Russia maintains contacts with the US.", "Russia maintains contacts with the United States.")
    assert f1 == pytest.approx(10 / 13)
    assert claim_token_f1("Them.", "Russia is negotiating.") == 0.0
    assert claim_token_f1("the the the", "the") == pytest.approx(2 * 1 / 4)  # a bag: repeats count once each
    assert claim_token_f1("“Russia is negotiating”", "russia is NEGOTIATING") == 1.0


def test_a_gold_claim_copied_from_its_evidence_is_not_a_written_claim_text() -> None:
    text = "He said that taxes will rise, and later that rents will too."
    copy = GoldClaim(claim="that taxes will rise", evidence=evidence(text, "that taxes will rise"))
    written = GoldClaim(claim="Taxes will rise.", evidence=evidence(text, "that taxes will rise"))
    first, second = evidence(text, "that taxes will rise"), evidence(text, "rents will too")
    covering = {"quote": text[first["start"] : second["end"]], "start": first["start"], "end": second["end"]}
    parts = GoldClaim(
        claim="that taxes will rise rents will too", evidence=covering, evidence_parts=[first, second]
    )
    assert not gold_claim_is_written(copy)
    assert gold_claim_is_written(written)
    assert not gold_claim_is_written(parts)


def test_roles_and_organisations_must_hold_every_gold_word() -> None:
    assert descriptor_matches("Kremlin spokesman", "spokesman")
    assert descriptor_matches("the Russian Foreign Ministry", "Russian Foreign Ministry")
    assert descriptor_matches("U.S. State Department", "US State Department")
    assert not descriptor_matches("Russian", "Russian Foreign Ministry")
    assert not descriptor_matches("the foreign ministry", "Russian Foreign Ministry")
    assert not descriptor_matches(None, "spokesman")


def test_the_speaker_is_named_in_a_paragraph_only_by_a_capitalised_name_word() -> None:
    text = "First line.\nThe ministry said so, Zakharova added.\nLast line."
    paragraph = paragraph_at(text, text.index("said"))
    assert paragraph == "The ministry said so, Zakharova added."
    assert speaker_named_in(paragraph, "Maria Zakharova", [])
    assert not speaker_named_in(paragraph, "Russian Foreign Ministry", [])
    assert speaker_named_in(paragraph, "Russian Foreign Ministry", ["Zakharova"])


ARTICLE = (
    "Kremlin spokesman Dmitry Peskov said that Russia is not negotiating with Kiev.\n"
    "\n"
    "Dmitry Peskov told reporters.\n"
    "\n"
    "Maria Zakharova, the ministry's spokeswoman, denied that there was no contact with Washington.\n"
)
NOT_NEGOTIATING = "that Russia is not negotiating with Kiev"
NO_CONTACT = "that there was no contact with Washington"


def _claim(quote: str, claim: str, stance: str, cue: str, claimant: dict[str, Any]) -> dict[str, Any]:
    return {
        "claimant": claimant,
        "stance": stance,
        "claim": claim,
        "evidence": evidence(ARTICLE, quote),
        "attribution": "reported",
        "cue": cue,
    }


def _article_claims() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    peskov = {"name": "Dmitry Peskov", "role": "spokesman", "organization": "Kremlin", "aliases": ["Peskov"]}
    zakharova = {"name": "Maria Zakharova", "role": "spokeswoman", "organization": "Russian Foreign Ministry"}
    gold = [
        {"claimant": peskov, "stance": "denies", "claim": "Russia is negotiating with Kiev.",
         "evidence": evidence(ARTICLE, NOT_NEGOTIATING)},
        {"claimant": zakharova, "stance": "asserts", "claim": "There was contact with Washington.",
         "evidence": evidence(ARTICLE, NO_CONTACT)},
    ]  # fmt: skip
    predicted = [
        _claim(NOT_NEGOTIATING, "Russia is negotiating with Kiev.", "denies", "said",
               {"name": "Dmitry Peskov", "role": "Kremlin spokesman", "organization": None}),
        _claim("reporters", "Dmitry Peskov told reporters.", "asserts", "told", {"name": "Dmitry Peskov"}),
        _claim(NO_CONTACT, "There was no contact with Washington.", "denies", "denied",
               {"name": "spokeswoman", "role": None, "organization": "the Russian Foreign Ministry"}),
    ]  # fmt: skip
    return gold, predicted


def test_meaning_metrics_of_a_hand_made_article(tmp_path: Path) -> None:
    gold, predicted = _article_claims()
    report = run(tmp_path, {"a": (ARTICLE, gold, predicted)})
    metrics, counts = report.metrics, report.counts
    # Claim texts: 1 (identical) and 2·5/11 ("no" is extra); rapidfuzz ratio 1 and 2·33/69.
    assert metrics["claim_text_f1"] == pytest.approx((1 + 10 / 11) / 2)
    assert metrics["claim_text_similarity"] == pytest.approx((1 + 22 / 23) / 2)
    assert counts["claim_text_pairs"] == 2
    # Two denials; the second still says "no contact".
    assert (counts["denies_claims"], counts["denies_negated"]) == (2, 1)
    assert metrics["polarity_consistency"] == pytest.approx(1 / 2)
    assert [f.claim for f in report.meaning.double_negatives] == ["There was no contact with Washington."]
    # "told reporters" reports nothing.
    assert metrics["reporting_relation_rate"] == pytest.approx(2 / 3)
    assert [f.claim for f in report.meaning.without_reporting_relation] == ["Dmitry Peskov told reporters."]
    # Every paragraph names a person outside the evidence; "spokeswoman" is no name.
    assert (counts["name_available_claims"], counts["unnamed_where_name_available"]) == (3, 1)
    assert metrics["claimant_name_rate"] == pytest.approx(2 / 3)
    assert counts["unnamed_claimants"] == 1
    assert "Maria Zakharova" in report.meaning.unnamed_claimants[0].detail
    # Both gold speakers are named in their paragraphs; one prediction gives no name.
    assert (counts["claimant_name_pairs"], counts["unnamed_where_gold_names_speaker"]) == (2, 1)
    assert metrics["claimant_name_accuracy"] == pytest.approx(1 / 2)
    # Role: "Kremlin spokesman" holds "spokesman", None misses "spokeswoman"; organisation the other way round.
    assert metrics["role_accuracy"] == pytest.approx(1 / 2)
    assert metrics["organization_accuracy"] == pytest.approx(1 / 2)
    assert {(d.field, d.predicted) for d in report.meaning.descriptor_disagreements} == {
        ("role", None),
        ("organization", None),
    }


def test_gold_without_written_claim_texts_reports_fidelity_as_na_not_zero(tmp_path: Path) -> None:
    gold, predicted = _article_claims()
    copied = [{**claim, "claim": claim["evidence"]["quote"], "stance": None} for claim in gold]
    report = run(tmp_path, {"a": (ARTICLE, copied, predicted)})
    assert report.metrics["claim_text_f1"] is None
    assert report.metrics["claim_text_similarity"] is None
    assert report.counts["claim_text_pairs"] == 0
    # Polarity and reporting relations need no gold: still measured.
    assert report.metrics["polarity_consistency"] == pytest.approx(1 / 2)
    assert report.metrics["reporting_relation_rate"] == pytest.approx(2 / 3)
    markdown = render_markdown(report)
    assert "| claim-text token F1 | n/a | 0 |  |" in markdown
    assert "| polarity consistency | 0.500 | 2 | 1 denies still negated |" in markdown
    assert "### Denials whose claim text is still negated (1)" in markdown


def test_no_predictions_leave_the_prediction_side_metrics_unmeasured(tmp_path: Path) -> None:
    gold, _ = _article_claims()
    report = run(tmp_path, {"a": (ARTICLE, gold, [])})
    for name in ("polarity_consistency", "reporting_relation_rate", "claimant_name_rate", "claim_text_f1"):
        assert report.metrics[name] is None, name


def test_the_seed_gate_covers_the_meaning_metrics() -> None:
    from extractor.evaluation.gate import check_gate, load_baseline, load_thresholds
    from extractor.evaluation.meaning import MEANING_METRIC_NAMES

    repo = Path(__file__).resolve().parent.parent
    baseline = load_baseline(repo / "eval" / "seeds-baseline.json")
    thresholds = load_thresholds(repo / "eval" / "seeds-thresholds.toml")
    for name in MEANING_METRIC_NAMES:  # every one is measured on the seeds, so the baseline compares it
        assert baseline.metrics.get(name) is not None, name
    assert {"claim_text_f1", "polarity_consistency", "reporting_relation_rate"} <= set(thresholds)
    # One more double negative among the 18 seed denials fails both the floor and the baseline.
    worse = {**baseline.metrics, "polarity_consistency": 15 / 18}
    outcome = check_gate(worse, thresholds=thresholds, baseline=baseline)
    failed = {(check.kind, check.metric) for check in outcome.checks if not check.passed}
    assert failed == {("threshold", "polarity_consistency"), ("baseline", "polarity_consistency")}
