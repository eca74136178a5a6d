"""End-to-end extraction replayed from cassettes recorded against the real embedded model server.

Record with `make record` (starts the embedded server on the cassette port); CI replays with
record mode `none` and the network blocked. A changed prompt, schema or model changes the
request body, which no longer matches the cassette: the article then fails with a message
telling you to re-record.

Each strategy that calls the model has a cassette (``guided``, ``guided_full``,
``whole_article``), and the claims built from the recorded answers are pinned
(``EXPECTED``: evidence start, claimant name, stance), so a change in how a strategy
maps the model's answer to records fails here even when the requests stay the same.
After a deliberate re-recording, the failure message prints the new list to paste.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
# The claims the recorded answers give: (evidence start, claimant name, stance), in output order.
# guided: the claim at 1775 is the one candidate only the model named (its pick, among the speakers
# mentioned near the cue).
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "guided": [
        (17, "Sergei Ryabkov", "denies"),
        (374, "Sergei Ryabkov", "denies"),
        (521, "Sergei Ryabkov", "asserts"),
        (603, "Sergei Ryabkov", "asserts"),
        (715, "Sergei Ryabkov", "denies"),
        (853, "Sergei Ryabkov", "asserts"),
        (1337, "Brittany Stewart", "asserts"),
        (1522, "The United States", "asserts"),
        (1775, "Brittany Stewart", "denies"),
        (2013, "Lloyd Austin", "asserts"),
        (2191, "the American side", "asserts"),
        # No (2376, "Donbass"): "the residents of Donbass, who refused to recognize ..." is the outlet's
        # background, a refusal told by the journalist (claimness "plan"), not a claim (docs/annotation.md §2).
    ],
    # The 0.5B model's claimant numbers do not change the pass's names (it had named every speaker).
    # Where the model's claim sentence passed the checks it came with its stance (595, 1610, 1743:
    # "asserts"); elsewhere the pass's sentence and stance stand together. "Washington rejected
    # them" (930) is no claim.
    "guided_full": [
        (175, "Maria Zakharova", "denies"),
        (595, "Maria Zakharova", "asserts"),
        (961, "Maria Zakharova", "denies"),
        (1049, "Maria Zakharova", "asserts"),
        (1610, "Maria Zakharova", "denies"),
        (1743, "Maria Zakharova", "asserts"),
    ],
    "whole_article": [
        (0, "Russia", "denies"),
        *[
            (start, "Russian Deputy Foreign Minister Andrey Rudenko", "denies")
            for start in (61, 147, 246, 331, 457, 575, 661, 960, 1091, 1300, 1420, 1542, 1782, 1899, 1998, 2119)
        ],
    ],
}


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
    strategy_name: str, recorded_llm: LLM, articles_dir: Path, tmp_path: Path
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
    found = _pinned(first)
    assert found == EXPECTED[strategy_name], (
        f"{strategy_name}: the claims built from the recorded answers changed. If the cassette was re-recorded "
        f"on purpose (`make record`), pin the new claims: EXPECTED[{strategy_name!r}] = {found!r}"
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
