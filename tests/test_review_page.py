"""The review page's data and file, without a browser: text lookup, highlight placement, escaping, the command.

What the page does in a browser is tested in tests/test_review_browser.py.
"""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.articles import sha256_text
from extractor.cli import app
from extractor.evaluation.gold import load_gold
from extractor.evaluation.metrics import evaluate
from extractor.evaluation.predictions import PredictionSet, load_predictions
from extractor.records import ArticleResult, AttributionKind, Claim, Claimant, Evidence, Stance
from extractor.review.model import Utf16Offsets, assign_layers, build_review_page
from extractor.review.render import embed_json, render_page
from extractor.review.texts import TextResolver

REPO = Path(__file__).resolve().parent.parent
SEED_GOLD = REPO / "tests" / "gold" / "seeds.jsonl"
STATIC = REPO / "extractor" / "review" / "static"


class _StartTags(HTMLParser):
    """The element names of a document's start tags (script and style contents are not parsed as tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.csp: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        found = dict(attrs)
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.csp = found.get("content")


def claim_at(text: str, quote: str, *, name: str = "Ann Lee", stance: Stance = Stance.ASSERTS) -> Claim:
    start = text.index(quote)
    return Claim(
        claimant=Claimant(name=name),
        stance=stance,
        claim=f"{name} says {quote}.",
        evidence=Evidence(quote=quote, start=start, end=start + len(quote)),
        attribution=AttributionKind.REPORTED,
    )


def result_for(article_id: str, source: str, text: str, claims: list[Claim]) -> ArticleResult:
    return ArticleResult(
        id=article_id, source=source, status="ok", claims=claims, strategy="baseline", text_sha256=sha256_text(text)
    )


def prediction_set(path: Path, results: list[ArticleResult]) -> PredictionSet:
    path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    return load_predictions(path)


def test_layers_never_overlap_inside_one_layer_and_are_as_few_as_the_deepest_overlap() -> None:
    rng = random.Random(7)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(1, 12)):
            start = rng.randint(0, 60)
            spans.append((start, start + rng.randint(1, 25)))
        layers = assign_layers(spans)
        for layer in set(layers):
            members = sorted(span for span, found in zip(spans, layers, strict=True) if found == layer)
            assert all(a[1] <= b[0] for a, b in pairwise(members)), (spans, layers)
        deepest = max(sum(start <= point < end for start, end in spans) for point in range(100))
        assert max(layers) + 1 == deepest


def test_utf16_offsets_count_each_astral_character_twice() -> None:
    text = "a😀b😀c"
    to_utf16 = Utf16Offsets(text)
    assert [to_utf16(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert len(text.encode("utf-16-le")) // 2 == to_utf16(len(text))


def test_embedded_json_cannot_end_its_script_block_and_parses_back_to_the_same_value() -> None:
    value = {"text": '</script><script>alert(1)</script><!-- -->&amp;\u2028\u2029\ud800 {{ x }} "q" 😀'}
    embedded = embed_json(value)
    assert not re.search("[<>&\u2028\u2029\ud800-\udfff]", embedded)
    assert json.loads(embedded) == value
    embedded.encode("utf-8")  # lone surrogates are escaped, so the page is valid UTF-8


def test_a_lone_surrogate_in_a_line_still_gives_a_valid_utf8_page(tmp_path: Path) -> None:
    line = result_for("s", "gone.txt", "x", []).model_dump(mode="json") | {"title": "half \ud800 pair"}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="ascii")  # json.dumps writes the surrogate as an escape
    html = render_page(build_review_page(load_predictions(path), texts=TextResolver([tmp_path])))
    html.encode("utf-8")
    data = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html, re.S)
    assert data is not None and json.loads(data.group(1))["articles"][0]["title"] == "half \ud800 pair"


def test_text_comes_from_the_source_file_and_a_changed_or_missing_file_gives_a_note(tmp_path: Path) -> None:
    plain = tmp_path / "one.txt"
    plain.write_text("Title\n\nAnn Lee said the bridge is safe.\n", encoding="utf-8")
    jsonl = tmp_path / "many.jsonl"
    texts = ["Bob Hart said taxes will rise.", "Cy Dunn said nothing changed."]
    jsonl.write_text("".join(json.dumps({"id": f"j{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    plain_text = plain.read_bytes().decode("utf-8")
    resolver = TextResolver([tmp_path])

    assert resolver.text_for(result_for("one", "one.txt", plain_text, [])).text == plain_text
    assert resolver.text_for(result_for("j1", "many.jsonl:2", texts[1], [])).text == texts[1]
    assert resolver.text_for(result_for("j0", f"{jsonl}:1", texts[0], [])).text == texts[0]

    changed = resolver.text_for(result_for("one", "one.txt", plain_text + "edited", []))
    assert changed.text is None and changed.note is not None and "changed since extraction" in changed.note
    missing = resolver.text_for(result_for("gone", "gone.txt", "x", []))
    assert missing.text is None and missing.note is not None and "not found" in missing.note
    no_line = resolver.text_for(result_for("j9", "many.jsonl:9", "x", []))
    assert no_line.text is None and no_line.note is not None and "no readable article" in no_line.note


def test_only_claims_whose_quote_is_at_their_offsets_are_drawn(tmp_path: Path) -> None:
    text = "Ann Lee said the bridge is safe. Bob Hart said 😀 taxes will rise."
    source = tmp_path / "a.txt"
    source.write_text(text, encoding="utf-8")
    good = claim_at(text, "taxes will rise")
    shifted = Claim.model_validate(
        {**good.model_dump(), "evidence": {"quote": "the bridge is safe", "start": 0, "end": 18}}
    )
    predictions = prediction_set(tmp_path / "p.jsonl", [result_for("a", str(source), text, [good, shifted])])
    page = build_review_page(predictions, texts=TextResolver([tmp_path]))
    claims = {c.id: c for c in page.articles[0].claims}
    start_u16 = len(text[: good.evidence.start].encode("utf-16-le")) // 2
    assert claims["p0"].span == (start_u16, start_u16 + len(good.evidence.quote))
    assert claims["p1"].span is None
    assert page.summary.highlighted == 1 and page.summary.not_highlighted == 1


def test_with_gold_the_page_shows_the_evaluations_own_pairing(
    baseline_seed_predictions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the predictions' sources are relative to the repository root
    gold = load_gold(SEED_GOLD)
    predictions = load_predictions(baseline_seed_predictions)
    report = evaluate(gold, predictions)
    page = build_review_page(predictions, gold=gold, report=report)

    shown = {(a.id, c.id): c for a in page.articles for c in a.claims}
    assert {k for k, c in shown.items() if c.match == "missed"} == {
        (m.article_id, f"g{m.index}") for m in report.misses
    }
    assert {k for k, c in shown.items() if c.match == "spurious"} == {
        (s.article_id, f"p{s.index}") for s in report.spurious
    }
    pairs = {(m.article_id, f"p{m.predicted_index}", f"g{m.gold_index}") for m in report.matches}
    assert {(a, c.id, c.pair) for (a, _), c in shown.items() if c.match == "matched"} == pairs
    for item in report.disagreements:
        claim = shown[item.article_id, f"p{item.predicted_index}"]
        assert (item.field, item.gold, item.predicted) in {(d.field, d.gold, d.predicted) for d in claim.disagreements}
    assert all(c.span is not None for c in shown.values()), "every seed claim is grounded, so every one is drawn"
    assert page.summary.missed == len(report.misses) > 0 and page.summary.spurious == len(report.spurious) > 0


def test_the_page_embeds_its_data_once_and_draws_no_article_up_front(baseline_seed_predictions: Path) -> None:
    predictions = load_predictions(baseline_seed_predictions)
    html = render_page(build_review_page(predictions, texts=TextResolver([Path.cwd()])))
    tags = _StartTags()
    tags.feed(html)
    assert "mark" not in tags.seen, "highlights are drawn by the page's script when an article is opened"
    assert tags.seen.count("script") == 2 and "link" not in tags.seen and "img" not in tags.seen
    assert html.count('id="review-data"') == 1
    assert tags.csp is not None and "default-src 'none'" in tags.csp and "'unsafe-inline'" not in tags.csp
    data = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html, re.S)
    assert data is not None and len(json.loads(data.group(1))["articles"]) == 5


def test_the_page_script_never_parses_data_as_html_and_nothing_is_loaded_from_elsewhere() -> None:
    script = (STATIC / "review.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, f"review.js uses {sink}"
    template = (REPO / "extractor" / "review" / "templates" / "page.html.j2").read_text(encoding="utf-8")
    for content in (script, (STATIC / "review.css").read_text(encoding="utf-8"), template):
        assert not re.search(r"https?://|//cdn|@import|url\(", content)


def test_review_command_writes_the_page_and_summarises(baseline_seed_predictions: Path, tmp_path: Path) -> None:
    output = tmp_path / "out" / "review.html"
    result = CliRunner().invoke(app, ["review", str(baseline_seed_predictions), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "5 articles" in result.output and output.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert [p.name for p in output.parent.iterdir()] == ["review.html"], "no temporary file is left behind"


@pytest.mark.parametrize("problem", ["missing predictions", "output is the input", "output is a folder", "bad gold"])
def test_review_command_refuses_bad_input_with_exit_2_and_writes_nothing(
    problem: str, baseline_seed_predictions: Path, tmp_path: Path
) -> None:
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_bytes(baseline_seed_predictions.read_bytes())
    before = predictions.read_bytes()
    output = tmp_path / "review.html"
    arguments = ["review", str(predictions), "-o", str(output)]
    if problem == "missing predictions":
        arguments[1] = str(tmp_path / "absent.jsonl")
    elif problem == "output is the input":
        arguments[3] = str(predictions)
    elif problem == "output is a folder":
        output.mkdir()
    else:
        gold = tmp_path / "gold.jsonl"
        gold.write_text("{not json\n", encoding="utf-8")
        arguments += ["--gold", str(gold)]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert predictions.read_bytes() == before
    assert not output.is_file()
    assert not list(tmp_path.glob(".*.tmp"))
