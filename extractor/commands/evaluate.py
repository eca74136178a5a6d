"""Command-line entry points: ``extractor eval``, ``extractor diff`` and ``extractor gold ...``.

The gold commands: ``import-brat``, ``validate``, ``from-predictions`` (a draft), ``agree`` (two
annotators) and ``merge``.

Exit codes of ``eval``: 0 when the gate passes (or there is no gate), 1 when a
threshold or the baseline comparison fails or when nothing could be scored (an
empty predictions file, or predictions for none of the gold articles), 2 on bad
input (a one-line message on stderr, never a traceback). The gold commands exit 0 or 2.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor.evaluation.errors import EvalInputError
from extractor.exits import EXIT_GATE_FAILED, fail

if TYPE_CHECKING:
    from extractor.evaluation.gold import GoldArticle, GoldSet
    from extractor.evaluation.metrics import EvaluationReport
    from extractor.evaluation.predictions import PredictionSet

DEFAULT_REPORT_DIR = Path("out/eval")

gold_app = typer.Typer(
    help="Gold files: import brat/PolNeAR annotations, validate, draft from predictions, agree, merge.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: readable at 80 columns
)


# Long only in its declarations (one typer option per setting, each with its help); the body loads the
# inputs, scores (scoring.score), writes the reports and maps the gate to the exit code.
def eval_command(
    gold: Annotated[Path, typer.Option("--gold", help="Gold file (JSON Lines, see docs/evaluation.md).")],
    pred: Annotated[Path, typer.Option("--pred", help="Predictions: the JSON Lines `extractor extract` writes.")],
    thresholds: Annotated[
        Path | None,
        typer.Option(
            "--thresholds", help="JSON or TOML file of minimums and per-metric tolerances (docs/evaluation.md)."
        ),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="An earlier report.json; fail on regressions below it.")
    ] = None,
    tolerance: Annotated[
        float | None,
        typer.Option(
            "--tolerance",
            min=0.0,
            max=1.0,
            help="How far below the baseline a metric may fall (and still fail only outside the baseline's "
            "bootstrap interval); default: the thresholds file's [gate] tolerance, else 0.02.",
        ),
    ] = None,
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
    passed; 1: a threshold missed, a metric more than its tolerance below the
    baseline and below the baseline's bootstrap interval, or nothing to score
    (no prediction for any gold article); 2: bad input.
    """
    # Imported here so that `extractor --help` stays fast; none of these touch an LLM.
    from extractor.evaluation.gate import DEFAULT_TOLERANCE, GateRules, load_baseline, load_gate_rules
    from extractor.evaluation.gold import load_gold
    from extractor.evaluation.predictions import load_predictions
    from extractor.evaluation.reports import print_report, write_reports
    from extractor.evaluation.scoring import score

    try:
        rules = load_gate_rules(thresholds) if thresholds is not None else None
        reference = load_baseline(baseline) if baseline is not None else None
        gold_set = load_gold(gold)
        predicted = load_predictions(pred)
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    given = rules or GateRules()
    default_tolerance = tolerance if tolerance is not None else given.default_tolerance
    scoring = score(
        gold_set,
        predicted,
        thresholds=given.minimums if rules is not None else None,
        baseline=reference,
        tolerance=default_tolerance if default_tolerance is not None else DEFAULT_TOLERANCE,
        tolerances=given.tolerances,
        compared=given.compared,
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
        raise fail(f"{report_dir}: cannot write reports: {exc.strerror or exc}") from None
    paths.append(_write_report_page(report, gold_set, predictions, report_dir / "report.html"))
    console.print(f"reports: {', '.join(str(p) for p in paths)}", highlight=False)
    if nothing_scored:
        raise fail(nothing_scored, EXIT_GATE_FAILED)
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
        raise fail(str(exc)) from None
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
        raise fail(str(exc)) from None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(gold_line(article) + "\n" for article in result.articles), encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror or exc}") from None

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
        raise fail(str(exc)) from None
    console = Console(highlight=False)
    console.print(f"{gold}: valid; {len(gold_set.articles)} articles, {gold_set.claim_count} claims")
    for warning in gold_set.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


@gold_app.command("from-predictions")
def from_predictions_command(
    predictions: Annotated[Path, typer.Argument(help="Predictions: the JSON Lines `extractor extract` writes.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Draft gold file to write (JSON Lines).")],
) -> None:
    """Write a draft gold file: every predicted claim accepted, every article marked `reviewed: false`.

    Article files are found from each line's `source` (relative paths from the working directory, then
    the predictions file's folder) and must still have the text the line's `text_sha256` names; sources
    are written relative to the output's folder. Lines that cannot be drafted (errors, converted or
    JSON inputs, changed files) are listed and left out. Exit 0, or 2 on bad input.
    """
    from extractor.evaluation.drafts import draft_from_predictions
    from extractor.evaluation.predictions import load_predictions

    try:
        predicted = load_predictions(predictions)
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    base_dirs = [Path.cwd(), predictions.resolve().parent]
    draft = draft_from_predictions(list(predicted.results.values()), base_dirs, output.parent)
    if not draft.articles:
        reasons = "; ".join(f"{article_id}: {why}" for article_id, why in draft.skipped[:3])
        raise fail(f"{predictions}: no line could be drafted ({reasons})")
    _write_gold(output, draft.articles)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    claims = sum(len(article.claims) for article in draft.articles)
    err.print(f"draft gold: {len(draft.articles)} articles, {claims} claims, all unreviewed -> {output}")
    for article_id, why in draft.skipped:
        err.print(f"[yellow]skipped[/yellow] {article_id}: {why}")


