"""Regenerate the README's picture of the review page (``make screenshot``).

Extracts the five sample articles with the ``baseline`` strategy (no model; a
fresh cache in a temporary folder), writes the review page against the seed
gold with ``extractor review``, opens it in headless Chromium and saves a
screenshot of one article with a claim selected. Everything but the PNG is
written to a temporary folder.

    .venv/bin/python scripts/review_screenshot.py docs/review-seeds.png
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for support.browser, the one place that knows how to start Chromium

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch_chromium  # noqa: E402

ARTICLE = "000_4de6a718e1ebd4a2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="PNG file to write")
    parser.add_argument(
        "--articles", type=Path, default=Path("../shared/articles"), help="relative to the repository root"
    )
    args = parser.parse_args()
    extractor = str(Path(sys.executable).parent / "extractor")
    with tempfile.TemporaryDirectory(prefix="review-screenshot-") as folder:
        work = Path(folder)
        predictions, page_path = work / "predictions.jsonl", work / "review.html"
        extract = [extractor, "extract", str(args.articles), "-o", str(predictions), "--strategy", "baseline"]
        subprocess.run([*extract, "--cache-dir", str(work / "cache"), "--no-progress"], check=True, cwd=REPO)
        gold = REPO / "tests" / "gold" / "seeds.jsonl"
        title = "Claim review: sample articles against the seed gold"
        review = [extractor, "review", str(predictions), "--gold", str(gold), "-o", str(page_path), "--title", title]
        subprocess.run(review, check=True, cwd=REPO)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
            page.goto(page_path.as_uri())
            page.wait_for_selector("html[data-ready]")
            page.get_by_role("link", name=ARTICLE, exact=True).click()
            # A matched claim whose pair disagrees on a field shows the detail panel at its fullest.
            page.click("li.claim-item.match-matched >> nth=1")
            page.evaluate("window.scrollTo(0, 0)")
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
            browser.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
