"""`extractor diff A B [--gold G]`: two runs with planted changes give exactly those changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from extractor.articles import sha256_text
from extractor.cli import app

runner = CliRunner()
TEXT = (
    "Ann Lee said taxes will fall. Bob Stone said rents will rise. Cy Young said parks will open. "
    "Di Moss said roads will close.\n"
)
OTHER = "Ed Fox said trains will run. Flo Ray said buses will stop.\n"


def claim(text: str, quote: str, name: str, stance: str = "asserts", **extra: Any) -> dict[str, Any]:
    start = text.index(quote)
    return {
        "claimant": {"name": name},
        "stance": stance,
        "claim": extra.pop("claim", quote),
        "evidence": {"quote": quote, "start": start, "end": start + len(quote)},
        "attribution": "reported",
        **extra,
    }


def run_file(folder: Path, name: str, lines: dict[str, tuple[str, list[dict[str, Any]]]]) -> Path:
    path = folder / name
    rows = []
    for article_id, (text, claims) in lines.items():
        source = folder / f"{article_id}.txt"
        source.write_text(text, encoding="utf-8")
        rows.append({"id": article_id, "source": str(source), "strategy": "t", "status": "ok",
                     "text_sha256": sha256_text(text), "claims": claims})
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def planted(tmp_path: Path) -> tuple[Path, Path, Path]:
    run_a = run_file(tmp_path, "a.jsonl", {
        "a": (TEXT, [
            claim(TEXT, "taxes will fall", "Ann Lee"),
            claim(TEXT, "rents will rise", "Bob Stone"),  # B: stance changed to denies
            claim(TEXT, "parks will open", "Cy Young"),  # B: removed
        ]),
        "b": (OTHER, [claim(OTHER, "trains will run", "Ed Fox"), claim(OTHER, "buses will stop", "Flo Ray")]),
    })
    run_b = run_file(tmp_path, "b.jsonl", {
        "a": (TEXT, [
            claim(TEXT, "taxes will fall", "Ann Lee"),
            claim(TEXT, "rents will rise", "Bob Stone", "denies"),
            claim(TEXT, "roads will close", "Di Moss"),  # added
        ]),
        "b": (OTHER, [claim(OTHER, "trains will run", "Ed Fox"),
                      claim(OTHER, "buses will stop", "Flo Ray", claim="Buses stop.")]),  # claim text changed
    })
    gold_claims = [
        claim(TEXT, "taxes will fall", "Ann Lee"),
        claim(TEXT, "rents will rise", "Bob Stone", "denies"),
        claim(TEXT, "parks will open", "Cy Young"),
        claim(TEXT, "roads will close", "Di Moss"),
    ]
    for item in gold_claims:
        del item["attribution"]
    gold = tmp_path / "gold.jsonl"
    line = {"id": "a", "source": "a.txt", "text_sha256": hashlib.sha256(TEXT.encode()).hexdigest(),
            "claims": gold_claims}
    gold.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return run_a, run_b, gold


def test_diff_finds_exactly_the_planted_changes(tmp_path: Path) -> None:
    run_a, run_b, _ = planted(tmp_path)
    result = runner.invoke(app, ["diff", str(run_a), str(run_b), "--format", "json"])
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    totals = diff["totals"]
    assert (totals["articles"], totals["articles_changed"]) == (2, 2)
    assert (totals["unchanged"], totals["only_a"], totals["only_b"], totals["changed"]) == (2, 1, 1, 2)
    assert totals["fixed"] is None
    a, b = diff["articles"]
    assert [c["quote"] for c in a["only_a"]] == ["parks will open"]
    assert [c["quote"] for c in a["only_b"]] == ["roads will close"]
    assert [(c["a"]["quote"], c["changes"]) for c in a["changed"]] == [
        ("rents will rise", [{"field": "stance", "a": "asserts", "b": "denies"}])
    ]
    assert [c["changes"] for c in b["changed"]] == [[{"field": "claim", "a": "buses will stop", "b": "Buses stop."}]]
    assert b["unchanged"] == 1 and not b["only_a"] and not b["only_b"]


def test_with_gold_the_diff_says_what_was_fixed_and_what_broke(tmp_path: Path) -> None:
    run_a, run_b, gold = planted(tmp_path)
    out = tmp_path / "diff.json"
    arguments = ["diff", str(run_a), str(run_b), "--gold", str(gold), "--format", "json", "-o", str(out)]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    diff = json.loads(out.read_text(encoding="utf-8"))
    article = diff["articles"][0]
    assert [f["quote"] for f in article["fixed"]] == ["roads will close"]
    assert [f["quote"] for f in article["broken"]] == ["parks will open"]
    assert [c["verdict"] for c in article["changed"]] == ["fixed"]  # the stance now agrees with gold
    assert (diff["totals"]["fixed"], diff["totals"]["broken"]) == (1, 1)


def test_the_markdown_puts_totals_first_and_fits_a_comment(tmp_path: Path) -> None:
    run_a, run_b, gold = planted(tmp_path)
    result = runner.invoke(app, ["diff", str(run_a), str(run_b), "--gold", str(gold), "--top", "1"])
    assert result.exit_code == 0, result.output
    markdown = result.output
    assert markdown.index("| changed | 2 |") < markdown.index("#### Most changed articles (1 of 2)")
    assert "| gold claims fixed (missed in A, found in B) | 1 |" in markdown
    assert "**a**: 1 removed, 1 added, 1 changed, 1 fixed, 1 broken" in markdown
    assert "stance asserts → denies **fixed**" in markdown
    assert "… and 1 more articles with changes" in markdown
    assert "**b**" not in markdown


def test_hostile_claim_text_stays_inert_in_the_markdown(tmp_path: Path) -> None:
    text = "Eve said <img src=x onerror=alert(1)> | boom.\n"
    run_a = run_file(tmp_path, "a.jsonl", {"x": (text, [])})
    run_b = run_file(tmp_path, "b.jsonl", {"x": (text, [claim(text, "<img src=x onerror=alert(1)> | boom", "Eve")])})
    markdown = runner.invoke(app, ["diff", str(run_a), str(run_b)]).output
    assert "<img" not in markdown and "&lt;img src=x onerror=alert(1)&gt; \\| boom" in markdown


def test_the_html_diff_is_the_review_page_in_diff_mode(tmp_path: Path) -> None:
    run_a, run_b, _ = planted(tmp_path)
    page = tmp_path / "diff.html"
    result = runner.invoke(app, ["diff", str(run_a), str(run_b), "--format", "html", "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    data = json.loads(html.split('id="review-data">', 1)[1].split("</script>", 1)[0])
    assert data["mode"] == "diff" and data["labels"]["missed"] == "only in A"
    first = data["articles"][0]
    status = {(c["side"], c["quote"]): c["match"] for c in first["claims"]}
    assert status == {
        ("predicted", "taxes will fall"): "matched",
        ("gold", "taxes will fall"): "gold-matched",
        ("predicted", "rents will rise"): "matched",
        ("gold", "rents will rise"): "gold-matched",
        ("gold", "parks will open"): "missed",
        ("predicted", "roads will close"): "spurious",
    }
    rents = next(c for c in first["claims"] if c["side"] == "predicted" and c["quote"] == "rents will rise")
    assert rents["disagreements"] == [{"field": "stance", "gold": "asserts", "predicted": "denies"}]
    assert runner.invoke(app, ["diff", str(run_a), str(run_b), "--format", "html"]).exit_code == 2
