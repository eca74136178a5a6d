"""The CI quality gate: extract the five seed articles with the default strategy and score them.

Extraction replays the cassette recorded from the embedded model (`make record`), so the run
is deterministic and offline; scoring uses the committed thresholds and baseline report in
`eval/`. A prompt or rule change that lowers seed quality beyond the tolerance fails CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.articles import read_articles
from extractor.batch import BatchRunner
from extractor.cli import app
from extractor.llm import LLM
from extractor.pipeline import Pipeline
from extractor.strategies import DEFAULT_STRATEGY, get_strategy

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "gold" / "seeds.jsonl"
THRESHOLDS = REPO / "eval" / "seeds-thresholds.toml"
BASELINE = REPO / "eval" / "seeds-baseline.json"


@pytest.mark.vcr
def test_default_strategy_passes_the_seed_gate(
    recorded_llm: LLM, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    predictions = tmp_path / "seeds.jsonl"
    strategy = get_strategy(DEFAULT_STRATEGY)
    runner = BatchRunner(Pipeline(strategy, recorded_llm if strategy.uses_llm else None), show_progress=False)
    summary = runner.run(read_articles([articles_dir]), predictions)
    assert summary.ok == 5 and summary.errors == 0

    monkeypatch.chdir(REPO)  # gold `source` paths are relative to the repository root
    if os.environ.get("EXTRACTOR_UPDATE_SEED_BASELINE") == "1":  # `make seed-baseline`, after a deliberate change
        report_dir = BASELINE.parent / "seeds"
        update = CliRunner().invoke(
            app, ["eval", "--gold", str(GOLD), "--pred", str(predictions), "--report-dir", str(report_dir)]
        )
        assert update.exit_code == 0, update.output
        shutil.copyfile(report_dir / "report.json", BASELINE)
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--gold",
            str(GOLD),
            "--pred",
            str(predictions),
            "--thresholds",
            str(THRESHOLDS),
            "--baseline",
            str(BASELINE),
            "--report-dir",
            str(tmp_path / "report"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report" / "junit.xml").exists()
