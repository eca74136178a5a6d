"""Finished article results are remembered: an unchanged article under unchanged settings skips the pipeline.

The response cache alone saves the model call but still splits sentences,
renders prompts and grounds claims; the result store skips all of that. These
tests pin down when a stored result may be reused and when it must not be.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractor import Extractor
from extractor import cache as cache_module
from extractor.batch import BatchRunner
from extractor.cache import ResponseCache
from extractor.llm import LLM, LLMSettings
from extractor.pipeline import Pipeline, strategy_settings
from extractor.prompts import load_prompt
from extractor.records import Article
from extractor.strategies.whole_article import WholeArticleStrategy
from support.endpoint import FakeEndpoint, arguments_of, completion, prompt_text, reporting_responder
from tests.reliability import FAKE_KEY, by_id, make_articles, read_lines

REPO = Path(__file__).resolve().parent.parent


def _run(
    endpoint: FakeEndpoint, articles: list[Article], out: Path, cache: ResponseCache | None,
    strategy: WholeArticleStrategy | None = None,
) -> tuple[Any, dict[str, dict[str, Any]]]:
    llm = LLM(LLMSettings(model="fake-model", base_url=endpoint.base_url, api_key=FAKE_KEY, timeout_s=5.0), cache=cache)
    try:
        runner = BatchRunner(Pipeline(strategy or WholeArticleStrategy(), llm), concurrency=2, show_progress=False)
        summary = runner.run(
            articles, out
        )
    finally:
        llm.close()
    return summary, by_id(read_lines(out))


def _claims(lines: dict[str, dict[str, Any]]) -> dict[str, list[Any]]:
    return {article_id: line["claims"] for article_id, line in lines.items()}


def _forbid_extraction(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any, **__: Any) -> None:
        raise AssertionError("the pipeline ran for an article whose result was stored")

    monkeypatch.setattr(WholeArticleStrategy, "extract", refuse)


def test_rerun_reuses_stored_results_without_running_the_pipeline(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = make_articles(articles_dir, 6)
    cache = ResponseCache(tmp_path / "cache")
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        first, first_lines = _run(endpoint, articles, tmp_path / "one.jsonl", cache)
        requests_after_first = endpoint.requests
        _forbid_extraction(monkeypatch)
        second, second_lines = _run(endpoint, articles, tmp_path / "two.jsonl", cache)
        assert endpoint.requests == requests_after_first
    assert first.ok == second.ok == len(articles) and first.claims > len(articles)
    assert _claims(second_lines) == _claims(first_lines)
    # Each stored result stands for the responses it was built from, so hit counts stay comparable.
    assert second.usage.cache_hits == first.usage.llm_calls and second.usage.llm_calls == 0
    assert cache.stats().article_results == len(articles)


def test_changed_text_settings_or_code_miss_the_stored_result(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = make_articles(articles_dir, 2)
    cache = ResponseCache(tmp_path / "cache")
    edited = [articles[0].model_copy(update={"text": articles[0].text + "\nA late paragraph.\n"}), articles[1]]
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        _run(endpoint, articles, tmp_path / "one.jsonl", cache)
        calls: list[str] = []
        real_extract = WholeArticleStrategy.extract

        def counting(self: WholeArticleStrategy, article: Article, llm: Any) -> Any:
            calls.append(article.id)
            return real_extract(self, article, llm)

        monkeypatch.setattr(WholeArticleStrategy, "extract", counting)
        _run(endpoint, edited, tmp_path / "two.jsonl", cache)
        assert calls == [articles[0].id], "only the edited article is extracted again"

        calls.clear()
        _run(endpoint, articles, tmp_path / "three.jsonl", cache, WholeArticleStrategy(max_tokens=1400))
        assert sorted(calls) == sorted(a.id for a in articles), "a changed setting invalidates every result"

        calls.clear()
        monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "sha256:other-code")
        monkeypatch.setattr("extractor.pipeline.code_fingerprint", cache_module.code_fingerprint)
        _run(endpoint, articles, tmp_path / "four.jsonl", cache)
        assert sorted(calls) == sorted(a.id for a in articles), "changed code invalidates every result"


def test_a_stored_result_that_no_longer_validates_is_extracted_again(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = make_articles(articles_dir, 1)
    cache = ResponseCache(tmp_path / "cache")
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        _, first_lines = _run(endpoint, articles, tmp_path / "one.jsonl", cache)
        stored: dict[str, Any] = {}
        monkeypatch.setattr(cache, "set_result", lambda key, value: stored.setdefault(key, value))
        original_get = ResponseCache.get_result
        monkeypatch.setattr(
            cache, "get_result", lambda key: {**original_get(cache, key), "claims": [{"claimant": "not a claim"}]}
        )
        summary, lines = _run(endpoint, articles, tmp_path / "two.jsonl", cache)
    assert summary.ok == 1 and _claims(lines) == _claims(first_lines)
    assert stored, "the fresh result replaces the broken one"


def test_without_a_cache_nothing_is_stored(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 2)
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        _run(endpoint, articles, tmp_path / "one.jsonl", None)
        before = endpoint.requests
        _run(endpoint, articles, tmp_path / "two.jsonl", None)
        assert endpoint.requests == 2 * before


def test_strategy_settings_name_the_prompt_and_scalars_only() -> None:
    settings = strategy_settings(WholeArticleStrategy(chunk_chars=5000))
    assert settings["name"] == "whole_article" and settings["chunk_chars"] == 5000
    assert settings["prompt_version"].startswith("whole_article@")
    assert "prompt" not in settings and "_examples" not in settings


@pytest.fixture
def editable_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of prompts/ that the package loads from (``EXTRACTOR_PROMPTS_DIR``), for editing."""
    folder = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setenv("EXTRACTOR_PROMPTS_DIR", str(folder))
    load_prompt.cache_clear()  # loaded prompts are kept per process; a new run would read the files again
    yield folder
    load_prompt.cache_clear()


def test_an_edited_prompt_misses_the_stored_result(
    articles_dir: Path, tmp_path: Path, editable_prompts: Path
) -> None:
    article = make_articles(articles_dir, 1)[0]
    instruction = "Report only the first claim."

    def obeying_model(request: dict[str, Any]) -> dict[str, Any]:
        answer = reporting_responder(request)
        if instruction not in prompt_text(request):
            return answer
        claims = json.loads(arguments_of(answer))["claims"]
        return completion(request, {"claims": claims[:1]})

    def run(endpoint: FakeEndpoint) -> Any:
        load_prompt.cache_clear()  # as a new process would
        with Extractor(strategy="whole_article", base_url=endpoint.base_url, cache_dir=tmp_path / "cache") as ex:
            return ex.extract(article)

    with FakeEndpoint(respond=obeying_model) as endpoint:
        first = run(endpoint)
        again = run(endpoint)
        template = editable_prompts / "whole_article" / "template.md"
        template.write_text(template.read_text(encoding="utf-8") + f"\n{instruction}\n", encoding="utf-8")
        edited = run(endpoint)
    assert first.status == again.status == edited.status == "ok"
    assert first.usage.llm_calls == 1 and len(first.claims) > 1
    assert again.usage.llm_calls == 0 and again.claims == first.claims, "unchanged: the stored result is reused"
    assert edited.prompt_version != first.prompt_version
    assert edited.usage.llm_calls == 1, "the edited prompt is a new prompt version: the stored result is not reused"
    assert edited.claims == first.claims[:1], "the claims come from the edited prompt's answer"
