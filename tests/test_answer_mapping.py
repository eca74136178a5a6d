"""Every field of a model's answer lands where it belongs: exact claims from scripted answers.

A scripted stand-in model (``support.endpoint.scripted_responder`` on ``FakeEndpoint``)
gives ``whole_article`` and ``guided_full`` one known answer each, and the test asserts the
exact records the public ``Extractor`` returns: claimant name, role and organisation,
stance, claim text, said_on, evidence quote and offsets, attribution. The answers mix what a
model sends in practice: fields to take as given, fields to clean ("unknown", padding),
fields to refuse (a claimant the article never mentions, a sentence outside the chunk, a
claim text unrelated to its evidence). A strategy that flips a stance, drops a role,
ignores a date or picks the wrong name from the list fails here, whatever the cassettes say.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from extractor import Extractor
from extractor.records import ArticleResult, AttributionKind, Claim
from support.endpoint import FakeEndpoint, listed_names, prompt_text, scripted_responder

PUBLISHED = dt.date(2024, 2, 15)  # a Thursday: "on Tuesday" is 2024-02-13


def _record(claim: Claim) -> dict[str, Any]:
    """Every field the model's answer can shape (not the cue, which the linguistic pass alone sets)."""
    return {
        "name": claim.claimant.name,
        "role": claim.claimant.role,
        "organization": claim.claimant.organization,
        "stance": claim.stance.value,
        "claim": claim.claim,
        "said_on": claim.said_on,
        "evidence": (claim.evidence.start, claim.evidence.end, claim.evidence.quote),
        "attribution": claim.attribution,
    }


def _extract(strategy: str, text: str, answer: Any) -> tuple[ArticleResult, dict[str, Any]]:
    """The result the public Extractor gives for ``text`` when the model answers ``answer``, and the request."""
    with FakeEndpoint(respond=scripted_responder(answer)) as endpoint, Extractor(
        strategy=strategy, base_url=endpoint.base_url, cache=False
    ) as ex:
        result = ex.extract(text, id=strategy, published=PUBLISHED, detect_header=True)  # a title line, as in a file
        (request,) = endpoint.received
    assert result.status == "ok", result.error
    assert result.usage.llm_calls == 1
    return result, request


def _evidence(text: str, quote: str) -> tuple[int, int, str]:
    start = text.index(quote)
    return start, start + len(quote), quote


# --- whole_article: numbered sentences in, one entry per claim out ------------------------------

WHOLE_TEXT = (
    "Talks stall\n\n"
    "Foreign Ministry spokeswoman Maria Zakharova said on Tuesday that Moscow had received no proposal. "
    "Kremlin spokesman Dmitry Peskov told reporters that a summit was being prepared. "
    '"There was no contact with Washington," Peskov insisted.\n\n'
    "Analysts said the talks would resume in spring. The weather in Moscow was cold.\n"
)
WHOLE_ANSWER = {
    "claims": [
        {  # said_on left to the text: "on Tuesday" before the publication date
            "sentence": 1, "claimant": " Maria Zakharova ", "role": "Foreign Ministry spokeswoman",
            "organization": "Russian Foreign Ministry", "stance": "denies", "claim": "Moscow had received a proposal.",
            "said_on": None,
        },
        {  # said_on as the model gives it (the sentence itself has no date)
            "sentence": 2, "claimant": "Dmitry Peskov", "role": "Kremlin spokesman", "organization": "the Kremlin",
            "stance": "asserts", "claim": "  A summit was being prepared. ", "said_on": "2024-02-12",
        },
        {  # placeholders mean "not given"; a date that is no date falls back to the text (none here)
            "sentence": 3, "claimant": "Dmitry Peskov", "role": "unknown", "organization": "null",
            "stance": "denies", "claim": "There was contact with Washington.", "said_on": "last week",
        },
        {  # a claimant the article never mentions: dropped
            "sentence": 4, "claimant": "Sergei Lavrov", "role": None, "organization": None,
            "stance": "asserts", "claim": "The talks would resume in spring.", "said_on": None,
        },
        {  # a sentence the chunk did not show: dropped
            "sentence": 7, "claimant": "Maria Zakharova", "role": None, "organization": None,
            "stance": "asserts", "claim": "Something else.", "said_on": None,
        },
    ]
}


def test_whole_article_maps_every_answer_field_to_the_exact_claim() -> None:
    result, request = _extract("whole_article", WHOLE_TEXT, WHOLE_ANSWER)
    # The script's sentence numbers are the ones the prompt showed.
    shown = prompt_text(request)
    assert "[1] Foreign Ministry spokeswoman Maria Zakharova said on Tuesday" in shown
    assert "[4] Analysts said the talks would resume in spring." in shown and "[6]" not in shown.split("<<<ARTICLE")[-1]

    assert [_record(claim) for claim in result.claims] == [
        {
            "name": "Maria Zakharova", "role": "Foreign Ministry spokeswoman",
            "organization": "Russian Foreign Ministry",
            "stance": "denies", "claim": "Moscow had received a proposal.", "said_on": dt.date(2024, 2, 13),
            "evidence": _evidence(
                WHOLE_TEXT, "Foreign Ministry spokeswoman Maria Zakharova said on Tuesday that Moscow had received no "
                "proposal."
            ),
            "attribution": AttributionKind.REPORTED,
        },
        {
            "name": "Dmitry Peskov", "role": "Kremlin spokesman", "organization": "the Kremlin",
            "stance": "asserts", "claim": "A summit was being prepared.", "said_on": dt.date(2024, 2, 12),
            "evidence": _evidence(
                WHOLE_TEXT, "Kremlin spokesman Dmitry Peskov told reporters that a summit was being prepared."
            ),
            "attribution": AttributionKind.REPORTED,
        },
        {
            "name": "Dmitry Peskov", "role": None, "organization": None,
            "stance": "denies", "claim": "There was contact with Washington.", "said_on": None,
            # The opening quotation mark is trimmed from the evidence; the closing one inside stays.
            "evidence": _evidence(WHOLE_TEXT, 'There was no contact with Washington," Peskov insisted.'),
            "attribution": AttributionKind.DIRECT_QUOTE,
        },
    ]
    assert result.dropped_ungrounded == 2


