"""Only claims come out of the linguistic pass: each category docs/annotation.md leaves out, and what it keeps.

Sentences are from docs/annotation.md or PolNeAR dev (never its test split); each
"left out" case was a candidate before ``extractor.nlp.claimness`` existed. Every
category is pinned by the reason it is given (acted on alone, the candidate goes;
every other reason acted on, it stays), and the reasons the pass acts on by default
(``claimness.LEFT_OUT``) are checked on the default pass.
"""

from __future__ import annotations

import pytest

from extractor.nlp import Candidate, claimness, find_candidates, load_nlp
from extractor.records import Article


@pytest.fixture(scope="module", autouse=True)
def _nlp() -> None:
    load_nlp()


def cues_of(text: str) -> list[str]:
    """The cue words of the candidates the pass finds in ``text``."""
    article = Article(id="t", text=text, source="test", body_start=0)
    found: list[Candidate] = find_candidates(article)
    return [text[c.cue.start : c.cue.end] for c in found if c.cue is not None]


NON_CLAIMS = [
    # Procedural acts of courts and parties (A7, B16).
    (
        "A New York judge has rejected a media request to make public the contents of a 25-year-old "
        "court file on Donald Trump's divorce from wife Ivana.",
        "rejected",
        "action",
    ),
    ("The New York Times and the Gannett newspaper chain filed a motion to unseal the records.", "filed", "action"),
    (
        "The Ohio chapter of the A. Philip Randolph Institute filed suit challenging the law in federal court.",
        "filed",
        "action",
    ),
    # Actions told by the journalist (§2 "reports of events that carry no proposition").
    (
        "The Security Council has imposed sanctions on individual terrorists, freezing their assets.",
        "imposed",
        "action",
    ),
    ("She declined that assignment and has since left the network.", "declined", "action"),
    ("Mr. Ban focused on climate change as a signature issue shortly after assuming his post.", "focused", "action"),
    # Stances towards people or things, told by the journalist (B8: "is endorsing").
    ("Sen. Ted Cruz is endorsing Donald Trump's presidential campaign.", "endorsing", "action"),
    (
        "Another RT America host, Abby Martin, had previously denounced the annexation in an on-air diatribe, "
        "which RT pointed to as an example of its openness to opposing viewpoints.",
        "opposing",
        "action",
    ),
    # Plans and refusals told by the journalist (B8).
    ("Trump's running mate, Indiana Gov. Mike Pence, plans to release his own returns soon.", "plans", "plan"),
    (
        "The decision is politically risky for Cruz, who pointedly refused to endorse Trump during a "
        "prime-time speech at the Republican National Convention in July.",
        "refused",
        "plan",
    ),
    # Topics (A4, B17).
    ("Voting rights advocates have expressed deep concern about the policy.", "expressed", "topic"),
    # Indirect questions (A3).
    (
        "However, he could not explain why a marriage requirement is cited on the campaign's website.",
        "explain",
        "question",
    ),
    # The speaker's own wish (A6, B3).
    ("He said he hoped it would encourage a dialogue among Americans on difficult issues.", "said", "wish"),
    # Recommendations and evaluations of a course of action (A11, B7).
    (
        "A former Democratic National Committee chairman says President Barack Obama and the party's "
        "congressional leaders should immediately come up with a process to identify a potential successor.",
        "says",
        "directive",
    ),
    ("But he said the Democratic Party would be mistaken to proceed without a contingency plan.", "said", "directive"),
    # Beliefs and feelings the journalist ascribes (A10, B1).
    (
        "House Speaker Paul Ryan does believe McConnell is correct about being able to override the president.",
        "believe",
        "belief",
    ),
    ("Amelize Joseph loves the public school that her 14-year-old daughter attends.", "loves", "belief"),
    (
        "That's why she's so frustrated that New York state is shortchanging funds for public education.",
        "frustrated",
        "belief",
    ),
]


@pytest.mark.parametrize(("text", "cue", "reason"), NON_CLAIMS)
def test_each_non_claim_is_left_out_for_its_reason(
    text: str, cue: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claimness, "LEFT_OUT", frozenset({reason}))
    assert cue not in cues_of(text)
    monkeypatch.setattr(claimness, "LEFT_OUT", claimness.REASONS - {reason})
    assert cue in cues_of(text)


@pytest.mark.parametrize(
    ("text", "cue"), [(text, cue) for text, cue, reason in NON_CLAIMS if reason in claimness.LEFT_OUT]
)
def test_the_default_pass_leaves_out_what_it_acts_on(text: str, cue: str) -> None:
    assert cue not in cues_of(text)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # Accusations and characterisations (§2), with the predicate the verb brings (A13, B4).
        (
            "Citing an unfounded conspiracy theory, Trump repeatedly accused Rafael Cruz of associating with "
            "Lee Harvey Oswald around the time of John F. Kennedy's assassination.",
            "accused",
        ),
        ("The campaign has credited Ivanka Trump with inspiring and co-designing the proposal.", "credited"),
        ("Trump has called climate change a hoax perpetrated by China to hurt U.S. manufacturing.", "called"),
        ("Biden called Putin a war criminal.", "called"),
        # Casting doubt (A16, B5) and denials (§2).
        (
            "The relationship between the two turned vicious during the primary after Trump questioned Cruz's "
            "eligibility to run for president because he was born in Canada.",
            "questioned",
        ),
        # Content, not topic: "concern that P", "spoke of how P" (A4, B15, B17).
        ("Republicans have expressed concern that changing the policy could lead to voter fraud.", "expressed"),
        (
            "Chief Justice John G. Roberts Jr. spoke of how the fight for justice flowed through court rulings.",
            "spoke",
        ),
        # The source's declared intention (B8, §2).
        ("Ban Ki-moon, the secretary general of the United Nations, vowed not to repeat that mistake.", "vowed"),
        # A question put to the source, who answers (docs/annotation.md §2, nested sources).
        (
            "Zakharova cited reports according to which Dujarric replied in the affirmative when asked if his boss "
            "had tried to contact the Russian president.",
            "asked",
        ),
        # Plain statements, conditionals included (B12).
        ("Peskov said there was no contact.", "said"),
        ("“If anybody was looking for an off-ramp, this is probably it,” Graham told reporters.", "told"),
    ],
)
def test_claims_are_kept_whatever_the_pass_acts_on(text: str, cue: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claimness, "LEFT_OUT", claimness.REASONS)
    assert cue in cues_of(text)
