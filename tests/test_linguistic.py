"""The linguistic pass on hand-written sentences: cues, sources, contents, coreference, boundaries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractor.nlp import Candidate, find_candidates, load_nlp, quotation_spans
from extractor.records import Article


@pytest.fixture(scope="module", autouse=True)
def _nlp() -> None:
    # Loaded once per process (cached), so every test below parses with the same pipeline.
    load_nlp()


def make_article(text: str, body_start: int = 0, published: dt.date | None = None) -> Article:
    return Article(id="t", text=text, source="test", body_start=body_start, published=published)


def candidates(text: str, body_start: int = 0) -> tuple[Article, list[Candidate]]:
    article = make_article(text, body_start)
    return article, find_candidates(article)


def span_text(article: Article, span: object) -> str:
    return article.text[span.start : span.end]  # type: ignore[attr-defined]


def only(found: list[Candidate]) -> Candidate:
    assert len(found) == 1, found
    return found[0]


def test_reported_speech_with_negated_content() -> None:
    article, found = candidates("Peskov said there was no contact.")
    candidate = only(found)
    assert span_text(article, candidate.content) == "there was no contact"
    assert span_text(article, candidate.source) == "Peskov"
    assert span_text(article, candidate.cue) == "said"
    assert candidate.claimant_name == "Peskov"
    assert candidate.negated and candidate.content_negated
    assert not candidate.direct_quote


def test_that_clause_keeps_that_and_drops_final_period() -> None:
    article, found = candidates("Russian deputy foreign minister Sergey Ryabkov said that the risk had grown.")
    candidate = only(found)
    assert span_text(article, candidate.content) == "that the risk had grown"
    assert candidate.claimant_name == "Sergey Ryabkov"
    assert candidate.claimant_role is not None and "minister" in candidate.claimant_role
    assert not candidate.negated


def test_pronoun_resolves_to_the_person_named_before() -> None:
    text = "Dmitry Peskov spoke to RIA Novosti. He said on Wednesday that talks had stalled."
    article, found = candidates(text)
    candidate = next(c for c in found if span_text(article, c.cue) == "said")
    assert span_text(article, candidate.source) == "He"
    assert candidate.claimant_name == "Dmitry Peskov"
    assert candidate.said_on_text == "on Wednesday"


def test_surname_resolves_to_the_full_name_first_written() -> None:
    text = "Maria Zakharova spoke in Moscow. Zakharova said the report was wrong."
    _, found = candidates(text)
    assert only(found).claimant_name == "Maria Zakharova"


def test_definite_role_description_resolves_to_the_last_speaker() -> None:
    text = "Sergei Ryabkov said the contacts took place. The diplomat stressed that they were over."
    article, found = candidates(text)
    stressed = next(c for c in found if span_text(article, c.cue) == "stressed")
    assert span_text(article, stressed.source) == "The diplomat"
    assert stressed.claimant_name == "Sergei Ryabkov"


def test_according_to() -> None:
    text = "Russia and the US are not in contact, according to Kremlin spokesman Dmitry Peskov."
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == "Russia and the US are not in contact"
    assert span_text(article, candidate.cue) == "according to"
    assert candidate.claimant_name == "Dmitry Peskov"
    assert candidate.negated


def test_post_posed_quotation() -> None:
    text = "\u201cWe have no preconditions,\u201d Rudenko said."
    article, found = candidates(text)
    candidate = only(found)
    # PolNeAR's convention: the quotation with its marks and inner punctuation.
    assert span_text(article, candidate.content) == "\u201cWe have no preconditions,\u201d"
    assert candidate.direct_quote
    assert candidate.negated
    assert candidate.claimant_name == "Rudenko"


def test_quotation_continued_after_the_cue_is_one_content() -> None:
    text = '"The talks are over," Zakharova said. "Nobody will restart them soon."'
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == (
        '"The talks are over," Zakharova said. "Nobody will restart them soon."'
    )


def test_quotation_with_its_own_cue_stays_separate() -> None:
    text = '"The talks are over," Maria Zakharova said. "Nobody will restart them," she added.'
    article, found = candidates(text)
    assert [span_text(article, c.content) for c in found] == [
        '"The talks are over,"',
        '"Nobody will restart them,"',
    ]
    assert {c.claimant_name for c in found} == {"Maria Zakharova"}


def test_quotation_introduced_by_a_colon() -> None:
    text = 'Guterres told reporters: "A ceasefire does not seem possible now."'
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == '"A ceasefire does not seem possible now."'
    assert candidate.direct_quote


def test_denial_cue() -> None:
    text = "Zakharova denied that Guterres had tried to contact Putin."
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == "that Guterres had tried to contact Putin"
    assert candidate.negated and not candidate.content_negated


def test_denial_of_a_negated_content_asserts() -> None:
    _, found = candidates("Lavrov denied that there had been no talks.")
    candidate = only(found)
    assert candidate.content_negated and not candidate.negated


def test_calling_something_disinformation_denies_it() -> None:
    text = "Ryabkov dismissed the reports about new contacts as disinformation."
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == "the reports about new contacts"
    assert candidate.negated


def test_accusation_takes_object_and_complement() -> None:
    article, found = candidates("Biden has accused Putin of genocide.")
    candidate = only(found)
    assert span_text(article, candidate.content) == "Putin of genocide"
    assert candidate.claimant_name == "Biden"


@pytest.mark.parametrize(
    "text",
    [
        "Zakharova urged the UN Secretariat to return to reality.",
        "Macron called for the resumption of the negotiation process.",
        # The nested "declare" goes with the demand: it is no claim by Ukraine.
        "The Kremlin has demanded that Ukraine officially declare itself a neutral country.",
        "Russia attacked the neighboring state in late February.",
        "Zakharova published a post on her Telegram channel.",
        "Ryabkov commented on the publication of the newspaper.",
    ],
)
def test_directives_actions_and_topics_are_not_claims(text: str) -> None:
    assert candidates(text)[1] == []


def test_the_same_verbs_still_report_propositions_through_other_frames() -> None:
    article, found = candidates("Biden called Putin a war criminal.")
    assert only(found).frame == "object" and span_text(article, only(found).content) == "Putin a war criminal"
    article, found = candidates("Zelensky responded that Russia had broken the ceasefire.")
    assert span_text(article, only(found).content) == "that Russia had broken the ceasefire"


def test_cue_coordinated_into_the_first_clause_is_a_claim_of_the_first_subject() -> None:
    text = "Kiev insists that the Russian offensive was unprovoked and has denied that it was planning an attack."
    article, found = candidates(text)
    assert [span_text(article, c.content) for c in found] == [
        "that the Russian offensive was unprovoked",
        "that it was planning an attack",
    ]
    assert [c.claimant_name for c in found] == ["Kiev", "Kiev"]
    assert [c.negated for c in found] == [False, True]


def test_passive_with_by_agent_reports_the_previous_sentence() -> None:
    text = (
        "Russia is not negotiating with the United States. "
        "This was announced on November 8 by Deputy Foreign Minister Andrey Rudenko."
    )
    article, found = candidates(text)
    candidate = only(found)
    assert span_text(article, candidate.content) == "Russia is not negotiating with the United States"
    assert candidate.claimant_name == "Andrey Rudenko"
    assert candidate.negated
    assert candidate.said_on_text == "on November 8"


def test_nested_cue_is_not_a_second_candidate() -> None:
    article, found = candidates("Sanders told the crowd that he expects to win the primary.")
    candidate = only(found)
    assert span_text(article, candidate.cue) == "told"


def test_subject_of_participle_is_the_main_subject() -> None:
    text = "Zakharova spoke for an hour, adding that the West had blocked the talks."
    article, found = candidates(text)
    adding = next(c for c in found if span_text(article, c.cue) == "adding")
    assert adding.claimant_name == "Zakharova"


def test_coordinated_sources_are_named_together() -> None:
    _, found = candidates("Hillary Clinton and Bernie Sanders said the ruling was wrong.")
    assert only(found).claimant_name == "Hillary Clinton and Bernie Sanders"


def test_unresolvable_pronoun_has_no_name() -> None:
    _, found = candidates("He said the talks had failed.")
    candidate = only(found)
    assert candidate.claimant_name is None


def test_nothing_before_body_start() -> None:
    text = "Putin said the war was over.\n\nPeskov said talks had stalled."
    body_start = text.index("Peskov")
    _, found = candidates(text, body_start=body_start)
    candidate = only(found)
    assert candidate.claimant_name == "Peskov"
    assert candidate.sentence.start >= body_start


def test_template_junk_line_is_never_a_candidate() -> None:
    text = (
        " date 2024-02-14 {{dayPoint.date | date : 'd MMMM yyyy'}} Putin said the war was over.\n"
        "Peskov said talks had stalled."
    )
    _, found = candidates(text)
    candidate = only(found)
    assert candidate.claimant_name == "Peskov"
    assert candidate.content.start > text.index("\n")


def test_quotation_spans_pair_marks_per_paragraph() -> None:
    text = "He said \u201cone\u201d and \"two\" and ''three''.\n\"open to the end"
    spans = [text[s:e] for s, e in quotation_spans(text)]
    assert spans == ["\u201cone\u201d", '"two"', "''three''", '"open to the end']


def test_sample_articles_candidates_are_inside_the_body(articles_dir: Path) -> None:
    for path in sorted(articles_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        # The title line is header matter here; the reader decides this in production.
        body_start = text.index("\n") + 1 if "\n" in text else 0
        article, found = candidates(text, body_start=body_start)
        assert found, path.name
        for candidate in found:
            assert body_start <= candidate.sentence.start <= candidate.content.start
            assert candidate.content.end <= len(text)
            assert span_text(article, candidate.content).strip() == span_text(article, candidate.content)
            assert "{{" not in span_text(article, candidate.content)
