"""`extractor eval` and `extractor gold ...` through the command line: exit codes, reports, messages."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from extractor.commands.evaluate import eval_command, gold_app
from extractor.evaluation.gold import load_gold

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path("tests/fixtures/eval/cli")
BRAT = Path("tests/fixtures/eval/brat")

app = typer.Typer()
app.command("eval")(eval_command)
app.add_typer(gold_app, name="gold")
runner = CliRunner()


@pytest.fixture(autouse=True)
def in_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Gold `source` paths are relative to the working directory, as in real use.
    monkeypatch.chdir(REPO_ROOT)


def run_eval(tmp_path: Path, pred: str, *extra: str, gold: str = "gold.jsonl") -> tuple[int, str]:
    result = runner.invoke(
        app,
        ["eval", "--gold", str(FIXTURES / gold), "--pred", str(FIXTURES / pred), "--report-dir", str(tmp_path), *extra],
    )
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_perfect_predictions_pass_the_thresholds_and_write_all_reports(tmp_path: Path) -> None:
    code, output = run_eval(tmp_path, "pred-perfect.jsonl", "--thresholds", str(FIXTURES / "thresholds.toml"))
    assert code == 0, output
    assert "gate passed" in output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["exact_f1_micro"] == 1.0
    assert report["metrics"]["claimant_accuracy"] == 1.0
    assert report["gate"]["passed"] is True
    assert "## Claim extraction evaluation" in (tmp_path / "report.md").read_text(encoding="utf-8")
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    assert {case.get("name") for case in suite.iter("testcase")} == {"overlap_f1_micro", "exact_f1_micro"}


def test_partial_predictions_are_scored_as_computed_by_hand(tmp_path: Path) -> None:
    code, _ = run_eval(tmp_path, "pred-partial.jsonl")
    assert code == 0  # no gate, so no failure
    metrics = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["metrics"]
    # Two of three predictions sit inside two of the three gold spans; the third is spurious.
    assert metrics["overlap_f1_micro"] == pytest.approx(2 / 3)
    assert metrics["exact_f1_micro"] == 0.0
    soft_precision, soft_recall = (1 + 1) / 3, (3 / 5 + 3 / 4) / 3
    assert metrics["soft_f1_micro"] == pytest.approx(2 * soft_precision * soft_recall / (soft_precision + soft_recall))
    assert metrics["stance_accuracy"] == 0.5
    assert metrics["claimant_accuracy"] == 1.0


def test_empty_predictions_fail_a_threshold_with_exit_1(tmp_path: Path) -> None:
    code, output = run_eval(tmp_path, "pred-empty.jsonl", "--thresholds", str(FIXTURES / "thresholds.toml"))
    assert code == 1
    assert "gate failed" in output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["metrics"]["overlap_recall_micro"] == 0.0
    suite = ElementTree.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "2"
    assert "**Gate: FAILED**" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_a_regression_against_the_baseline_exits_1_and_a_small_one_passes(tmp_path: Path) -> None:
    baseline_dir = tmp_path / "baseline"
    assert run_eval(baseline_dir, "pred-perfect.jsonl")[0] == 0
    baseline = str(baseline_dir / "report.json")
    code, output = run_eval(tmp_path / "now", "pred-partial.jsonl", "--baseline", baseline)
    assert code == 1
    assert "FAIL" in output
    code, _ = run_eval(tmp_path / "same", "pred-perfect.jsonl", "--baseline", baseline, "--tolerance", "0")
    assert code == 0


def test_a_malformed_gold_line_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    code, output = run_eval(tmp_path, "pred-perfect.jsonl", gold="gold-bad-stance.jsonl")
    assert code == 2
    assert f"{FIXTURES / 'gold-bad-stance.jsonl'}:2: field claims[0].stance" in output
    assert not (tmp_path / "report.json").exists()


def test_a_missing_predictions_file_exits_2(tmp_path: Path) -> None:
    code, output = run_eval(tmp_path, "no-such-file.jsonl")
    assert code == 2
    assert "predictions file not found" in output


def test_a_malformed_prediction_line_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "article", "status": "ok"}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(FIXTURES / "gold.jsonl"), "--pred", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:1: field source: Field required" in result.output


def test_an_unknown_metric_in_the_thresholds_exits_2(tmp_path: Path) -> None:
    code, output = run_eval(tmp_path, "pred-perfect.jsonl", "--thresholds", str(FIXTURES / "thresholds-unknown.json"))
    assert code == 2
    assert "unknown metric 'overlap_f1'" in output


def test_import_brat_writes_a_valid_gold_file_and_reports_counts(tmp_path: Path) -> None:
    output = tmp_path / "gold.jsonl"
    result = runner.invoke(app, ["gold", "import-brat", str(BRAT / "text"), str(BRAT / "ann"), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "attributions skipped: no Content" in result.output
    gold = load_gold(output)
    assert sorted(gold.articles) == ["art1", "art2"]
    assert gold.claim_count == 7
    validate = runner.invoke(app, ["gold", "validate", str(output)])
    assert validate.exit_code == 0
    assert "2 articles, 7 claims" in validate.output


def test_import_brat_with_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["gold", "import-brat", str(tmp_path / "none"), str(BRAT / "ann"), "-o", "x.jsonl"])
    assert result.exit_code == 2
    assert "not a folder" in result.output


def test_evaluation_never_loads_the_llm_client(tmp_path: Path) -> None:
    script = (
        "import sys, typer\n"
        "from typer.testing import CliRunner\n"
        "from extractor.commands.evaluate import eval_command\n"
        "app = typer.Typer(); app.command('eval')(eval_command); app.command('noop')(lambda: None)\n"
        f"result = CliRunner().invoke(app, ['eval', '--gold', '{FIXTURES / 'gold.jsonl'}', "
        f"'--pred', '{FIXTURES / 'pred-perfect.jsonl'}', '--report-dir', sys.argv[1]])\n"
        "assert result.exit_code == 0, result.output\n"
        "loaded = [m for m in ('extractor.llm', 'openai', 'instructor') if m in sys.modules]\n"
        "print('loaded:', loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert "loaded: []" in completed.stdout


# --- issue #11, case 10: eval outside the repository root, empty predictions, --only-predicted ------------


def _gold_tree(tmp_path: Path, copies: int = 1, *, absolute: bool = True) -> tuple[Path, list[dict[str, object]]]:
    """A gold file in tmp/gold/ naming articles in tmp/texts/ (relative to itself, as `gold import-brat` writes)."""
    fixture = json.loads((REPO_ROOT / FIXTURES / "gold.jsonl").read_text(encoding="utf-8"))
    (tmp_path / "texts").mkdir()
    (tmp_path / "gold").mkdir()
    lines = []
    for k in range(copies):
        name = f"article{k}.txt"
        (tmp_path / "texts" / name).write_bytes((REPO_ROOT / FIXTURES / "article.txt").read_bytes())
        source = str(tmp_path / "texts" / name) if absolute else f"../texts/{name}"
        lines.append({**fixture, "id": f"article{k}", "source": source})
    gold = tmp_path / "gold" / "gold.jsonl"
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return gold, lines


def _perfect_prediction(article_id: str, **extra: object) -> str:
    line = json.loads((REPO_ROOT / FIXTURES / "pred-perfect.jsonl").read_text(encoding="utf-8"))
    return json.dumps({**line, "id": article_id, **extra}) + "\n"


def test_case10_gold_sources_resolve_relative_to_the_gold_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gold, _ = _gold_tree(tmp_path, absolute=False)
    pred = tmp_path / "pred.jsonl"
    pred.write_text(_perfect_prediction("article0"), encoding="utf-8")
    elsewhere = tmp_path / "some" / "other" / "folder"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # neither the repository root nor the gold file's folder
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(pred), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r" / "report.json").read_text())["metrics"]["exact_f1_micro"] == 1.0


def test_case10_an_empty_predictions_file_exits_1(tmp_path: Path) -> None:
    gold, _ = _gold_tree(tmp_path)
    pred = tmp_path / "pred.jsonl"
    pred.write_bytes(b"")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(pred), "--report-dir", str(tmp_path / "r")])
    assert "Traceback" not in result.output
    assert result.exit_code == 1, result.output
    assert "no prediction" in result.output
    assert json.loads((tmp_path / "r" / "report.json").read_text())["metrics"]["overlap_recall_micro"] == 0.0


def test_case10_only_predicted_scores_the_articles_in_the_predictions(tmp_path: Path) -> None:
    gold, _ = _gold_tree(tmp_path, copies=3)
    pred = tmp_path / "pred.jsonl"
    pred.write_text(_perfect_prediction("article1"), encoding="utf-8")
    base = ["eval", "--gold", str(gold), "--pred", str(pred)]
    everything = runner.invoke(app, [*base, "--report-dir", str(tmp_path / "all")])
    assert everything.exit_code == 0, everything.output
    metrics = json.loads((tmp_path / "all" / "report.json").read_text())["metrics"]
    assert metrics["exact_recall_micro"] == pytest.approx(1 / 3)
    only = runner.invoke(app, [*base, "--only-predicted", "--report-dir", str(tmp_path / "only")])
    assert only.exit_code == 0, only.output
    report = json.loads((tmp_path / "only" / "report.json").read_text())
    assert report["metrics"]["exact_recall_micro"] == 1.0
    assert [a["id"] for a in report["articles"]] == ["article1"]


def test_predictions_named_by_path_match_gold_by_text_hash(tmp_path: Path) -> None:
    # `extractor extract texts/` names a file by its path; the gold names it by its stem.
    gold, lines = _gold_tree(tmp_path, copies=1)
    pred = tmp_path / "pred.jsonl"
    pred.write_text(_perfect_prediction("texts/article0.txt", text_sha256=lines[0]["text_sha256"]), encoding="utf-8")
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--pred", str(pred), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r" / "report.json").read_text())["metrics"]["exact_f1_micro"] == 1.0
