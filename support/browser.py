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

from playwright.sync_api import Browser, Page, Playwright

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


# The annotation page's walk-through (tests/test_annotate_browser.py, scripts/annotate_screenshot.py):
# a sample article, and a sentence of it no baseline claim covers, which the annotator adds.
ARTICLE = "000_4de6a718e1ebd4a2"
MISSED = "last spoke almost two weeks before the launch of the Russian offensive"


def select_with_mouse(page: Page, text: str, quote: str) -> None:
    """Drag the mouse over ``quote`` in the article's base text layer, from its first to its last character."""
    start16 = len(text[: text.index(quote)].encode("utf-16-le")) // 2
    end16 = start16 + len(quote.encode("utf-16-le")) // 2
    rects = page.evaluate(
        """([start, end]) => {
          const base = document.querySelector("#text-stack .layer.base");
          const walker = document.createTreeWalker(base, NodeFilter.SHOW_TEXT);
          const nodes = [];
          let seen = 0;
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            nodes.push([node, seen]);
            seen += node.data.length;
          }
          const at = (pos) => {
            const [node, first] = nodes.filter(([, first]) => first <= pos).pop();
            return [node, pos - first];
          };
          const charRect = (pos) => {
            const [node, offset] = at(pos);
            const range = document.createRange();
            range.setStart(node, offset);
            range.setEnd(node, offset + 1);
            return range.getClientRects()[0];
          };
          at(start)[0].parentElement.scrollIntoView({ block: "center" });
          const first = charRect(start), last = charRect(end - 1);
          const middle = (rect) => rect.top + rect.height / 2;
          return { x0: first.left + 1, y0: middle(first), x1: last.right - 1, y1: middle(last) };
        }""",
        [start16, end16],
    )
    page.mouse.move(rects["x0"], rects["y0"])
    page.mouse.down()
    page.mouse.move((rects["x0"] + rects["x1"]) / 2, rects["y1"], steps=5)
    page.mouse.move(rects["x1"], rects["y1"], steps=5)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == quote
