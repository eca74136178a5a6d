"""`extractor gold from-predictions | agree | merge` on hand-built files whose answers are worked out by hand."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.articles import sha256_text
from extractor.cli import app
from extractor.evaluation.agreement import cohen_kappa
from extractor.evaluation.gold import load_gold

runner = CliRunner()
TEXT = (
    "Ann Lee said taxes will fall. Bob Stone said rents will rise. Cy Young said parks will open. "
    "Di Moss said roads will close. Ed Fox said trains will run. Flo Ray said buses will stop.\n"
)


def claim(quote: str, name: str, stance: str = "asserts", **extra: Any) -> dict[str, Any]:
    start = TEXT.index(quote)
    return {
        "claimant": {"name": name},
        "stance": stance,
        "claim": quote,
        "evidence": {"quote": quote, "start": start, "end": start + len(quote)},
        **extra,
    }


def write_gold(folder: Path, name: str, claims: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    line = {
        "id": "a",
        "source": "a.txt",
        "text_sha256": hashlib.sha256(TEXT.encode("utf-8")).hexdigest(),
        "claims": claims,
    }
    path = folder / name
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    return path


def two_annotators(tmp_path: Path) -> tuple[Path, Path]:
    """Five claims each; four pair up. Stances on the pairs: A a,a,d,d; B a,d,d,d. One claimant differs."""
    a = [
        claim("taxes will fall", "Ann Lee", "asserts"),
        claim("rents will rise", "Bob Stone", "asserts"),
        claim("parks will open", "Cy Young", "denies"),
        claim("roads will close", "Di Moss", "denies"),
        claim("trains will run", "Ed Fox"),  # only A
    ]
    b = [
        claim("taxes will fall", "Lee", "asserts"),  # same speaker, shorter name
        claim("rents will rise", "Bob Stone", "denies"),
        claim("parks will open", "Cy Young", "denies"),
        claim("roads will close", "Ed Fox", "denies"),  # another speaker
        claim("buses will stop", "Flo Ray"),  # only B
    ]
    return write_gold(tmp_path / "anna", "a.jsonl", a), write_gold(tmp_path / "ben", "b.jsonl", b)


def test_cohen_kappa_matches_the_textbook_formula() -> None:
    # p_o = 3/4; A: 2 asserts, 2 denies; B: 1 asserts, 3 denies; p_e = (2*1 + 2*3) / 16 = 1/2; kappa = 1/2.
    assert cohen_kappa(["a", "a", "d", "d"], ["a", "d", "d", "d"]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "d"], ["d", "a"]) == pytest.approx(-1.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # chance agreement is 1: undefined
    assert cohen_kappa([], []) is None


def test_gold_agree_reports_span_f1_kappa_claimants_and_conflicts(tmp_path: Path) -> None:
    a, b = two_annotators(tmp_path)
    result = runner.invoke(app, ["gold", "agree", str(a), str(b), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["a_claims"], report["b_claims"], report["pairs"]) == (5, 5, 4)
    assert report["span_f1"] == pytest.approx(0.8)
    assert report["stance_kappa"] == pytest.approx(0.5)
    assert report["stance_observed"] == pytest.approx(0.75)
    assert report["claimant_agreement"] == pytest.approx(0.75)
    conflicts = {(c["kind"], c["quote"]) for c in report["per_article"][0]["conflicts"]}
    assert conflicts == {
        ("only_a", "trains will run"),
        ("only_b", "buses will stop"),
        ("stance", "rents will rise"),
        ("claimant", "roads will close"),
    }
    text = runner.invoke(app, ["gold", "agree", str(a), str(b)])
    assert text.exit_code == 0
    assert "span F1: 0.800" in text.output and "stance kappa: 0.500 over 4 pairs" in text.output
    assert "claimant agreement: 0.750 over 4 pairs" in text.output


def test_gold_agree_reads_the_seed_gold_format(tmp_path: Path) -> None:
    seeds = Path(__file__).parent / "gold" / "seeds.jsonl"
    result = runner.invoke(app, ["gold", "agree", str(seeds), str(seeds), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["span_f1"] == 1.0 and report["claimant_agreement"] == 1.0
    assert not any(article["conflicts"] for article in report["per_article"])


def test_gold_agree_on_unrelated_files_is_bad_input(tmp_path: Path) -> None:
    a, _ = two_annotators(tmp_path)
    seeds = Path(__file__).parent / "gold" / "seeds.jsonl"
    result = runner.invoke(app, ["gold", "agree", str(a), str(seeds)])
    assert result.exit_code == 2
    assert "no article in common" in result.output


@pytest.mark.parametrize(("prefer", "stance", "speaker"), [("A", "asserts", "Di Moss"), ("B", "denies", "Ed Fox")])
def test_gold_merge_takes_the_union_and_the_preferred_side_where_they_differ(
    tmp_path: Path, prefer: str, stance: str, speaker: str
) -> None:
    a, b = two_annotators(tmp_path)
    merged = tmp_path / "merged" / "gold.jsonl"
    result = runner.invoke(app, ["gold", "merge", str(a), str(b), "--prefer", prefer, "-o", str(merged)])
    assert result.exit_code == 0, result.output
    gold = load_gold(merged)  # valid, with the source rewritten relative to the merged file
    claims = gold.articles["a"].article.claims
    quotes = ["taxes will fall", "rents will rise", "parks will open", "roads will close", "trains will run"]
    assert [c.evidence.quote for c in claims] == [*quotes, "buses will stop"]
    by_quote = {c.evidence.quote: c for c in claims}
    assert by_quote["rents will rise"].stance is not None and by_quote["rents will rise"].stance.value == stance
    assert by_quote["roads will close"].claimant is not None
    assert by_quote["roads will close"].claimant.name == speaker


def test_from_predictions_drafts_gold_that_validates_and_scores_its_own_predictions_perfectly(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_bytes(("\ufeff" + TEXT.replace("\n", "\r\n")).encode("utf-8"))  # BOM, CRLF
    predicted = [claim("taxes will fall", "Ann Lee"), claim("rents will rise", "Bob Stone", "denies")]
    for item in predicted:
        item |= {"attribution": "reported", "claimant": {**item["claimant"], "named": True}}
    lines = [
        {"id": "a", "source": str(articles / "a.txt"), "strategy": "test", "status": "ok",
         "text_sha256": sha256_text(TEXT), "claims": predicted},
        {"id": "gone", "source": str(articles / "gone.txt"), "strategy": "test", "status": "ok",
         "text_sha256": sha256_text("x"), "claims": []},
        {"id": "broken", "source": str(articles / "a.txt"), "strategy": "test", "status": "error", "error": "boom"},
    ]
    predictions = tmp_path / "out.jsonl"
    predictions.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    draft = tmp_path / "gold" / "draft.jsonl"
    result = runner.invoke(app, ["gold", "from-predictions", str(predictions), "-o", str(draft)])
    assert result.exit_code == 0, result.output
    assert "skipped gone: source file not found" in result.output
    assert "skipped broken: an error line" in result.output
    line = json.loads(draft.read_text(encoding="utf-8"))
    assert line["source"] == "../articles/a.txt" and line["reviewed"] is False
    assert line["claims"][1]["claimant"] == {
        "name": "Bob Stone", "role": None, "organization": None, "mention": None, "aliases": [], "named": True
    }
    validated = runner.invoke(app, ["gold", "validate", str(draft)])
    assert validated.exit_code == 0, validated.output
    assert "1 articles, 2 claims" in validated.output and "unreviewed" in validated.output
    scored = runner.invoke(
        app, ["eval", "--gold", str(draft), "--pred", str(predictions), "--report-dir", str(tmp_path / "eval")]
    )
    report = json.loads((tmp_path / "eval" / "report.json").read_text(encoding="utf-8"))
    assert scored.exit_code == 0, scored.output
    assert (report["counts"]["matched"], len(report["misses"]), len(report["spurious"])) == (2, 0, 0)
    assert report["metrics"]["stance_accuracy"] == 1.0
    assert any("unreviewed drafts" in warning for warning in report["warnings"])


def test_from_predictions_with_nothing_to_draft_is_bad_input(tmp_path: Path) -> None:
    predictions = tmp_path / "out.jsonl"
    line = {"id": "x", "source": "page.html", "strategy": "t", "status": "ok", "text_sha256": sha256_text("x")}
    predictions.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["gold", "from-predictions", str(predictions), "-o", str(tmp_path / "g.jsonl")])
    assert result.exit_code == 2
    assert "not a plain-text file" in result.output
    assert not (tmp_path / "g.jsonl").exists()
