"""The review page in a real browser: headless Chromium (Debian's) driven by Playwright.

Each test writes a page with the real command, opens the file, and checks what a
reader would see: every claim highlighted exactly where its offsets say, filters,
clicks and keys, no network request but the file itself, hostile text shown as
text with nothing run, and the eval report's missed and spurious claims. If
Chromium is missing the tests fail (see support/browser.py), they never skip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from typer.testing import CliRunner

from extractor.articles import sha256_text
from extractor.cli import app
from extractor.records import ArticleResult, AttributionKind, Claim, Claimant, Evidence, Stance

REPO = Path(__file__).resolve().parent.parent
SEED_GOLD = REPO / "tests" / "gold" / "seeds.jsonl"
expect.set_options(timeout=15_000)  # the machine is shared: give auto-retrying assertions room
MARKS = (
    "els => els.map(e => ({id: e.dataset.claim, start: Number(e.dataset.start), end: Number(e.dataset.end),"
    " text: e.textContent, classes: [...e.classList]}))"
)


@dataclass
class Opened:
    page: Page
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def open_page(browser: Browser, path: Path, viewport: tuple[int, int] = (1400, 900)) -> Opened:
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    opened = Opened(page)
    page.on("request", lambda request: opened.requests.append(request.url))
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            opened.problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.goto(path.as_uri())
    page.wait_for_selector("html[data-ready]", timeout=15_000)
    return opened


def review(arguments: list[str]) -> None:
    result = CliRunner().invoke(app, ["review", *arguments])
    assert result.exit_code == 0, result.output


def read_lines(path: Path) -> list[ArticleResult]:
    return [ArticleResult.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]


def open_article(page: Page, article_id: str) -> None:
    if page.is_visible("#back"):
        page.click("#back")
    page.get_by_role("link", name=article_id, exact=True).click()
    page.wait_for_selector("#article-id")
    assert page.inner_text("#article-id") == article_id


def test_every_claim_is_highlighted_where_its_offsets_say(
    browser: Browser, baseline_seed_predictions: Path, tmp_path: Path
) -> None:
    page_path = tmp_path / "review.html"
    review([str(baseline_seed_predictions), "-o", str(page_path)])
    opened = open_page(browser, page_path)
    page = opened.page
    lines = read_lines(baseline_seed_predictions)
    assert len(lines) == 5 and sum(len(line.claims) for line in lines) > 20
    assert page.locator("tr.row").count() == 5

    for line in lines:
        text = Path(line.source).read_bytes().decode("utf-8")  # read independently of the page's code
        assert sha256_text(text) == line.text_sha256
        open_article(page, line.id)
        assert page.text_content(".layer.base") == text, "the article is shown whole, unchanged"
        marks = {mark["id"]: mark for mark in page.eval_on_selector_all("mark.hl[data-start]", MARKS)}
        assert set(marks) == {f"p{i}" for i in range(len(line.claims))}
        for index, claim in enumerate(line.claims):
            mark = marks[f"p{index}"]
            assert (mark["start"], mark["end"]) == (claim.evidence.start, claim.evidence.end)
            assert mark["text"] == text[claim.evidence.start : claim.evidence.end] == claim.evidence.quote

    page.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    assert (tmp_path / "review.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert opened.requests == [page_path.as_uri()], "nothing but the file itself is fetched"
    assert opened.problems == []


def test_filters_claim_clicks_and_keys(browser: Browser, baseline_seed_predictions: Path, tmp_path: Path) -> None:
    page_path = tmp_path / "review.html"
    review([str(baseline_seed_predictions), "-o", str(page_path)])
    opened = open_page(browser, page_path)
    page = opened.page
    lines = read_lines(baseline_seed_predictions)
    line = max(lines, key=lambda item: sum(c.stance == Stance.DENIES for c in item.claims))
    denies = {f"p{i}" for i, c in enumerate(line.claims) if c.stance == Stance.DENIES}
    assert denies and len(denies) < len(line.claims)
    open_article(page, line.id)

    # A filter: only denials stay listed and highlighted.
    page.select_option("#f-stance", "denies")
    listed = page.eval_on_selector_all("li.claim-item:not([hidden])", "els => els.map(e => e.dataset.claim)")
    assert set(listed) == denies
    lit = page.eval_on_selector_all("mark.hl:not(.off)", "els => els.map(e => e.dataset.claim)")
    assert set(lit) == denies

    # The claimant filter keeps one claimant's claims.
    page.select_option("#f-stance", "")
    name = line.claims[0].claimant.name
    page.fill("#f-claimant", name)
    listed = page.eval_on_selector_all("li.claim-item:not([hidden])", "els => els.map(e => e.dataset.claim)")
    assert set(listed) == {f"p{i}" for i, c in enumerate(line.claims) if name.lower() in c.claimant.name.lower()}
    page.fill("#f-claimant", "")
    page.select_option("#f-stance", "denies")

    # A click on a claim in the list selects its highlight and shows its fields.
    first = sorted(denies, key=lambda cid: line.claims[int(cid[1:])].evidence.start)[0]
    page.click(f'li.claim-item[data-claim="{first}"]')
    assert page.get_attribute(f'mark[data-claim="{first}"]', "class").split().count("selected") == 1
    claim = line.claims[int(first[1:])]
    assert claim.claimant.name in page.inner_text("#detail") and claim.claim in page.inner_text("#detail")
    assert page.evaluate("location.hash").endswith(f"/c/{first}")

    # Keys: j moves to the next listed claim.
    page.keyboard.press("j")
    selected = page.get_attribute("li.claim-item[aria-current]", "data-claim")
    assert selected in denies and (selected != first or len(denies) == 1)

    # A click on a highlight in the text selects that claim.
    page.select_option("#f-stance", "")
    target = sorted(line.claims, key=lambda c: c.evidence.start)[-1]
    target_id = f"p{line.claims.index(target)}"
    page.evaluate(
        "id => document.querySelector(`mark[data-claim=\"${id}\"]`).scrollIntoView({block: 'center'})", target_id
    )
    box = page.evaluate(
        'id => { const r = document.querySelector(`mark[data-claim="${id}"]`).getClientRects()[0];'
        " return {x: r.left + Math.min(8, r.width / 2), y: r.top + r.height / 2}; }",
        target_id,
    )
    page.mouse.click(box["x"], box["y"])
    assert page.get_attribute("li.claim-item[aria-current]", "data-claim") == target_id
    assert page.get_attribute(f'mark[data-claim="{target_id}"]', "title").startswith(target.claimant.name)

    # Back to the index: the search box narrows the articles; n opens the next article.
    page.keyboard.press("Escape")
    page.wait_for_selector("#index-table")
    query = line.claims[-1].evidence.quote[:40]
    expected = [
        item.id
        for item in lines
        if any(query.lower() in f"{c.claimant.name}\n{c.claim}\n{c.evidence.quote}".lower() for c in item.claims)
    ]
    assert line.id in expected and len(expected) < len(lines)
    page.fill("#f-search", query)
    count = f"Showing {len(expected)} of {len(expected)} matching articles ({len(lines)} in all)."
    expect(page.locator("#index-count")).to_have_text(count)
    assert page.eval_on_selector_all("tr.row td.col-id", "els => els.map(e => e.textContent)") == expected
    page.click("#f-clear")
    expect(page.locator("tr.row")).to_have_count(len(lines))
    first_id = page.inner_text("tr.row >> nth=0 >> td.col-id")
    page.click("tr.row >> nth=0")
    expect(page.locator("#article-id")).to_have_text(first_id)
    page.keyboard.press("n")
    expect(page.locator("#article-id")).not_to_have_text(first_id)
    assert page.inner_text("#article-id") == page.evaluate(
        "JSON.parse(document.getElementById('review-data').textContent).articles[1].id"
    )
    assert opened.requests == [page_path.as_uri()]
    assert opened.problems == []


HOSTILE_TEXT = (
    "City hall\n\n"
    'Officials said "<script>window.__pwned = 1; document.title = "pwned"</script>" was harmless. '
    '😀 The mayor said that </mark><img src=x onerror="window.__pwned = 2"> {{ 7*7 }} & "quotes" were fine. '
    "She denied that <!-- --> </script><script>window.__pwned = 3</script> ever mattered.\n"
)


def hostile_claim(quote: str, stance: Stance) -> Claim:
    start = HOSTILE_TEXT.index(quote)
    return Claim(
        claimant=Claimant(name='<b onmouseover="window.__pwned = 4">Evil</b> "{{ name }}"', role="</mark>"),
        stance=stance,
        claim="</textarea><script>window.__pwned = 5</script>{{ 6*6 }}",
        evidence=Evidence(quote=quote, start=start, end=start + len(quote)),
        attribution=AttributionKind.REPORTED,
        cue='<svg onload="window.__pwned = 6">',
    )


def test_hostile_text_and_answers_show_as_text_and_run_nothing(browser: Browser, tmp_path: Path) -> None:
    articles = tmp_path / "hostile.jsonl"
    record = {"id": 'x"><script>window.__pwned = 7</script>', "text": HOSTILE_TEXT}
    articles.write_text(json.dumps(record) + "\n", encoding="utf-8")
    claims = [
        hostile_claim('"<script>window.__pwned = 1; document.title = "pwned"</script>"', Stance.ASSERTS),
        # Crossing spans around an astral character: each still one element holding exactly its quote.
        hostile_claim('😀 The mayor said that </mark><img src=x onerror="window.__pwned = 2">', Stance.ASSERTS),
        hostile_claim('<img src=x onerror="window.__pwned = 2"> {{ 7*7 }} & "quotes" were fine', Stance.ASSERTS),
        hostile_claim("<!-- --> </script><script>window.__pwned = 3</script>", Stance.DENIES),
    ]
    good = ArticleResult(
        id=record["id"],
        source=f"{articles}:1",
        status="ok",
        claims=claims,
        strategy="baseline",
        title="</title><script>window.__pwned = 8</script>",
        text_sha256=sha256_text(HOSTILE_TEXT),
    )
    failed = ArticleResult(
        id="<i>broken</i>",
        source="<img src=x onerror=window.__pwned=9>",
        status="error",
        error='<img src=x onerror="window.__pwned = 9"> --> </script>',
        strategy="baseline",
    )
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(good.model_dump_json() + "\n" + failed.model_dump_json() + "\n", encoding="utf-8")
    title = "<script>window.__pwned = 10</script>{{ 1+1 }}</title>"
    page_path = tmp_path / "review.html"
    review([str(predictions), "-o", str(page_path), "--title", title])

    opened = open_page(browser, page_path)
    page = opened.page
    assert page.title() == title and page.inner_text("#page-title") == title
    cells = page.eval_on_selector_all("tr.row td.col-id", "els => els.map(e => e.textContent)")
    assert cells == [good.id, failed.id]
    assert failed.error in page.inner_text("#index-table")
    page.select_option("#f-status", "error")
    expect(page.locator("tr.row")).to_have_count(1)
    assert page.inner_text("tr.row td.col-id") == failed.id
    page.select_option("#f-status", "")
    expect(page.locator("tr.row")).to_have_count(2)
    open_article(page, good.id)
    assert page.text_content(".layer.base") == HOSTILE_TEXT
    assert page.inner_text("#article-title") == good.title
    marks = {mark["id"]: mark for mark in page.eval_on_selector_all("mark.hl[data-start]", MARKS)}
    assert set(marks) == {"p0", "p1", "p2", "p3"}
    for index, claim in enumerate(claims):
        mark = marks[f"p{index}"]
        assert (mark["start"], mark["end"]) == (claim.evidence.start, claim.evidence.end)
        assert mark["text"] == HOSTILE_TEXT[claim.evidence.start : claim.evidence.end] == claim.evidence.quote
    page.click('li.claim-item[data-claim="p1"]')
    detail = page.inner_text("#detail")
    assert claims[1].claimant.name in detail and claims[1].claim in detail and "</mark>" in detail
    page.mouse.move(5, 5)
    page.hover('mark[data-claim="p0"]')
    open_article(page, failed.id)
    assert page.inner_text("#article-error") == f"error: {failed.error}"

    assert page.evaluate("window.__pwned") is None, "a script from the data ran"
    assert page.evaluate("document.scripts.length") == 2, "only the data block and the page's own script"
    injected = page.evaluate("document.querySelectorAll('img, svg, b, i, textarea, iframe, object').length")
    assert injected == 0, "markup from the data became elements"
    assert page.title() == title
    assert opened.requests == [page_path.as_uri()]
    assert opened.problems == [], "e.g. a Content-Security-Policy report of a blocked injected script"


def test_eval_report_page_shows_the_seed_golds_missed_and_spurious_claims(
    browser: Browser, baseline_seed_predictions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the predictions' sources are relative to the repository root
    report_dir = tmp_path / "report"
    arguments = ["eval", "--gold", str(SEED_GOLD), "--pred", str(baseline_seed_predictions)]
    result = CliRunner().invoke(app, [*arguments, "--report-dir", str(report_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["misses"] and report["spurious"]
    gold = {json.loads(line)["id"]: json.loads(line) for line in SEED_GOLD.read_text(encoding="utf-8").splitlines()}

    opened = open_page(browser, report_dir / "report.html")
    page = opened.page
    assert page.inner_text("#metrics").count("overlap F1 (micro)") == 1
    f1_cells = page.eval_on_selector_all("tr.row td.col-f1", "els => els.map(e => e.textContent)")
    assert f1_cells == [f"{a['overlap_f1']:.3f}" for a in report["articles"]]
    page.click('button[data-sort="f1"]')
    f1_sorted = [float(v) for v in page.eval_on_selector_all("tr.row td.col-f1", "els => els.map(e => e.textContent)")]
    assert f1_sorted == sorted(f1_sorted, reverse=True) and f1_sorted != f1_cells
    page.click('button[data-sort="f1"]')
    f1_sorted = [float(v) for v in page.eval_on_selector_all("tr.row td.col-f1", "els => els.map(e => e.textContent)")]
    assert f1_sorted == sorted(f1_sorted)

    styles = {}
    for article_id in gold:
        open_article(page, article_id)
        text = (SEED_GOLD.parent / gold[article_id]["source"]).read_bytes().decode("utf-8")  # relative to the gold
        marks = {mark["id"]: mark for mark in page.eval_on_selector_all("mark.hl[data-start]", MARKS)}
        for miss in (m for m in report["misses"] if m["article_id"] == article_id):
            mark = marks[f"g{miss['index']}"]
            assert "match-missed" in mark["classes"]
            assert mark["text"] == text[miss["start"] : miss["end"]] == miss["quote"]
            assert page.is_visible(f'li.claim-item.match-missed[data-claim="g{miss["index"]}"]')
        for spurious in (s for s in report["spurious"] if s["article_id"] == article_id):
            mark = marks[f"p{spurious['index']}"]
            assert "match-spurious" in mark["classes"]
            assert mark["text"] == text[spurious["start"] : spurious["end"]] == spurious["quote"]
        for pair in (p for p in report["matches"] if p["article_id"] == article_id):
            assert "match-matched" in marks[f"p{pair['predicted_index']}"]["classes"]
        for kind in ("matched", "missed", "spurious"):
            styles.setdefault(
                kind,
                page.evaluate(
                    "sel => { const e = document.querySelector(sel); if (!e) return null;"
                    " const s = getComputedStyle(e);"
                    " return [s.textDecorationStyle, s.textDecorationColor, s.backgroundImage].join(' '); }",
                    f"mark.match-{kind}",
                ),
            )
    assert None not in styles.values() and len(set(styles.values())) == 3, styles

    # Disagreements of a matched pair are listed with the pair.
    disagreement = report["disagreements"][0]
    open_article(page, disagreement["article_id"])
    page.click(f'li.claim-item[data-claim="p{disagreement["predicted_index"]}"]')
    assert "Disagreements" in page.inner_text("#detail") and disagreement["field"] in page.inner_text("#detail")

    # The status filter hides missed gold claims.
    page.uncheck("#f-missed")
    assert page.locator("li.claim-item.match-missed:not([hidden])").count() == 0
    assert page.locator("mark.match-missed:not(.off)").count() == 0
    assert opened.requests == [(report_dir / "report.html").as_uri()]
    assert opened.problems == []


def test_articles_are_drawn_only_when_opened(browser: Browser, tmp_path: Path) -> None:
    articles = tmp_path / "many.jsonl"
    texts = [f"Reporter {i} said that bridge {i} is safe." for i in range(450)]
    articles.write_text("".join(json.dumps({"id": f"a{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    lines = []
    for i, text in enumerate(texts):
        quote = f"bridge {i} is safe"
        start = text.index(quote)
        claim = Claim(
            claimant=Claimant(name=f"Reporter {i}"),
            stance=Stance.ASSERTS,
            claim=f"Bridge {i} is safe.",
            evidence=Evidence(quote=quote, start=start, end=start + len(quote)),
            attribution=AttributionKind.REPORTED,
        )
        line = ArticleResult(
            id=f"a{i}",
            source=f"{articles}:{i + 1}",
            status="ok",
            claims=[claim],
            strategy="baseline",
            text_sha256=sha256_text(text),
        )
        lines.append(line.model_dump_json() + "\n")
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text("".join(lines), encoding="utf-8")
    page_path = tmp_path / "review.html"
    review([str(predictions), "-o", str(page_path)])

    page = open_page(browser, page_path).page
    assert page.locator("mark").count() == 0 and page.locator(".text-stack").count() == 0
    assert page.locator("tr.row").count() == 200
    page.click("#show-more")
    assert page.locator("tr.row").count() == 400
    open_article(page, "a321")
    assert page.eval_on_selector_all("mark.hl", "els => els.map(e => e.textContent)") == ["bridge 321 is safe"]
    page.click("#back")
    page.wait_for_selector("#index-table")
    assert page.locator("mark").count() == 0, "leaving an article drops its drawing"
