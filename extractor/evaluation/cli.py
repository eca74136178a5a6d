"""Command-line entry points: ``extractor eval`` and ``extractor gold import-brat|validate``.

Exit codes of ``eval``: 0 when the gate passes (or there is no gate), 1 when a
threshold or the baseline comparison fails or when nothing could be scored (an
empty predictions file, or predictions for none of the gold articles), 2 on bad
input (a one-line message on stderr, never a traceback). The gold commands exit 0 or 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor.evaluation.errors import EvalInputError

if TYPE_CHECKING:
    from extractor.evaluation.gold import GoldSet
    from extractor.evaluation.metrics import EvaluationReport
    from extractor.evaluation.predictions import PredictionSet

EXIT_PASS = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
DEFAULT_REPORT_DIR = Path("out/eval")

gold_app = typer.Typer(
    help="Gold files: import brat/PolNeAR annotations, validate a gold file.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: readable at 80 columns
)


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/bold red] {message}", markup=True)
    return typer.Exit(EXIT_BAD_INPUT)


# Long only in its declarations (one typer option per setting, each with its help); the body loads the
# inputs, scores (scoring.score), writes the reports and maps the gate to the exit code.
def eval_command(
    gold: Annotated[Path, typer.Option("--gold", help="Gold file (JSON Lines, see docs/evaluation.md).")],
    pred: Annotated[Path, typer.Option("--pred", help="Predictions: the JSON Lines `extractor extract` writes.")],
    thresholds: Annotated[
        Path | None, typer.Option("--thresholds", help="JSON or TOML file of {metric: minimum value}.")
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="An earlier report.json; fail on regressions below it.")
    ] = None,
    tolerance: Annotated[
        float, typer.Option("--tolerance", min=0.0, max=1.0, help="How far below the baseline a metric may fall.")
    ] = 0.02,
    report_dir: Annotated[
        Path,
        typer.Option("--report-dir", help="Where report.json, report.md, junit.xml and report.html are written."),
    ] = DEFAULT_REPORT_DIR,
    only_predicted: Annotated[
        bool,
        typer.Option("--only-predicted", help="Score only the gold articles that have a line in the predictions."),
    ] = False,
) -> None:
    """Score predicted claims against a gold file; print a table and write reports.

    Article paths in the gold file are relative to the gold file. Exit code 0:
    passed; 1: a threshold missed, a metric more than --tolerance below the
    baseline, or nothing to score (no prediction for any gold article); 2: bad input.
    """
    # Imported here so that `extractor --help` stays fast; none of these touch an LLM.
    from extractor.evaluation.gate import load_baseline, load_thresholds
    from extractor.evaluation.gold import load_gold
    from extractor.evaluation.predictions import load_predictions
    from extractor.evaluation.reports import print_report, write_reports
    from extractor.evaluation.scoring import score

    try:
        minimums = load_thresholds(thresholds) if thresholds is not None else None
        reference = load_baseline(baseline) if baseline is not None else None
        gold_set = load_gold(gold)
        predicted = load_predictions(pred)
    except EvalInputError as exc:
        raise _fail(str(exc)) from None
    scoring = score(
        gold_set,
        predicted,
        thresholds=minimums,
        baseline=reference,
        tolerance=tolerance,
        thresholds_file=str(thresholds) if thresholds is not None else None,
        baseline_file=str(baseline) if baseline is not None else None,
        only_predicted=only_predicted,
    )
    report, predictions, nothing_scored = scoring.report, scoring.predictions, scoring.nothing_scored
    console = Console()
    print_report(report, console)
    try:
        paths = write_reports(report, report_dir)
    except OSError as exc:
        raise _fail(f"{report_dir}: cannot write reports: {exc.strerror or exc}") from None
    paths.append(_write_report_page(report, gold_set, predictions, report_dir / "report.html"))
    console.print(f"reports: {', '.join(str(p) for p in paths)}", highlight=False)
    if nothing_scored:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]error:[/bold red] {nothing_scored}")
        raise typer.Exit(EXIT_GATE_FAILED)
    if report.gate is not None and not report.gate.passed:
        raise typer.Exit(EXIT_GATE_FAILED)


def _write_report_page(report: EvaluationReport, gold: GoldSet, predictions: PredictionSet, path: Path) -> Path:
    """report.html: the review page of the scored articles, with the gate's outcome (see extractor.review)."""
    from extractor.review.model import build_review_page
    from extractor.review.render import ReviewOutputError, write_page

    page = build_review_page(
        predictions, gold=gold, report=report, include_unscored=False, title="Claim extraction evaluation"
    )
    try:
        write_page(page, path)
    except ReviewOutputError as exc:
        raise _fail(str(exc)) from None
    return path


@gold_app.command("import-brat")
def import_brat_command(
    text_dir: Annotated[Path, typer.Argument(help="Folder of article .txt files.")],
    ann_dir: Annotated[Path, typer.Argument(help="Folder of brat .ann files (<stem>.ann or <stem>_<annotator>.ann).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Gold file to write (JSON Lines).")],
    metadata: Annotated[
        Path | None,
        typer.Option("--metadata", help="PolNeAR metadata.tsv, to fill `published` from publication_date."),
    ] = None,
) -> None:
    """Convert brat attribution annotations (PolNeAR) into a gold file, printing what was kept and skipped."""
    from extractor.evaluation.brat import import_brat
    from extractor.evaluation.gold import gold_line

    try:
        # Article paths are written relative to the gold file, so it can be used from any folder.
        result = import_brat(text_dir, ann_dir, base_dir=output.parent, metadata=metadata)
    except EvalInputError as exc:
        raise _fail(str(exc)) from None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(gold_line(article) + "\n" for article in result.articles), encoding="utf-8")
    except OSError as exc:
        raise _fail(f"{output}: cannot write: {exc.strerror or exc}") from None

    table = Table(title=f"brat import -> {output}", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    for description, count in result.stats.rows():
        table.add_row(description, str(count))
    Console().print(table)


@gold_app.command("validate")
def validate_command(
    gold: Annotated[Path, typer.Argument(help="Gold file to check.")],
) -> None:
    """Check a gold file (format, article hashes, evidence offsets) and print its size."""
    from extractor.evaluation.gold import load_gold

    try:
        gold_set = load_gold(gold)
    except EvalInputError as exc:
        raise _fail(str(exc)) from None
    Console().print(f"{gold}: valid; {len(gold_set.articles)} articles, {gold_set.claim_count} claims", highlight=False)
