"""``extractor review``: write the review page for a predictions file, optionally against gold.

With ``--annotate`` the page is for correcting the claims and exporting gold (``extractor.review.annotate``);
``--gold`` then names an earlier gold file to continue from instead of one to score against.

Exit codes: 0 the page was written (articles whose text could not be found or
changed are listed on the page without highlights, and counted on stderr);
2 bad input or an output that cannot be written (one line on stderr, never a
traceback, and nothing is written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from extractor.exits import fail


def review_command(
    predictions: Annotated[Path, typer.Argument(help="Predictions: the JSON Lines `extractor extract` writes.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write (one self-contained file).")],
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold file: show matched, missed and spurious claims and per-article scores."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="The page's title.")] = None,
    annotate: Annotated[
        bool,
        typer.Option(
            "--annotate",
            help="Annotate mode: accept, reject, edit and add claims, then export gold (--gold continues one).",
        ),
    ] = False,
    gold_dir: Annotated[
        Path | None,
        typer.Option(
            "--gold-dir",
            help="Annotate mode: the folder the exported gold will be saved in (default: the page's folder).",
        ),
    ] = None,
) -> None:
    """Write an HTML page showing every claim highlighted in its article (offline, no server needed).

    Article texts come from each line's `source` (relative paths are tried from
    the working directory, then from the predictions file's folder) and are shown
    only when their sha256 matches the line's `text_sha256`.
    """
    # Imported here so that `extractor --help` stays fast.
    from extractor.evaluation.errors import EvalInputError
    from extractor.evaluation.gold import load_gold
    from extractor.evaluation.metrics import evaluate
    from extractor.evaluation.predictions import load_predictions
    from extractor.review.model import build_review_page
    from extractor.review.render import ReviewOutputError, write_page
    from extractor.review.texts import TextResolver

    try:
        predicted = load_predictions(predictions)
        gold_set = load_gold(gold) if gold is not None else None
    except EvalInputError as exc:
        raise fail(str(exc)) from None
    base_dirs = [Path.cwd(), predictions.resolve().parent]
    texts = TextResolver(base_dirs)
    if annotate:
        from extractor.review.annotate import build_annotation_page

        folder = gold_dir if gold_dir is not None else output.parent
        page = build_annotation_page(
            predicted, texts=texts, base_dirs=base_dirs, gold_dir=folder, gold=gold_set, title=title
        )
        report = None
    else:
        report = evaluate(gold_set, predicted) if gold_set is not None else None
        page = build_review_page(predicted, texts=texts, gold=gold_set, report=report, title=title)
    del predicted, gold_set, report, texts  # the page holds all it shows; free the parsed lines before writing
    inputs = [predictions, *([gold] if gold is not None else [])]
    try:
        write_page(page, output, inputs=inputs)
    except ReviewOutputError as exc:
        raise fail(str(exc)) from None

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    summary = page.summary
    line = f"review page: {summary.articles} articles, {summary.claims} predicted claims"
    if summary.gold_claims is not None:
        line += f", {summary.gold_claims} gold ({summary.matched} matched, {summary.missed} missed, "
        line += f"{summary.spurious} spurious)"
    err.print(f"{line}; {summary.highlighted} highlights -> {output}")
    if annotate:
        exportable = sum(1 for article in page.articles if article.annotation and article.annotation.source)
        err.print(
            f"annotate: {exportable} of {summary.articles} articles can be exported as gold; save the export in "
            f"{(gold_dir if gold_dir is not None else output.parent).resolve()} (sources are relative to it)"
        )
    if summary.without_text:
        err.print(f"[yellow]warning:[/yellow] {summary.without_text} articles without their text (see their notes)")
    if summary.not_highlighted:
        err.print(
            f"[yellow]warning:[/yellow] {summary.not_highlighted} claims could not be placed in their article's text"
        )