def test_whole_article_marks_a_described_claimant_not_named() -> None:
    text = (
        "Talks stall\n\n"
        "A senior official said the talks had failed. The American side said the offer stood. "
        "Maria Zakharova said nothing had changed. The United States said the deal was off.\n"
    )
    answer = {"claims": [
        {"sentence": number, "claimant": claimant, "role": None, "organization": None, "stance": "asserts",
         "claim": claim, "said_on": None}
        for number, claimant, claim in (
            (1, "A senior official", "The talks had failed."), (2, "the American side", "The offer stood."),
            (3, "Maria Zakharova", "Nothing had changed."), (4, "The United States", "The deal was off."),
        )
    ]}  # fmt: skip
    result, _ = _extract("whole_article", text, answer)
    named = {claim.claimant.name: claim.claimant.named for claim in result.claims}
    assert named == {"A senior official": False, "the American side": False, "Maria Zakharova": True,
                     "The United States": True}  # fmt: skip


# --- guided_full: the linguistic candidates, every field asked of the model ---------------------

GUIDED_TEXT = (
    "Talks stall\n\n"
    "Foreign Ministry spokeswoman Maria Zakharova said on Tuesday that Moscow had received no proposal. "
    "Some said that the offer was still open. Kremlin spokesman Dmitry Peskov denied that talks had resumed."
)


def _guided_answer(request: dict[str, Any]) -> dict[str, Any]:
    """Claimants by name, looked up in the numbered list the prompt showed."""
    number = listed_names(request)
    return {
        # The model's stance wins over the pass's reading (the pass reads a denial here).
        "c1": {"claimant": number["Maria Zakharova"], "stance": "asserts", "claim": "Moscow had received a proposal."},
        # "Some" is no name, and Peskov is only mentioned after it: the model may not choose him
        # (only a speaker mentioned in the cue's sentence or the two before), so the claim goes.
        "c2": {"claimant": number["Dmitry Peskov"], "stance": "denies", "claim": "The offer was still open."},
        # A claim text unrelated to the evidence is refused; the rules' text stands.
        "c3": {
            "claimant": number["Dmitry Peskov"], "stance": "asserts",
            "claim": "Vladimir Putin announced that the war is over.",
        },
    }


def test_guided_full_maps_every_answer_field_to_the_exact_claim() -> None:
    result, request = _extract("guided_full", GUIDED_TEXT, _guided_answer)
    # The names are the speakers mentioned near the candidates' cues, the pass's own first.
    assert list(listed_names(request)) == ["Maria Zakharova", "Foreign Ministry", "Dmitry Peskov", "Kremlin"]
    assert prompt_text(request).count("speaker as written:") >= 3
    assert "choose from: 1, 2, or 0" in prompt_text(request)  # c2 ("Some said"): Peskov comes later

    assert [_record(claim) for claim in result.claims] == [
        {
            # Role and organisation from the title: "Foreign Ministry spokeswoman".
            "name": "Maria Zakharova", "role": "spokeswoman", "organization": "Foreign Ministry",
            "stance": "asserts", "claim": "Moscow had received a proposal.", "said_on": dt.date(2024, 2, 13),
            "evidence": _evidence(GUIDED_TEXT, "that Moscow had received no proposal"),
            "attribution": AttributionKind.REPORTED,
        },
        {
            # The refused claim text takes the model's stance with it: the pass's reading stands whole.
            "name": "Dmitry Peskov", "role": "spokesman", "organization": "Kremlin",
            "stance": "denies", "claim": "Talks had resumed.", "said_on": None,
            "evidence": _evidence(GUIDED_TEXT, "that talks had resumed"),
            "attribution": AttributionKind.REPORTED,
        },
    ]


def _guided_answer_past_the_list(request: dict[str, Any]) -> dict[str, Any]:
    """A small model's slip: claimant numbers past the end of the numbered list (it has four names)."""
    number = listed_names(request)
    return {
        "c1": {"claimant": number["Maria Zakharova"], "stance": "asserts", "claim": "Moscow had received a proposal."},
        "c2": {"claimant": 7, "stance": "asserts", "claim": "The offer was still open."},
        "c3": {"claimant": 9, "stance": "denies", "claim": "Talks had resumed."},
    }


def test_guided_full_takes_a_claimant_past_the_list_as_none_and_keeps_the_article() -> None:
    # Once a schema bound of the list's length: the re-ask got the same slip and the whole article
    # became an error line. Now only that candidate's claimant is "none of them".
    result, _ = _extract("guided_full", GUIDED_TEXT, _guided_answer_past_the_list)
    assert [(c.claimant.name, c.stance.value, c.claim) for c in result.claims] == [
        ("Maria Zakharova", "asserts", "Moscow had received a proposal."),
        # c2: "Some said", which the pass could not name, and no usable choice: dropped.
        # c3: the pass named Peskov itself, so his claim stands, with the model's checked fields.
        ("Dmitry Peskov", "denies", "Talks had resumed."),
    ]
    assert result.usage.reasks == 0
