"""End-to-end extraction replayed from cassettes recorded against the real embedded model server.

Record with `make record` (starts the embedded server on the cassette port); CI replays with
record mode `none` and the network blocked. A changed prompt, schema or model changes the
request body, which no longer matches the cassette: the article then fails with a message
telling you to re-record.

Each strategy that calls the model has a cassette (``guided``, ``guided_full``,
``whole_article``). Two things are checked apart: what the code maps (asserted here: offsets
and quotes agree, every claimant is written in the article, ``named`` is false for a
description) and what the model answered (``tests/fixtures/recorded_claims.json``: evidence
start, claimant name, stance — a recorded fixture, wrong answers included, not expected
truth). Replaying unchanged cassettes must rebuild the fixture exactly, so a change in how a
strategy maps answers fails here. ``make record`` rewrites cassettes and fixture together.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import grounding
from extractor.articles import read_articles
from extractor.batch import BatchRunner
from extractor.cache import ResponseCache
from extractor.llm import LLM, LLMSettings
from extractor.local_model import DEFAULT_LOCAL_MODEL
from extractor.pipeline import Pipeline
from extractor.prompts import load_prompt
from extractor.records import Article, ArticleResult
from extractor.strategies import get_strategy
from extractor.strategies.whole_article import WholeArticleStrategy
from tests.cassettes import RECORDING_BASE_URL, replay_only

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "test_recorded_extraction"
# Articles where the strategy really calls the model: guided only asks about speakers the
# linguistic pass could not name (of the samples, only 004 has such a candidate); whole_article
# and guided_full always ask (guided_full on the shortest sample: ~45 s a request to record).
SAMPLES = {
    "guided": ("004_d8f5a990ccd71f66",),
    "guided_full": ("002_196d01a656543f14",),
    "whole_article": ("003_135d9834a0f45a4b",),
}
# What the model answered, as the claims built from it: a recorded fixture beside the cassettes, not
# expected truth. `make record` rewrites it with the cassettes; a run that replays unchanged cassettes
# must rebuild exactly these claims (so a change in how a strategy maps answers fails here).
RECORDED_CLAIMS = Path(__file__).resolve().parent / "fixtures" / "recorded_claims.json"


def _recorded(strategy_name: str) -> list[tuple[int, str, str]]:
    return [tuple(entry) for entry in json.loads(RECORDED_CLAIMS.read_text(encoding="utf-8"))[strategy_name]]


def _record_fixture(strategy_name: str, found: list[tuple[int, str, str]]) -> None:
    fixture = json.loads(RECORDED_CLAIMS.read_text(encoding="utf-8"))
    fixture[strategy_name] = [list(entry) for entry in found]
    RECORDED_CLAIMS.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _samples(articles_dir: Path, strategy_name: str) -> list[Article]:
    paths = [articles_dir / f"{name}.txt" for name in SAMPLES[strategy_name]]
    return [a for a in read_articles(paths) if isinstance(a, Article)]


def _run(strategy_name: str, llm: LLM, articles: list[Article], out: Path) -> tuple[list[ArticleResult], object]:
    runner = BatchRunner(Pipeline(get_strategy(strategy_name), llm), concurrency=1, show_progress=False)
    summary = runner.run(articles, out)
    lines = [ArticleResult.model_validate_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return lines, summary


def _pinned(results: list[ArticleResult]) -> list[tuple[int, str, str]]:
    return [(c.evidence.start, c.claimant.name, c.stance.value) for line in results for c in line.claims]


@pytest.mark.vcr
@pytest.mark.parametrize("strategy_name", ["guided", "guided_full", "whole_article"])
def test_extraction_is_grounded_and_second_run_is_free(
    strategy_name: str, recorded_llm: LLM, articles_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    articles = _samples(articles_dir, strategy_name)
    first, summary = _run(strategy_name, recorded_llm, articles, tmp_path / "first.jsonl")
    assert all(line.status == "ok" for line in first), [line.error for line in first]
    assert summary.usage.llm_calls >= len(articles)  # type: ignore[attr-defined]
    texts = {a.id: a.text for a in articles}
    for line in first:
        assert line.prompt_version and line.model and line.usage.completion_tokens > 0
        for claim in line.claims:
            assert texts[line.id][claim.evidence.start : claim.evidence.end] == claim.evidence.quote
    assert sum(len(line.claims) for line in first) > 0
    # What the code maps, whatever the model answered: every claimant is written in the article, and
    # whole_article marks a description ("the American side") as no name.
    for line in first:
        for claim in line.claims:
            assert grounding.mentioned_in(claim.claimant.name, texts[line.id]), claim.claimant.name
            if strategy_name == "whole_article":
                assert claim.claimant.named == grounding.names_someone(claim.claimant.name), claim.claimant
    found = _pinned(first)
    if request.config.getoption("--record-mode") in ("rewrite", "all", "new_episodes"):
        _record_fixture(strategy_name, found)  # `make record`: the new answers are the new fixture
    assert found == _recorded(strategy_name), (
        f"{strategy_name}: the claims built from the recorded answers changed while the cassette did not: the "
        "mapping from answer to claims changed. Fix the mapping; after re-recording on purpose run `make record`, "
        "which rewrites tests/fixtures/recorded_claims.json with the cassettes (never edit it from this message)."
    )

    second, summary = _run(strategy_name, recorded_llm, articles, tmp_path / "second.jsonl")
    assert summary.usage.llm_calls == 0 and summary.usage.cache_hits >= len(articles)  # type: ignore[attr-defined]
    assert [line.claims for line in second] == [line.claims for line in first]


def test_changed_prompt_fails_with_a_rerecord_message(articles_dir: Path, tmp_path: Path) -> None:
    cassette = CASSETTES / "test_extraction_is_grounded_and_second_run_is_free[whole_article].yaml"
    assert cassette.exists(), "cassette missing: record with `make record`"
    prompt = load_prompt("whole_article")
    changed = prompt.model_copy(
        update={"template": prompt.template.model_copy(update={"source": prompt.template.source + "\nBe brief."})}
    )
    settings = LLMSettings(model=DEFAULT_LOCAL_MODEL, base_url=RECORDING_BASE_URL, max_transport_retries=0)
    llm = LLM(settings, cache=ResponseCache(tmp_path / "cache"))
    with replay_only(str(cassette)):
        runner = BatchRunner(Pipeline(WholeArticleStrategy(prompt=changed), llm), show_progress=False)
        runner.run(_samples(articles_dir, "whole_article"), tmp_path / "out.jsonl")
    (line,) = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line["status"] == "error"
    assert "request_body_changed__rerecord_cassettes_with_make_record" in line["error"]
