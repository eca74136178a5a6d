"""The Python API: ExtractorConfig (one place for defaults, secrets kept out) and Extractor's behaviour.

Model-backed cases run against ``FakeEndpoint`` on loopback; the embedded server's
lifecycle is checked with a stand-in for ``LocalServer`` (the real one is covered by
``tests/test_local_server.py``), so these tests need no model.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

import extractor
from extractor import (
    Article,
    ArticleResult,
    ConfigError,
    Extractor,
    ExtractorConfig,
    InputError,
)
from extractor.articles import ArticleFailure, read_articles
from extractor.llm import LLMSettings
from support.endpoint import FakeEndpoint, reporting_responder
from tests.service_helpers import free_port

REPO = Path(__file__).resolve().parent.parent
KEY = "sk-test-APIKEY0123456789abcdefSECRET"


@pytest.fixture
def sample(articles_dir: Path) -> Path:
    return sorted(articles_dir.glob("*.txt"))[0]


@pytest.fixture(autouse=True)
def _no_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path / "env-cache"))


# --- importing -----------------------------------------------------------------------------------


def test_import_loads_no_model_client_and_no_spacy() -> None:
    script = (
        "import sys\n"
        "import extractor\n"
        "from extractor import Extractor, ExtractorConfig, extract\n"
        "print([m for m in ('openai', 'instructor', 'spacy', 'extractor.llm') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"


def test_public_names_are_exported() -> None:
    for name in ("Extractor", "ExtractorConfig", "extract", "Article", "ArticleResult", "Claim", "Claimant",
                 "Evidence", "Stance", "Usage", "ExtractorError", "ConfigError", "LLMError", "PromptError",
                 "LocalModelError", "InputError", "register_strategy", "get_strategy", "available_strategies"):
        assert name in extractor.__all__ and hasattr(extractor, name), name


# --- the configuration ---------------------------------------------------------------------------


def test_one_default_for_reasks_everywhere() -> None:
    assert ExtractorConfig().max_reasks == 1
    assert LLMSettings(model="m").max_reasks == ExtractorConfig().max_reasks
    assert LLMSettings(model="m").max_transport_retries == ExtractorConfig().max_retries


def test_defaults_depend_on_where_the_model_runs() -> None:
    embedded = ExtractorConfig()
    assert not embedded.remote
    assert (embedded.effective_timeout_s(True), embedded.effective_concurrency(True)) == (600.0, 2)
    remote = ExtractorConfig(base_url="http://127.0.0.1:1/v1")
    assert remote.remote and (remote.effective_timeout_s(False), remote.effective_concurrency(False)) == (120.0, 8)
    assert ExtractorConfig(api_key="k").remote
    assert ExtractorConfig(timeout_s=5, concurrency=3).effective_concurrency(True) == 3


def test_config_is_frozen_and_refuses_unknown_fields() -> None:
    config = ExtractorConfig()
    with pytest.raises(ValueError):
        config.strategy = "baseline"  # type: ignore[misc]
    with pytest.raises(ConfigError, match="retries"):
        ExtractorConfig.build(retries=3)
    with pytest.raises(ConfigError, match="concurrency"):
        ExtractorConfig.build(concurrency=0)
    with pytest.raises(ConfigError, match="mode"):
        ExtractorConfig.build(mode="xml")


def test_from_env_reads_the_clis_variables_and_overrides_win() -> None:
    environ = {
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "OPENAI_API_KEY": KEY,
        "EXTRACTOR_MODEL": "env-model",
        "EXTRACTOR_CACHE_DIR": "/tmp/somewhere",
        "EXTRACTOR_STRATEGY": "baseline",  # not a variable the CLI reads: ignored
    }
    config = ExtractorConfig.from_env(environ, model="given", concurrency=None)
    assert config.base_url == "http://127.0.0.1:9/v1"
    assert config.secret() == KEY
    assert config.model == "given"
    assert config.cache_dir == Path("/tmp/somewhere")
    assert config.strategy == "guided" and config.concurrency is None
    assert not ExtractorConfig.from_env({"OPENAI_BASE_URL": "", "OPENAI_API_KEY": " "}).remote


def test_api_key_never_shows(caplog: pytest.LogCaptureFixture) -> None:
    config = ExtractorConfig(api_key=KEY, base_url="http://127.0.0.1:9/v1", strategy="baseline")
    ex = Extractor(config)
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("config %s, extractor %r", config, ex)
    for shown in (repr(config), str(config), config.model_dump_json(), repr(ex), caplog.text):
        assert KEY not in shown


# --- extracting ------------------------------------------------------------------------------------


def test_extract_a_string_and_the_same_article_read_from_its_file(sample: Path) -> None:
    (article,) = read_articles([sample])
    assert isinstance(article, Article)
    with Extractor(strategy="baseline") as ex:
        # A string is kept whole unless asked; asked, it is read as its .txt file is (header detected).
        from_text = ex.extract(sample.read_text(encoding="utf-8"), detect_header=True)
        from_file = ex.extract(article)
    assert from_text.status == from_file.status == "ok"
    assert from_text.claims == from_file.claims and len(from_text.claims) >= 3
    assert from_text.id.startswith("text-") and from_text.source == "<text>"
    assert (from_file.id, from_file.source) == (article.id, article.source)
    assert from_text.text_sha256 == from_file.text_sha256 and from_text.title == from_file.title
    for claim in from_text.claims:
        assert article.text[claim.evidence.start : claim.evidence.end] == claim.evidence.quote


def test_extract_takes_id_title_and_date(sample: Path) -> None:
    with Extractor(strategy="baseline") as ex:
        result = ex.extract(sample.read_text(encoding="utf-8"), id="a1", published=dt.date(2024, 1, 2), title="T")
    assert (result.id, result.published, result.title) == ("a1", dt.date(2024, 1, 2), "T")


def test_bad_input_is_an_error_result_not_an_exception() -> None:
    with Extractor(strategy="baseline", max_article_chars=50) as ex:
        empty = ex.extract("   \n")
        long = ex.extract("Peskov said that it rained. " * 10)
    assert (empty.status, empty.error) == ("error", "empty article (no text)")
    assert long.status == "error" and "over the limit of 50" in (long.error or "")


def test_a_value_that_is_no_article_is_an_input_error() -> None:
    with Extractor(strategy="baseline") as ex, pytest.raises(InputError, match="cannot extract from a bytes"):
        ex.extract(b"Peskov said so.")  # type: ignore[arg-type]


def test_unknown_strategy_fails_at_construction() -> None:
    with pytest.raises(ConfigError, match="unknown strategy 'nope'"):
        Extractor(strategy="nope")


def test_extract_many_gives_one_result_per_input(articles_dir: Path) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(articles_dir.glob("*.txt"))]
    read = [a for a in read_articles([articles_dir], detect_header=False) if isinstance(a, Article)]
    inputs: list[Any] = [*texts[:3], *read[3:]]
    inputs.append(ArticleFailure("broken", "broken.txt", "not UTF-8"))
    with Extractor(strategy="baseline") as ex:
        results = list(ex.extract_many(iter(inputs), concurrency=3))
        single = {r.text_sha256: r.claims for r in (ex.extract(t) for t in texts)}
    assert len(results) == len(inputs)
    by_id = {r.id: r for r in results}
    assert by_id["broken"].status == "error" and by_id["broken"].error == "not UTF-8"
    assert {r.text_sha256: r.claims for r in results if r.status == "ok"} == single


def test_aextract_equals_extract(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    with Extractor(strategy="baseline") as ex:
        awaited = asyncio.run(ex.aextract(text))
        direct = ex.extract(text)
    assert awaited.claims == direct.claims and awaited.id == direct.id


def test_one_shot_extract_reads_the_environment(sample: Path) -> None:
    result = extractor.extract(sample.read_text(encoding="utf-8"), strategy="baseline")
    assert isinstance(result, ArticleResult) and result.status == "ok" and result.claims


def test_remote_endpoint_result_is_remembered(sample: Path, tmp_path: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        settings = {"strategy": "whole_article", "base_url": endpoint.base_url, "api_key": KEY,
                    "cache_dir": tmp_path / "cache", "model": "fake-model"}
        with Extractor(**settings) as ex:
            first = ex.extract(text)
        with Extractor(**settings) as ex:
            second = ex.extract(text)
        asked, address = endpoint.requests, endpoint.base_url
        headers = list(endpoint.received_headers)
    assert first.status == "ok" and first.claims and first.usage.llm_calls == asked == 1
    assert (first.model, first.endpoint) == ("fake-model", address)
    assert second.claims == first.claims and second.usage.llm_calls == 0 and second.usage.cache_hits == 1
    assert any(h.get("authorization") == f"Bearer {KEY}" for h in headers), "the key reaches the endpoint"
    assert KEY not in first.model_dump_json()


def test_extract_many_stops_taking_articles_when_the_budget_is_spent(articles_dir: Path, tmp_path: Path) -> None:
    texts = [p.read_text(encoding="utf-8") + f"\nFiled by desk {k}.\n" for k, p in
             enumerate(sorted(articles_dir.glob("*.txt")) * 2)]
    with FakeEndpoint(respond=reporting_responder) as endpoint, Extractor(
        strategy="whole_article", base_url=endpoint.base_url, cache=False, token_budget=100, concurrency=1
    ) as ex:
        results = list(ex.extract_many(texts))
        assert ex.budget_exhausted
    assert 1 <= len(results) < len(texts)
    # Results come in finishing order, and articles that finished together come in any order
    # (``as_completed`` over a set): the article that spent the budget is one of them, not the first.
    assert any(r.status == "ok" for r in results), [r.error for r in results]
    assert all(r.status == "ok" or "budget" in (r.error or "") for r in results), [r.error for r in results]


# --- the embedded server: started on first use, stopped on close -------------------------------


class _StandInServer:
    """Plays ``LocalServer`` with an in-process FakeEndpoint; counts starts and stops. As ``LocalServer``'s,
    its address is known before it starts (the port is chosen up front)."""

    started: ClassVar[list[_StandInServer]] = []

    def __init__(self, model: str) -> None:
        self.model = model
        self.restarts = 0
        self.stopped = False
        self.port = free_port()
        self._endpoint = FakeEndpoint(respond=reporting_responder, port=self.port)

    def start(self) -> _StandInServer:
        self._endpoint.start()
        type(self).started.append(self)
        return self

    model_name = property(lambda self: self.model)
    base_url = property(lambda self: f"http://127.0.0.1:{self.port}/v1")
    endpoint_label = property(lambda self: f"embedded://{self.model}")

    def alive(self) -> bool:
        return not self.stopped

    def healthy(self) -> bool:
        return not self.stopped

    def ensure_running(self) -> bool:
        return False

    def stop(self) -> None:
        self.stopped = True
        self._endpoint.stop()


@pytest.fixture
def stand_in_server(monkeypatch: pytest.MonkeyPatch) -> type[_StandInServer]:
    _StandInServer.started = []
    monkeypatch.setattr("extractor.local_model.LocalServer", _StandInServer)
    return _StandInServer


def test_embedded_server_starts_on_first_use_and_stops_on_close(
    stand_in_server: type[_StandInServer], sample: Path, tmp_path: Path
) -> None:
    text = sample.read_text(encoding="utf-8")
    ex = Extractor(strategy="whole_article", cache_dir=tmp_path / "cache")
    assert ex.embedded and ex.concurrency == 2
    assert stand_in_server.started == [], "nothing starts before it is needed"
    first = ex.extract(text)
    second = ex.extract(text)
    (server,) = stand_in_server.started
    assert first.status == second.status == "ok"
    assert first.endpoint == "embedded://qwen2.5-coder-0.5b" and first.model == "qwen2.5-coder-0.5b"
    assert ex.server_base_url == server.base_url
    ex.close()
    assert server.stopped and ex.server_base_url is None


def test_context_exit_stops_the_server_and_baseline_never_starts_one(
    stand_in_server: type[_StandInServer], sample: Path
) -> None:
    with Extractor(strategy="whole_article", cache=False) as ex:
        ex.extract(sample.read_text(encoding="utf-8"))
    assert [s.stopped for s in stand_in_server.started] == [True]
    with Extractor(strategy="baseline") as ex:
        assert not ex.embedded
        ex.extract(sample.read_text(encoding="utf-8"))
    assert len(stand_in_server.started) == 1


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("breakage", ["raises", "none"])
def test_extract_many_yields_every_finished_result_before_the_inputs_error(
    articles_dir: Path, workers: int, breakage: str
) -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(articles_dir.glob("*.txt"))[:3]]

    def inputs() -> Any:
        for number, text in enumerate(texts):
            yield Article(id=f"a{number}", source=f"a{number}", text=text)
        if breakage == "none":
            yield None
        raise ValueError("the input broke")

    results: list[Any] = []
    expected = InputError if breakage == "none" else ValueError
    with Extractor(strategy="baseline", cache=False) as engine, pytest.raises(expected):
        for result in engine.extract_many(inputs(), concurrency=4, workers=workers):
            results.append(result)
    assert sorted(result.id for result in results) == ["a0", "a1", "a2"]
    assert all(result.status == "ok" for result in results)


@pytest.mark.parametrize("field", ["id", "title", "url", "source"])
def test_a_field_the_output_cannot_write_is_refused_with_an_input_error(field: str) -> None:
    text = "Bridge news.\nAnna Smith, the mayor, said on Monday that the bridge would reopen.\n"
    with Extractor(strategy="baseline", cache=False) as engine:
        with pytest.raises(InputError, match=f"{field} holds a lone surrogate"):
            engine.extract(text, **{field: "a\ud800"})
        with pytest.raises(InputError, match="text holds a lone surrogate"):
            engine.extract(text + "\udfff")
        written = engine.extract(text, **{field: "plain"})
    assert written.status == "ok" and json.loads(written.model_dump_json())[field] == "plain"


def test_an_article_the_output_cannot_write_is_an_error_line_that_can_be_written() -> None:
    text = "Bridge news.\nAnna Smith, the mayor, said on Monday that the bridge would reopen.\n"
    deep: dict[str, Any] = {"leaf": 1}
    for _ in range(300):
        deep = {"a": deep}
    # An Article's strings are checked by pydantic already; its meta (any JSON value) is not.
    articles = [
        Article(id="lone", source="s", text=text, meta={"k": ["a\ud800"]}),
        Article(id="deep", source="s", text=text, meta=deep),
        Article(id="fine", source="s", text=text),
    ]
    with Extractor(strategy="baseline", cache=False) as engine:
        results = {result.id: result for result in engine.extract_many(articles)}
    assert results["lone"].status == "error" and "meta holds a lone surrogate" in (results["lone"].error or "")
    assert results["deep"].status == "error" and "meta is nested deeper" in (results["deep"].error or "")
    assert results["fine"].status == "ok"
    for result in results.values():
        json.loads(result.model_dump_json())