def _write_gold(output: Path, articles: list[GoldArticle]) -> None:
    from extractor.evaluation.gold import gold_line

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(gold_line(article) + "\n" for article in articles), encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror or exc}") from None


@gold_app.command("agree")
def agree_command(
    first: Annotated[Path, typer.Argument(help="Gold file A (one annotator).")],
    second: Annotated[Path, typer.Argument(help="Gold file B (another annotator, same articles).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of text.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the JSON report to this file.")
    ] = None,
) -> None:
    """Inter-annotator agreement: span F1, Cohen's kappa on stance, claimant agreement, conflicts per article.

    Exit 0, or 2 on bad input (either file invalid, or no article in common).
    """
    from extractor.evaluation.agreement import agree, render_agreement_text
    from extractor.evaluation.gold import load_gold

    try:
        report = agree(load_gold(first), load_gold(second))
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    if not report.articles:
        raise fail(f"{first} and {second} hold no article in common (by id or by text)")
    rendered = report.model_dump_json(indent=2)
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(rendered + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"{output}: cannot write: {exc.strerror or exc}") from None
    typer.echo(rendered if as_json else render_agreement_text(report), nl=as_json)


class Side(enum.StrEnum):
    A = "A"
    B = "B"


@gold_app.command("merge")
def merge_command(
    first: Annotated[Path, typer.Argument(help="Gold file A.")],
    second: Annotated[Path, typer.Argument(help="Gold file B.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Merged gold file to write.")],
    prefer: Annotated[Side, typer.Option("--prefer", help="Whose version of a paired claim wins where they differ.")],
) -> None:
    """Merge two annotators' gold: every claim either found, and the preferred side's version of each pair.

    Exit 0, or 2 on bad input.
    """
    from extractor.evaluation.agreement import merge_gold
    from extractor.evaluation.gold import load_gold

    try:
        merged = merge_gold(load_gold(first), load_gold(second), "a" if prefer is Side.A else "b", output.parent)
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    _write_gold(output, merged)
    claims = sum(len(article.claims) for article in merged)
    Console(stderr=True, highlight=False).print(f"merged gold: {len(merged)} articles, {claims} claims -> {output}")


class DiffFormat(enum.StrEnum):
    MD = "md"
    HTML = "html"
    JSON = "json"


def diff_command(
    first: Annotated[Path, typer.Argument(help="Run A: predictions (JSON Lines from `extractor extract`).")],
    second: Annotated[Path, typer.Argument(help="Run B: predictions of the same articles.")],
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold file: also say which changes fixed a miss or broke a match.")
    ] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", help="md (a PR comment), html or json.")] = (
        DiffFormat.MD
    ),
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here, not to standard output.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Markdown: the most changed articles shown.")] = 10,
) -> None:
    """What changed between two runs, per article: claims only in A, only in B, and changed on the same evidence.

    Exit 0 (whatever changed), or 2 on bad input. HTML needs -o (the review page in diff mode).
    """
    from extractor.evaluation.diff import diff_runs, render_markdown
    from extractor.evaluation.gold import load_gold
    from extractor.evaluation.predictions import load_predictions

    if output_format is DiffFormat.HTML and output is None:
        raise fail("--format html writes a page: give it a file with -o")
    try:
        run_a, run_b = load_predictions(first), load_predictions(second)
        gold_set = load_gold(gold) if gold is not None else None
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    diff = diff_runs(run_a, run_b, gold_set)
    if not diff.totals.articles:
        raise fail(f"{first} and {second} hold no article in common (by id or by text)")
    if output_format is DiffFormat.HTML:
        from extractor.review.diffpage import build_diff_page
        from extractor.review.render import ReviewOutputError, write_page
        from extractor.review.texts import TextResolver

        texts = TextResolver([Path.cwd(), second.resolve().parent, first.resolve().parent])
        try:
            assert output is not None  # checked above
            write_page(build_diff_page(diff, run_a, run_b, texts), output, inputs=[first, second])
        except ReviewOutputError as exc:
            raise fail(str(exc)) from None
        return
    rendered = render_markdown(diff, top=top) if output_format is DiffFormat.MD else diff.model_dump_json(indent=2)
    if output is None:
        typer.echo(rendered, nl=not rendered.endswith("\n"))
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(rendered if rendered.endswith("\n") else rendered + "\n", encoding="utf-8")
    except OSError as exc:
        raise fail(f"{output}: cannot write: {exc.strerror or exc}") from None
