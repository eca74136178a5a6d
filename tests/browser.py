"""A real headless Chromium for the page tests and the screenshot script, driven by Playwright.

The browser is Debian's ``chromium`` (``scripts/install-chromium.sh`` installs it;
``make test`` runs that script), launched through Playwright with its executable
path, since Playwright's own browser download is not reachable here. The flags
keep it from reaching for the network on its own (updates, sync, field trials),
so that any request a test sees comes from the page; Playwright gives every
launch a fresh, empty profile folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


class ChromiumMissing(RuntimeError):
    """No Chromium executable: the browser tests cannot run, and must say so rather than skip."""


def chromium_path() -> Path:
    """The Chromium executable: $EXTRACTOR_CHROMIUM, else ``chromium`` on PATH."""
    configured = os.environ.get("EXTRACTOR_CHROMIUM")
    found = configured or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        raise ChromiumMissing(
            "Chromium not found: the review page is tested in a real browser. Install it with "
            "`bash scripts/install-chromium.sh` (apt-get install chromium; `make test` does this as root) "
            "or point EXTRACTOR_CHROMIUM at a Chromium executable."
        )
    return Path(found)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_FLAGS)
