"""Integration: really start the embedded llama-cpp-python server and extract from a short article."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.batch import BatchRunner
from extractor.cache import ResponseCache
from extractor.grounding import mentioned_in
from extractor.llm import LLM, LLMSettings
from extractor.local_model import DEFAULT_LOCAL_MODEL, LocalServer
from extractor.pipeline import Pipeline
from extractor.records import Article, ArticleResult
from extractor.strategies import DEFAULT_STRATEGY, get_strategy

SHORT_ARTICLE = (
    "Kremlin rejects report\n\n"
    "Kremlin spokesman Dmitry Peskov said on Tuesday that there had been no contact with Washington. "
    '"We are not negotiating," Peskov told reporters. '
    "Some said that the offer was still open."
)


@pytest.mark.local_server
def test_embedded_server_extracts_grounded_claims(tmp_path: Path) -> None:
    article = Article(
        id="short", text=SHORT_ARTICLE, source="inline", body_start=SHORT_ARTICLE.index("Kremlin spokesman")
    )
    with LocalServer(DEFAULT_LOCAL_MODEL) as server:
        assert server.healthy()
        llm = LLM(LLMSettings(model=server.model_name, base_url=server.base_url), cache=ResponseCache(tmp_path / "c"))
        runner = BatchRunner(Pipeline(get_strategy(DEFAULT_STRATEGY), llm, local_server=server), show_progress=False)
        summary = runner.run([article], tmp_path / "out.jsonl")
        llm.close()
    (line,) = [ArticleResult.model_validate_json(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert line.status == "ok", line.error
    assert line.claims, "expected at least one claim from an explicit attribution"
    for claim in line.claims:
        assert SHORT_ARTICLE[claim.evidence.start : claim.evidence.end] == claim.evidence.quote
        assert mentioned_in(claim.claimant.name, SHORT_ARTICLE)
    assert any("Peskov" in claim.claimant.name for claim in line.claims)
    # The unnamed "Some said …" speaker went to the model: the server really answered.
    assert line.usage.llm_calls == 1 and line.usage.completion_tokens > 0
    assert summary.errors == 0
    assert not server.alive(), "the server must stop when the context exits"


def _flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_server_context_leaves_room_for_reasks_within_what_the_model_supports(tmp_path: Path) -> None:
    from extractor.local_model import EMBEDDED_CONTEXT_TOKENS, MODELS

    for name, spec in MODELS.items():
        command = LocalServer(name, port=41003).command(tmp_path / spec.filename)
        assert int(_flag(command, "--n_ctx")) == min(spec.context_tokens, EMBEDDED_CONTEXT_TOKENS)
    assert int(_flag(LocalServer(DEFAULT_LOCAL_MODEL, port=41003).command(tmp_path / "m.gguf"), "--n_ctx")) >= 16384
    assert _flag(LocalServer("smollm2-135m", port=41003, n_ctx=4096).command(tmp_path / "m.gguf"), "--n_ctx") == "4096"


@pytest.mark.local_server
def test_extractor_starts_the_embedded_server_on_first_use_and_stops_it_on_close(tmp_path: Path) -> None:
    from extractor import Extractor

    with Extractor(strategy="guided", cache_dir=tmp_path / "cache") as ex:
        assert ex.embedded and ex.server_base_url is None, "nothing starts before it is needed"
        result = ex.extract(SHORT_ARTICLE, id="short")
        server = ex._server
        assert server is not None and server.alive()
    assert not server.alive(), "close() stops the server"
    assert result.status == "ok", result.error
    assert result.endpoint == server.endpoint_label and result.model == DEFAULT_LOCAL_MODEL
    assert result.usage.llm_calls == 1 and any("Peskov" in claim.claimant.name for claim in result.claims)
