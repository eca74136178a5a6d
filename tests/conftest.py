"""Shared fixtures: paths to the sample material, and a model client that records or replays cassettes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from extractor.cache import ResponseCache
from extractor.llm import LLM, LLMSettings
from extractor.local_model import DEFAULT_LOCAL_MODEL, LocalServer
from tests.cassettes import (
    RECORDING_BASE_URL,
    RECORDING_PORT,
    SECRET_HEADERS,
    ReadableJsonSerializer,
    request_body_changed__rerecord_cassettes_with_make_record,
    scrub_response,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTICLES = SHARED / "articles"
POLNEAR = SHARED / "polnear"


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    if not ARTICLES.is_dir():
        pytest.fail(f"sample articles not found at {ARTICLES}: CI needs ../shared beside the checkout")
    return ARTICLES


def pytest_recording_configure(config: pytest.Config, vcr: object) -> None:
    vcr.register_matcher("json_body", request_body_changed__rerecord_cassettes_with_make_record)  # type: ignore[attr-defined]
    vcr.register_serializer("yaml", ReadableJsonSerializer)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return {
        "filter_headers": list(SECRET_HEADERS),
        "before_record_response": scrub_response,
        "match_on": ["method", "path", "json_body"],
        "serializer": "yaml",
        "decode_compressed_response": True,
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(REPO / "cassettes" / request.module.__name__.split(".")[-1])


def recording(config: pytest.Config) -> bool:
    return config.getoption("--record-mode") not in (None, "none")


@pytest.fixture(scope="session")
def recording_server(request: pytest.FixtureRequest) -> Iterator[LocalServer | None]:
    """When recording, the real embedded server on the fixed cassette port; when replaying, nothing."""
    if not recording(request.config):
        yield None
        return
    with LocalServer(DEFAULT_LOCAL_MODEL, port=RECORDING_PORT) as server:
        yield server


@pytest.fixture
def recorded_llm(
    vcr: object, recording_server: LocalServer | None, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[LLM]:
    """An LLM on the cassette address with a fresh cache; fails the test if recorded calls went unused."""
    settings = LLMSettings(
        model=DEFAULT_LOCAL_MODEL, base_url=RECORDING_BASE_URL, max_transport_retries=0, max_reasks=1, timeout_s=900
    )
    llm = LLM(settings, cache=ResponseCache(tmp_path / "cache"))
    yield llm
    llm.close()
    if not recording(request.config):
        unused = len(vcr.data) - vcr.play_count  # type: ignore[attr-defined]
        assert unused == 0, f"{unused} recorded interaction(s) were not replayed: re-record with `make record`"


@pytest.fixture(scope="session")
def baseline_seed_predictions(articles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Predictions for the five sample articles from `extractor extract --strategy baseline` (no model)."""
    from typer.testing import CliRunner

    from extractor.cli import app

    folder = tmp_path_factory.mktemp("baseline-seeds")
    output = folder / "predictions.jsonl"
    arguments = ["extract", str(articles_dir), "-o", str(output), "--strategy", "baseline"]
    result = CliRunner().invoke(app, [*arguments, "--cache-dir", str(folder / "cache")])
    assert result.exit_code == 0, result.output
    return output


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (Debian's, driven by Playwright), one per test module that asks for it."""
    from playwright.sync_api import sync_playwright

    from support.browser import ChromiumMissing, launch_chromium

    with sync_playwright() as playwright:
        try:
            launched = launch_chromium(playwright)
        except ChromiumMissing as exc:
            pytest.fail(str(exc))
        yield launched
        launched.close()
