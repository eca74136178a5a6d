"""The service's API pages work offline: /docs (Swagger UI) and /redoc in headless Chromium, no CDN.

FastAPI's own pages load their scripts from a CDN, so offline they were blank. The
app now serves the bundled assets itself (fastapi-offline); here a real server runs,
and Chromium, with every request off the server aborted, must render its operations.
If Chromium is missing the test fails (support/browser.py), it never skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.service_helpers import ServerProcess

expect.set_options(timeout=20_000)  # the machine is shared


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with ServerProcess(tmp_path_factory.mktemp("docs"), "--strategy", "baseline") as running:
        yield running


@pytest.mark.parametrize(("path", "operation"), [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")])
def test_the_api_pages_render_their_operations_offline(
    browser: Browser, server: ServerProcess, path: str, operation: str
) -> None:
    page = browser.new_page()
    elsewhere: list[tuple[str, str]] = []

    def only_the_server(route: Route) -> None:
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:  # what a machine without a network would get
            elsewhere.append((route.request.resource_type, route.request.url))
            route.abort()

    page.route("**/*", only_the_server)
    page.goto(server.base_url + path)
    expect(page.locator(operation).first).to_be_visible()
    shown = page.locator("body").inner_text()
    for route in ("/v1/extract", "/v1/jobs", "/v1/eval"):
        assert route in shown, f"{route} not on {path}"
    # Everything the page needs (document, scripts, styles, the schema) came from the app; ReDoc's
    # "powered by" logo alone points at its CDN, an image the page renders without.
    assert [(kind, url) for kind, url in elsewhere if kind != "image"] == []
    page.close()


def test_the_docs_assets_come_from_the_app(tmp_path: Path, server: ServerProcess) -> None:
    page = server.client().get("/docs").text
    assert "cdn.jsdelivr.net" not in page and "unpkg.com" not in page
    assert "/static-offline-docs/" in page
