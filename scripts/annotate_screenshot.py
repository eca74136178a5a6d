"""Regenerate the README's picture of the annotation page (``make screenshot``).

Extracts the five sample articles with the ``baseline`` strategy (no model; a fresh cache in a
temporary folder), writes the page with ``extractor review --annotate``, opens it in headless
Chromium and makes the decisions the README describes on one article: a claim rejected, a missed
claim added by selecting its words with the mouse, and the edit form open on another claim.
Everything but the PNG is written to a temporary folder.

    .venv/bin/python scripts/annotate_screenshot.py docs/annotate.png
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for support.browser and the mouse-selection helper of the browser tests

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import (  # noqa: E402
    ARTICLE,
    MISSED,
    launch_chromium,
    select_with_mouse,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="PNG file to write")
    parser.add_argument(
        "--articles", type=Path, default=Path("../shared/articles"), help="relative to the repository root"
    )
    args = parser.parse_args()
    extractor = str(Path(sys.executable).parent / "extractor")
    with tempfile.TemporaryDirectory(prefix="annotate-screenshot-") as folder:
        work = Path(folder)
        predictions, page_path = work / "predictions.jsonl", work / "annotate.html"
        extract = [extractor, "extract", str(args.articles), "-o", str(predictions), "--strategy", "baseline"]
        subprocess.run([*extract, "--cache-dir", str(work / "cache"), "--no-progress"], check=True, cwd=REPO)
        title = "Claim annotation: sample articles"
        review = [extractor, "review", str(predictions), "--annotate", "-o", str(page_path), "--title", title]
        subprocess.run(review, check=True, cwd=REPO)
        text = (REPO / args.articles / f"{ARTICLE}.txt").read_text(encoding="utf-8")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            page.goto(page_path.as_uri())
            page.wait_for_selector("html[data-ready]")
            page.click(f"td.col-id a:has-text('{ARTICLE}')")
            page.click('li.claim-item[data-claim="p0"]')
            page.keyboard.press("r")
            page.keyboard.press("a")
            select_with_mouse(page, text, MISSED)
            page.keyboard.press("c")
            page.keyboard.press("Enter")
            page.click('li.claim-item[data-claim="p2"]')
            page.keyboard.press("e")
            # The side pane scrolls on its own: bring the edit form into it, then the page to its top.
            page.evaluate("document.getElementById('detail').scrollIntoView({ block: 'end' })")
            page.evaluate("window.scrollTo(0, 0)")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
