"""The CI quality gate: extract the five seed articles with the default strategy and score them.

Extraction replays the cassette recorded from the embedded model (`make record`), so the run
is deterministic and offline; scoring uses the committed thresholds and baseline report in
`eval/`. A prompt or rule change that lowers seed quality beyond the tolerance fails CI.

The gate tells the two ways it can fail apart. A changed prompt (or schema, model, or a
linguistic-pass change that alters what is sent) makes the requests differ from the recorded
ones: the articles fail to replay, and the message says to re-record the cassettes. A change
that replays fine but scores worse fails on the scores, and the message says so.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.articles import read_articles
from extractor.batch import BatchRunner
from extractor.cache import ResponseCache
from extractor.cli import app
from extractor.llm import LLM, LLMSettings
from extractor.local_model import DEFAULT_LOCAL_MODEL
from extractor.pipeline import Pipeline
from extractor.records import Article, Stance
from extractor.strategies import DEFAULT_STRATEGY, get_strategy
from extractor.strategies.base import Strategy, StrategyOutput
from extractor.strategies.guided import GuidedStrategy
from tests.cassettes import RECORDING_BASE_URL, is_playback_failure, replay_only

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "tests" / "gold" / "seeds.jsonl"
THRESHOLDS = REPO / "eval" / "seeds-thresholds.toml"
BASELINE = REPO / "eval" / "seeds-baseline.json"
CASSETTE = REPO / "cassettes" / "test_seed_quality_gate" / "test_default_strategy_passes_the_seed_gate.yaml"
RERECORD = (
    "re-record the cassettes from the embedded server with `make record` (on a shared machine: "
    "`flock /tmp/extractor-llama.lock make record`), then, if the seed scores moved on purpose, "
    "refresh the baseline with `make seed-baseline`"
)


def seed_gate_failure(
    strategy: Strategy, llm: LLM | None, articles_dir: Path, work: Path, *, baseline_run: bool = False
) -> str | None:
    """Extract the seeds and score them with the CI gate: None when it passes, else why it failed.

    Only the default strategy's run (``baseline_run``) may refresh the committed baseline: the
    tests that feed the gate a changed prompt or flipped stances must never write it.
    """
    predictions = work / "seeds.jsonl"
    BatchRunner(Pipeline(strategy, llm if strategy.uses_llm else None), show_progress=False).run(
        read_articles([articles_dir]), predictions
    )
    lines = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines()]
    errors = {line["id"]: line["error"] for line in lines if line["status"] != "ok"}
    unplayable = {article: error for article, error in errors.items() if is_playback_failure(error)}
    if unplayable:
        return (
            f"seed gate: the model requests of {len(unplayable)} seed article(s) differ from the recorded ones "
            f"(a prompt, schema, model or linguistic-pass change alters what is sent): {RERECORD}.\n"
            f"First mismatch ({next(iter(unplayable))}): {next(iter(unplayable.values()))}"
        )
    if errors or len(lines) != 5:
        return f"seed gate: {len(errors)} of {len(lines)} seed articles failed (expected 5 ok): {errors}"

    if baseline_run and os.environ.get("EXTRACTOR_UPDATE_SEED_BASELINE") == "1":  # `make seed-baseline`
        report_dir = BASELINE.parent / "seeds"
        update = CliRunner().invoke(
            app, ["eval", "--gold", str(GOLD), "--pred", str(predictions), "--report-dir", str(report_dir)]
        )
        assert update.exit_code == 0, update.output
        shutil.copyfile(report_dir / "report.json", BASELINE)
    result = CliRunner().invoke(
        app,
        [
            "eval", "--gold", str(GOLD), "--pred", str(predictions), "--thresholds", str(THRESHOLDS),
            "--baseline", str(BASELINE), "--report-dir", str(work / "report"),
        ],
    )  # fmt: skip
    if result.exit_code != 0:
        return (
            "seed gate: seed quality fell below the floors in eval/seeds-thresholds.toml or the committed baseline "
            "(the recorded answers replayed: this is a scoring regression, not a stale cassette). If the change is "
            f"deliberate, refresh the baseline with `make seed-baseline`.\n{result.output}"
        )
    assert (work / "report" / "junit.xml").exists()
    return None


@pytest.mark.vcr
def test_default_strategy_passes_the_seed_gate(
    recorded_llm: LLM, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # gold `source` paths are relative to the gold file: any folder works
    failure = seed_gate_failure(get_strategy(DEFAULT_STRATEGY), recorded_llm, articles_dir, tmp_path, baseline_run=True)
    keep = os.environ.get("EXTRACTOR_SEED_PREDICTIONS")  # CI keeps the replayed run for `extractor diff` (docs/ci.md)
    if keep:
        shutil.copyfile(tmp_path / "seeds.jsonl", keep)
    assert failure is None, failure


def test_a_prompt_change_fails_the_gate_with_a_message_to_re_record(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    default = get_strategy(DEFAULT_STRATEGY)
    assert isinstance(default, GuidedStrategy) and default.prompt is not None
    changed = default.prompt.model_copy(
        update={"template": default.prompt.template.model_copy(
            update={"source": default.prompt.template.source + "\nAnswer carefully."}
        )}
    )  # fmt: skip
    settings = LLMSettings(model=DEFAULT_LOCAL_MODEL, base_url=RECORDING_BASE_URL, max_transport_retries=0)
    llm = LLM(settings, cache=ResponseCache(tmp_path / "cache"))
    try:
        with replay_only(str(CASSETTE)):
            failure = seed_gate_failure(GuidedStrategy(prompt=changed), llm, articles_dir, tmp_path)
    finally:
        llm.close()
    assert failure is not None and "re-record the cassettes" in failure and "make record" in failure
    assert "004_d8f5a990ccd71f66" in failure, "names the article whose request changed"
    assert "scoring regression" not in failure


@dataclass
class _StanceFlipped:
    """The default strategy's rules without a model, every stance reversed: replays nothing, scores worse."""

    name: str = "baseline"
    prompt_version: str | None = None
    uses_llm: bool = False
    cpu_pass: bool = False

    def extract(self, article: Article, llm: object) -> StrategyOutput:
        output = get_strategy("baseline").extract(article, None)
        flipped = {Stance.ASSERTS: Stance.DENIES, Stance.DENIES: Stance.ASSERTS}
        return StrategyOutput(claims=[c.model_copy(update={"stance": flipped[c.stance]}) for c in output.claims])


def test_a_score_drop_fails_the_gate_as_a_scoring_regression(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    failure = seed_gate_failure(_StanceFlipped(), None, articles_dir, tmp_path)
    assert failure is not None and "scoring regression" in failure and "stance_accuracy" in failure
    assert "re-record" not in failure

