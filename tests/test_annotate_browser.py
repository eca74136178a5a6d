"""Annotate mode in a real browser (headless Chromium via Playwright, as tests/test_review_browser.py).

An annotator opens the page of the sample articles, rejects a claim, edits a claimant, adds a
missed claim by selecting its words with the mouse, reloads (the work is still there), marks the
article done and exports. The download must pass `extractor gold validate`, and scoring the
original predictions against it must give exactly the matched / missed / spurious counts those
decisions imply. Hostile article text and answers stay text in the annotation controls, and a
selection after an astral character is exported in code points, not UTF-16 units.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from typer.testing import CliRunner

from extractor.articles import sha256_text
from extractor.cli import app
from extractor.records import ArticleResult, AttributionKind, Claim, Claimant, Evidence, Stance
from support.browser import ARTICLE, MISSED, select_with_mouse
from tests.test_review_browser import Opened, open_page

expect.set_options(timeout=15_000)
runner = CliRunner()


def decisions(page: Page) -> dict[str, str]:
    found = page.eval_on_selector_all(
        "li.claim-item", "els => els.map(e => [e.dataset.claim, e.dataset.decision])"
    )
    return dict(found)


def open_annotation(browser: Browser, path: Path, index: int) -> Opened:
    opened = open_page(browser, path)
    opened.page.goto(f"{path.as_uri()}#/a/{index}")
    opened.page.wait_for_selector("li.claim-item")
    return opened


def test_annotate_reject_edit_add_reload_export_then_validate_and_eval(
    browser: Browser, baseline_seed_predictions: Path, tmp_path: Path
) -> None:
    lines = [ArticleResult.model_validate_json(line) for line in baseline_seed_predictions.read_text().splitlines()]
    index = next(i for i, line in enumerate(lines) if ARTICLE in line.id)
    article = lines[index]
    text = Path(article.source).read_text(encoding="utf-8")
    start = text.index(MISSED)
    assert all(c.evidence.end <= start or c.evidence.start >= start + len(MISSED) for c in article.claims)
    predicted_total = sum(len(line.claims) for line in lines)

    page_path = tmp_path / "annotate.html"
    result = runner.invoke(app, ["review", str(baseline_seed_predictions), "--annotate", "-o", str(page_path)])
    assert result.exit_code == 0, result.output
    assert "5 of 5 articles can be exported" in result.output

    opened = open_annotation(browser, page_path, index)
    page = opened.page
    expect(page.locator("#progress")).to_have_text("0 of 5 articles done")
    first, second = (f"p{i}" for i in range(2))
    page.click(f'li.claim-item[data-claim="{first}"]')
    page.keyboard.press("r")  # reject: the selection moves on to the next claim
    expect(page.locator(f'li.claim-item[data-claim="{first}"]')).to_have_attribute("data-decision", "rejected")
    expect(page.locator(f'li.claim-item[data-claim="{second}"][aria-current]')).to_have_count(1)
    page.keyboard.press("e")
    page.fill("#edit-claimant", "Someone Else")
    page.keyboard.press("Enter")
    expect(page.locator(f'li.claim-item[data-claim="{second}"] .claimant')).to_have_text("Someone Else")

    select_with_mouse(page, text, MISSED)
    page.keyboard.press("c")
    expect(page.locator("#edit-claimant")).to_have_value("Joe Biden")  # the nearest speaker mention
    page.keyboard.press("Enter")
    added = page.locator('li.claim-item[data-decision="added"]')
    expect(added).to_have_count(1)
    assert MISSED in added.inner_text()
    assert page.text_content('mark.hl.decision-added') == MISSED

    before = decisions(page)
    page.reload()
    page.wait_for_selector("html[data-ready]")
    page.goto(f"{page_path.as_uri()}#/a/{index}")
    page.wait_for_selector("li.claim-item")
    assert decisions(page) == before, "the work survives a reload"
    page.keyboard.press("d")
    expect(page.locator("#progress")).to_have_text("1 of 5 articles done")

    with page.expect_download() as download:
        page.click("#export")
    gold_path = tmp_path / "gold.jsonl"
    download.value.save_as(gold_path)
    assert opened.problems == []
    assert all(url == page_path.as_uri() or url.startswith("blob:") for url in opened.requests)

    validated = runner.invoke(app, ["gold", "validate", str(gold_path)])
    assert validated.exit_code == 0, validated.output
    assert f"5 articles, {predicted_total} claims" in validated.output  # one rejected, one added
    exported = {json.loads(line)["id"]: json.loads(line) for line in gold_path.read_text().splitlines()}
    assert exported[article.id]["reviewed"] is True
    assert sum(not line["reviewed"] for line in exported.values()) == 4
    added_claim = next(c for c in exported[article.id]["claims"] if c["evidence"]["quote"] == MISSED)
    assert (added_claim["evidence"]["start"], added_claim["evidence"]["end"]) == (start, start + len(MISSED))
    assert added_claim["claimant"]["name"] == "Joe Biden"

    report_dir = tmp_path / "eval"
    arguments = ["eval", "--gold", str(gold_path), "--pred", str(baseline_seed_predictions)]
    scored = runner.invoke(app, [*arguments, "--report-dir", str(report_dir)])
    assert scored.exit_code == 0, scored.output
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    counts = (report["counts"]["matched"], len(report["misses"]), len(report["spurious"]))
    assert counts == (predicted_total - 1, 1, 1)
    assert [m["quote"] for m in report["misses"]] == [MISSED]
    assert [s["index"] for s in report["spurious"]] == [0] and report["spurious"][0]["article_id"] == article.id
    claimant_disagreements = [d for d in report["disagreements"] if d["field"] == "claimant"]
    assert [(d["gold"], d["predicted"]) for d in claimant_disagreements] == [
        ("Someone Else", article.claims[1].claimant.name)
    ]


HOSTILE = (
    'Officials said "<script>window.__pwned = 1</script>" was harmless. '
    '😀 The mayor said that </mark><img src=x onerror="window.__pwned = 2"> ended. '
    "She denied that 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 taxes would rise.\n"
)


def test_hostile_text_stays_inert_and_a_selection_after_astral_characters_exports_code_points(
    browser: Browser, tmp_path: Path
) -> None:
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    quote = '</mark><img src=x onerror="window.__pwned = 2">'
    start = HOSTILE.index(quote)
    claim = Claim(
        claimant=Claimant(name='<b onmouseover="window.__pwned = 4">Evil</b>', role="</textarea>"),
        stance=Stance.ASSERTS,
        claim="</textarea><script>window.__pwned = 5</script>",
        evidence=Evidence(quote=quote, start=start, end=start + len(quote)),
        attribution=AttributionKind.REPORTED,
    )
    line = ArticleResult(
        id="hostile", source=str(source), status="ok", claims=[claim], strategy="baseline",
        text_sha256=sha256_text(HOSTILE),
    )
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(line.model_dump_json() + "\n", encoding="utf-8")
    page_path = tmp_path / "annotate.html"
    result = runner.invoke(app, ["review", str(predictions), "--annotate", "-o", str(page_path)])
    assert result.exit_code == 0, result.output

    opened = open_annotation(browser, page_path, 0)
    page = opened.page
    page.click('li.claim-item[data-claim="p0"]')
    page.keyboard.press("e")
    assert page.input_value("#edit-claimant") == claim.claimant.name
    assert page.input_value("#edit-role") == "</textarea>"
    assert page.input_value("#edit-claim") == claim.claim
    page.keyboard.press("Escape")
    expect(page.locator("#edit-form")).to_have_count(0)

    missed = "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 taxes would rise"  # after two astral characters and seven more
    select_with_mouse(page, HOSTILE, missed)
    page.click("#add-claim")
    page.fill("#edit-claimant", '<img src=x onerror="window.__pwned = 6">')
    page.keyboard.press("Enter")
    expect(page.locator('li.claim-item[data-decision="added"]')).to_have_count(1)

    assert page.evaluate("window.__pwned") is None, "a script from the data ran"
    injected = page.evaluate("document.querySelectorAll('img, svg, b, iframe, object, textarea').length")
    assert injected == 0, "markup from the data became elements"
    with page.expect_download() as download:
        page.click("#export")
    gold_path = tmp_path / "gold.jsonl"
    download.value.save_as(gold_path)
    validated = runner.invoke(app, ["gold", "validate", str(gold_path)])
    assert validated.exit_code == 0, validated.output
    claims = json.loads(gold_path.read_text(encoding="utf-8"))["claims"]
    added = next(c for c in claims if c["evidence"]["quote"] == missed)
    begin = HOSTILE.index(missed)  # code points: Python's own index
    assert (added["evidence"]["start"], added["evidence"]["end"]) == (begin, begin + len(missed))
    assert added["claimant"]["name"] == '<img src=x onerror="window.__pwned = 6">'
    assert opened.problems == []


def test_continuing_from_an_earlier_gold_starts_from_its_decisions(
    browser: Browser, baseline_seed_predictions: Path, tmp_path: Path
) -> None:
    # An earlier export: the first claim rejected (absent), the second with another claimant, one claim added.
    draft = tmp_path / "draft.jsonl"
    result = runner.invoke(app, ["gold", "from-predictions", str(baseline_seed_predictions), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in draft.read_text(encoding="utf-8").splitlines()]
    line = next(item for item in lines if ARTICLE in item["id"])
    text = (tmp_path / line["source"]).read_text(encoding="utf-8")
    line["claims"][1]["claimant"]["name"] = "Someone Else"
    start = text.index(MISSED)
    evidence = {"quote": MISSED, "start": start, "end": start + len(MISSED)}
    added = {**line["claims"][0], "claim": MISSED, "evidence": evidence}
    line["claims"] = [*line["claims"][1:], added]
    line["reviewed"] = True
    draft.write_text("".join(json.dumps(item) + "\n" for item in lines), encoding="utf-8")

    page_path = tmp_path / "annotate.html"
    arguments = ["review", str(baseline_seed_predictions), "--annotate", "--gold", str(draft), "-o", str(page_path)]
    assert runner.invoke(app, arguments).exit_code == 0
    index = [json.loads(item)["id"] for item in baseline_seed_predictions.read_text().splitlines()].index(line["id"])
    opened = open_annotation(browser, page_path, index)
    page = opened.page
    found = decisions(page)
    assert found["p0"] == "rejected" and found["p1"] == "edited"
    assert {found[f"p{i}"] for i in range(2, len(line["claims"]))} == {"accepted"}
    assert list(found.values()).count("added") == 1
    expect(page.locator("#article-done")).to_be_checked()
    expect(page.locator("#progress")).to_have_text("1 of 5 articles done")
    assert opened.problems == []


def test_the_diff_page_names_run_a_and_run_b(browser: Browser, tmp_path: Path) -> None:
    from tests.test_diff import planted

    run_a, run_b, _ = planted(tmp_path)
    page_path = tmp_path / "diff.html"
    result = runner.invoke(app, ["diff", str(run_a), str(run_b), "--format", "html", "-o", str(page_path)])
    assert result.exit_code == 0, result.output
    opened = open_page(browser, page_path)
    page = opened.page
    headers = page.eval_on_selector_all("table.index th", "els => els.map(e => e.textContent.trim())")
    assert {"A", "B", "same span", "only in A", "only in B"} <= set(headers)
    page.click("td.col-id a >> nth=0")
    page.wait_for_selector("li.claim-item")
    badges = page.eval_on_selector_all("li.claim-item .badge.match-missed", "els => els.map(e => e.textContent)")
    assert badges == ["only in A"]
    page.click('li.claim-item.match-matched:has-text("denies")')
    assert "stance" in page.inner_text("#detail") and "Run A's claim on the same span" in page.inner_text("#detail")
    assert opened.problems == []
