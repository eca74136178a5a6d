"""Strategy ``guided_checked``: one yes/no question per candidate the claimness rules doubt, cached, never fatal.

Offline: the model is the stand-in endpoint (``support.endpoint.FakeEndpoint``), whose
answer to a claim check is looked up by the bracketed content of the question. The
doubtful sentences are the guideline's own examples of each doubt (docs/annotation.md
A4/B17 topic, A3 question, A10/B1 belief; from PolNeAR dev articles of the guideline
gold, as in tests/test_claimness.py); their speakers are named by the pass, so
``guided`` asks the model nothing here and every request is a claim check.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from extractor import nlp
from extractor.cache import ResponseCache
from extractor.llm import LLM, LLMSettings
from extractor.prompts import load_prompt
from extractor.records import Article, Usage
from extractor.strategies import get_strategy
from extractor.strategies.base import StrategyOutput
from extractor.strategies.claim_check import CheckedGuidedStrategy
from extractor.strategies.guided import GuidedStrategy
from support.endpoint import FakeEndpoint, Fault, completion, default_respond, prompt_text, request_schema

TOPIC = "deep concern about the policy"
QUESTION = "why a marriage requirement is cited on the campaign's website"
BELIEF = "McConnell is correct about being able to override the president"
SAID = "the rule was old"
DENIED = "that Moscow had received no proposal"
TEXT = (
    "Voting rules\n\n"
    # A4, B17: "expressed concern about NP" names a topic.
    f"Voting rights advocates have expressed {TOPIC}. "
    f"Jason Miller, a campaign spokesman, said {SAID}. "
    # A3: an indirect question is no claim.
    f"However, he could not explain {QUESTION}. "
    # A10, B1: a belief the journalist ascribes, with no speech cue.
    f"House Speaker Paul Ryan does believe {BELIEF}. "
    f"Foreign Ministry spokeswoman Maria Zakharova said on Tuesday {DENIED}."
)
DOUBTS = {TOPIC: "topic", QUESTION: "question", BELIEF: "belief"}
_ASKED = re.compile(r"<<<DATA.*?\[\[(.*?)\]\]", re.S)


def _article() -> Article:
    return Article(id="t", text=TEXT, source="test", body_start=TEXT.index("Voting"), published=dt.date(2016, 9, 1))


def asked_content(request: dict[str, Any]) -> str:
    """The bracketed content a claim check asks about (the data block's, not an example's)."""
    found = _ASKED.search(prompt_text(request))
    assert found is not None, "a claim check shows its candidate between [[ ]] in the data block"
    return found.group(1)


def verdicts(no: set[str]) -> Any:
    """A model that says "no claim" to the contents in ``no`` and "claim" to every other one."""

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        if "is_claim" not in request_schema(request).get("properties", {}):
            return default_respond(request)
        return completion(request, {"is_claim": asked_content(request) not in no})

    return respond


def run(
    respond: Any,
    cache: Path,
    *,
    faults: Any = (),
    strategy: GuidedStrategy | None = None,
    article: Article | None = None,
) -> tuple[StrategyOutput, FakeEndpoint]:
    strategy = strategy or CheckedGuidedStrategy()
    with FakeEndpoint(respond=respond, faults=faults) as endpoint:
        settings = LLMSettings(
            model="fake", base_url=endpoint.base_url, endpoint_label="fake", max_transport_retries=0, max_reasks=1
        )
        llm = LLM(settings, cache=ResponseCache(cache))
        try:
            output = strategy.extract(article or _article(), llm)
        finally:
            llm.close()
    return output, endpoint


def quotes(output: StrategyOutput) -> set[str]:
    return {claim.evidence.quote for claim in output.claims}


def test_each_doubt_reason_is_carried_by_its_candidate_and_no_other() -> None:
    found = {TEXT[c.content.start : c.content.end]: c.doubt for c in nlp.find_candidates(_article())}
    assert found == {**DOUBTS, SAID: None, DENIED: None}


@pytest.mark.parametrize("content", list(DOUBTS), ids=list(DOUBTS.values()))
def test_a_doubtful_candidate_goes_on_no_and_stays_on_yes(content: str, tmp_path: Path) -> None:
    dropped, endpoint = run(verdicts({content}), tmp_path / "no")
    assert quotes(dropped) == {*DOUBTS, SAID, DENIED} - {content}
    assert endpoint.requests == len(DOUBTS) and dropped.usage.llm_calls == len(DOUBTS)
    kept, _ = run(verdicts(set()), tmp_path / "yes")
    assert quotes(kept) == {*DOUBTS, SAID, DENIED}


def test_only_doubtful_candidates_are_asked_about_once_each(tmp_path: Path) -> None:
    output, endpoint = run(verdicts(set(DOUBTS)), tmp_path / "c")
    assert sorted(asked_content(request) for request in endpoint.received) == sorted(DOUBTS)
    assert quotes(output) == {SAID, DENIED}  # the candidates without a doubt are never asked about


def test_a_yes_to_everything_gives_guideds_claims(tmp_path: Path) -> None:
    checked, _ = run(verdicts(set()), tmp_path / "a")
    guided, endpoint = run(verdicts(set()), tmp_path / "b", strategy=GuidedStrategy())
    assert endpoint.requests == 0  # every speaker is named by the pass: guided asks nothing here
    assert [c.model_dump() for c in checked.claims] == [c.model_dump() for c in guided.claims]


def test_a_second_run_is_answered_from_the_cache(tmp_path: Path) -> None:
    first, endpoint = run(verdicts({TOPIC}), tmp_path / "c")
    assert endpoint.requests == len(DOUBTS) and first.usage.cache_hits == 0
    second, endpoint = run(verdicts({TOPIC}), tmp_path / "c")
    assert endpoint.requests == 0
    assert (second.usage.llm_calls, second.usage.cache_hits) == (0, len(DOUBTS))
    assert quotes(second) == quotes(first) == {QUESTION, BELIEF, SAID, DENIED}


@pytest.mark.parametrize(
    "fault",
    [Fault("invalid_json"), Fault("schema_invalid"), Fault("truncated_json"), Fault("status", status=500)],
    ids=lambda fault: fault.label,
)
def test_a_broken_answer_keeps_the_candidate_and_the_article(fault: Fault, tmp_path: Path) -> None:
    output, endpoint = run(verdicts(set(DOUBTS)), tmp_path / "c", faults=lambda number, request: fault)
    assert endpoint.requests >= len(DOUBTS)  # every doubtful candidate was asked, and none answered
    assert quotes(output) == {*DOUBTS, SAID, DENIED}


def test_the_strategy_is_registered_under_its_own_name_and_versions() -> None:
    strategy = get_strategy("guided_checked")
    assert strategy.name == "guided_checked" and strategy.uses_llm
    claimant, check = load_prompt("guided_claimant").version, load_prompt("claim_check").version
    assert strategy.prompt_version == f"{claimant}+{check}"
    assert get_strategy("guided").prompt_version == claimant  # the default's prompt is untouched


def test_the_question_keeps_the_article_inside_the_data_block() -> None:
    article = _article()
    strategy = CheckedGuidedStrategy()
    candidate = next(c for c in nlp.find_candidates(article) if c.doubt == "belief")
    claim = next(c for _, c in strategy.completed(article, None, Usage()) if c.evidence.quote == BELIEF)
    rendered = strategy.render_check(article, candidate, claim)
    instructions, data = rendered.split("<<<DATA", 1)
    assert "override" not in instructions and f"[[{BELIEF}]]" in data and "Speaker: Paul Ryan" in data


def test_a_long_content_is_shown_in_part_and_still_bracketed() -> None:
    long_belief = "the plan " + "would work and " * 80 + "would pass"
    text = f"Plans\n\nHouse Speaker Paul Ryan does believe {long_belief}."
    article = Article(id="l", text=text, source="test", body_start=text.index("House"))
    strategy = CheckedGuidedStrategy()
    candidate, claim = next((c, m) for c, m in strategy.completed(article, None, Usage()) if c.doubt)
    data = strategy.render_check(article, candidate, claim).split("<<<DATA", 1)[1]
    shown = re.search(r"\[\[(.*?)\]\]", data)
    assert shown is not None and shown.group(1).startswith("the plan would work")
    assert len(shown.group(1)) < len(long_belief) and shown.group(1).endswith("…")


def test_the_speaker_calls_are_guideds_own_cache_entries(tmp_path: Path) -> None:
    # "Some" is a speaker the pass cannot name: guided asks the model for it, in one call.
    text = f"{TEXT} Some said that the offer was still open."
    article = Article(id="s", text=text, source="test", body_start=text.index("Voting"))
    _, endpoint = run(verdicts(set()), tmp_path / "c", strategy=GuidedStrategy(), article=article)
    assert endpoint.requests == 1
    checked, endpoint = run(verdicts(set()), tmp_path / "c", article=article)
    assert checked.usage.cache_hits == 1  # the speaker call, answered from guided's entry
    assert endpoint.requests == len(DOUBTS)  # only the claim checks are new
