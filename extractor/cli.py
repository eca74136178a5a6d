"""Command line: a thin layer of argument parsing and exit codes over the package.

``extractor extract`` builds an ``ExtractorConfig`` from its options (one option per
field) and the environment (``ExtractorConfig.from_env``), an ``Extractor`` from that,
and hands its results to the batch writer (``extractor.batch``). Exit codes of
``extractor extract``: 0 every article extracted; 1 some articles
failed or some inputs could not be read (empty, binary, not UTF-8, over
``--max-article-chars``, unsupported, missing or unreadable files, malformed
JSON/JSONL lines): each has its own error line saying why, with the file (and
``:line`` for JSONL) in ``source``, and the rest of the batch still ran; 2 bad
invocation or setup (no inputs, a bad option value, an unknown strategy, a model
server that cannot start, a broken prompt file, an unusable cache folder, an output
that is one of the inputs, a folder, not a regular file, not an extractor output,
read-only, or being written by another run); 3 stopped early because the token
budget was spent (finished lines are kept; rerun with ``--resume``); 130
interrupted (finished lines are kept in ``OUT.partial``, or ``OUT`` with
``--resume``; rerun with ``--resume``); 141 standard output was closed by its
reader (``-o - | head``): the run stops quietly, as a filter killed by SIGPIPE.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from extractor import __version__
from extractor.api import Extractor
from extractor.articles import STDIN, FieldMap, read_articles
from extractor.cache import ResponseCache, default_cache_dir
from extractor.claimants.cli import claimants_command, table_command
from extractor.commands.evaluate import diff_command, eval_command, gold_app
from extractor.config import (
    DEFAULT_CLI_WORKERS,
    DEFAULT_LOCAL_MODEL,
    ExtractorConfig,
)
from extractor.errors import ExtractorError, RedactingFilter
from extractor.exits import (
    EXIT_ARTICLE_ERRORS,
    EXIT_BUDGET_SPENT,
    EXIT_CLOSED_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    fail,
)
from extractor.local_model import MODELS, LocalModelError, LocalServer, ensure_model
from extractor.options import with_config_options
from extractor.output import check_output, output_files, partial_path, refuse_output_among_inputs
from extractor.progress import DEFAULT_LOG_EVERY_S, Progress, ProgressMode
from extractor.records import output_json_schema
from extractor.review.cli import review_command
from extractor.service.cli import serve_command

if TYPE_CHECKING:
    from extractor.articles import ArticleFailure
    from extractor.batch import BatchSummary
    from extractor.records import Article

app = typer.Typer(
    name="extractor",
    help="Extract source-grounded claim records (who claimed what, asserting or denying it) from news articles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help (click's): rich's option table cuts long option names at 80 columns.
    rich_markup_mode=None,
)
cache_app = typer.Typer(help="Inspect or clear the response cache.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(cache_app, name="cache")
app.command("eval")(eval_command)
app.command("diff")(diff_command)
app.add_typer(gold_app, name="gold")
app.command("review")(review_command)
app.command("serve")(serve_command)
app.command("claimants")(claimants_command)
app.command("table")(table_command)
err = Console(stderr=True)


class DateOrderChoice(enum.StrEnum):
    """How an ambiguous numeric date is read (``--date-order``)."""

    MDY = "MDY"
    DMY = "DMY"
    YMD = "YMD"


_FIELDS = FieldMap()


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(names)


def _count_inputs(paths: list[Path], read: dict[str, object]) -> int | None:
    """How many articles the inputs hold, when cheap to know (files listed, JSONL lines counted); else None."""
    from extractor.progress import count_articles

    return count_articles(paths, exclude=read["exclude"])  # type: ignore[arg-type]


def exit_code(summary: BatchSummary) -> int:
    """The exit status of ``extractor extract`` for a finished (or stopped) batch."""
    if summary.stopped_reason:
        return EXIT_BUDGET_SPENT
    return EXIT_ARTICLE_ERRORS if summary.errors else EXIT_OK


# The ExtractorConfig options (--strategy, --model, --workers, --engine, ...) are generated from the
# config's fields (extractor.options); the reader's and the batch's are declared here.
@app.command()
@with_config_options()
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl); - reads standard input."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output JSONL, one line per article; - writes to standard output.")
    ],
    resume: Annotated[bool, typer.Option(help="Keep finished articles already in OUT and do the rest.")] = False,
    id_field: Annotated[
        str | None,
        typer.Option(help=f"JSON/JSONL field holding the id (default: {_names(_FIELDS.id)}; else file:line)."),
    ] = None,
    text_field: Annotated[
        str | None, typer.Option(help=f"JSON/JSONL field holding the text (default: {_names(_FIELDS.text)}).")
    ] = None,
    title_field: Annotated[
        str | None, typer.Option(help=f"JSON/JSONL field holding the title (default: {_names(_FIELDS.title)}).")
    ] = None,
    url_field: Annotated[
        str | None, typer.Option(help=f"JSON/JSONL field holding the url (default: {_names(_FIELDS.url)}).")
    ] = None,
    published_field: Annotated[
        str | None,
        typer.Option(
            help=f"JSON/JSONL field holding the publication date (default: {_names(_FIELDS.published)}); read "
            "leniently, one naming no date is a warning."
        ),
    ] = None,
    date_order: Annotated[
        DateOrderChoice,
        typer.Option(help="How a numeric date such as 03/04/2016 is read: MDY (month first), DMY or YMD."),
    ] = DateOrderChoice.MDY,
    detect_header: Annotated[
        bool | None,
        typer.Option(
            "--detect-header/--no-detect-header",
            help="Leave a title line and scraped header matter out of the body (default: only in .txt/.md/.html "
            "files; never in JSON text fields or standard input unless given).",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[
        ProgressMode,
        typer.Option(
            help="auto: a bar on a terminal, else a log line to stderr every --progress-every seconds; bar; log; "
            "none. --no-progress: none.",
        ),
    ] = ProgressMode.auto,
    progress_every: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds between progress log lines (--progress log, or auto off a terminal)."),
    ] = DEFAULT_LOG_EVERY_S,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Same as --progress none.", hidden=True)] = False,
    summary_json: Annotated[Path | None, typer.Option(help="Also write the run summary as JSON here.")] = None,
    *,
    config_fields: dict[str, Any],
) -> None:
    """Extract claims from articles into OUT (one JSON line per article)."""
    _quiet_logs()
    try:
        # The CLI's one default of its own: worker processes "auto" (one per usable core for a CPU pass).
        config = ExtractorConfig.from_env(**{"workers": DEFAULT_CLI_WORKERS, **config_fields})
        extractor = Extractor(config)
    except ExtractorError as exc:
        raise fail(str(exc)) from None
    if not any(_may_exist(p) for p in paths):
        raise fail("none of the given paths exists")
    try:  # before any work: -o must be a file this run may write (checked again under its lock)
        refuse_output_among_inputs(out, paths)
        check_output(out, resume=resume)
    except ExtractorError as exc:
        raise fail(str(exc)) from None
    # The reader's options (the library's read_articles(fields=FieldMap(...))); the output, its temporary
    # and lock files are never read as inputs, even inside an input folder.
    fields = FieldMap.with_overrides(
        id_field=id_field, text_field=text_field, title_field=title_field, url_field=url_field,
        published_field=published_field,
    )  # fmt: skip
    read = {"max_chars": config.max_article_chars, "fields": fields, "exclude": output_files(out),
            "detect_header": detect_header, "date_order": date_order.value}  # fmt: skip
    articles = read_articles(paths, **read)
    mode = ProgressMode.none if no_progress else progress
    shown = Progress(mode, every_s=progress_every, total=_count_inputs(paths, read) if mode != "none" else None)
    with extractor:
        summary = _run_batch(extractor, articles, out, resume=resume, progress=shown)
    _print_summary(summary, out, resumed=resume)
    for note in _identity_notes(summary, resume):
        err.print(note, highlight=False)
    if summary_json:
        summary_json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    raise typer.Exit(exit_code(summary))


def _quiet_logs() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # credentials in a --base-url never reach the terminal
        handler.addFilter(RedactingFilter())
    # instructor logs every failed attempt at ERROR even when our retry then succeeds; our own
    # warnings already say what happened, so keep its noise off the terminal.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)


def _run_batch(
    extractor: Extractor, articles: Iterable[Article | ArticleFailure], out: Path, *, resume: bool, progress: Progress
) -> BatchSummary:
    from extractor.batch import BatchRunner

    try:
        if extractor.embedded and extractor.engine != "ray":
            err.print(
                f"No endpoint configured: the embedded model [bold]{extractor.config.local_model}[/] starts on "
                "loopback when an article needs it (never for results already in the cache)"
            )
        # The embedded server, if any, starts at the first article the result memo does not hold.
        extractor.connect()
        if extractor.engine == "ray":
            extractor.start()  # the actors (and, with the embedded model, one server per node)
            err.print(f"Extracting on Ray with {extractor.running_workers} actors")
        elif extractor.engine == "processes":
            err.print(f"Extracting in {extractor.workers} worker processes")
        runner = BatchRunner(extractor, concurrency=extractor.concurrency, progress=progress)
        return runner.run(articles, out, resume=resume)
    except ExtractorError as exc:  # a server that cannot start, a prompt or cache that cannot load, a bad -o
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        where = out if resume or str(out) == "-" else f"{partial_path(out)} ({out} is unchanged)"
        err.print(f"interrupted: finished articles are in {where}; rerun with --resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # -o - and the reader went away (e.g. `| head`): stop quietly, like any filter
        _quiet_closed_stdout()
        raise typer.Exit(EXIT_CLOSED_PIPE) from None


def _quiet_closed_stdout() -> None:
    """Point stdout at /dev/null's descriptor so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _may_exist(path: Path) -> bool:
    """False only when the path certainly does not exist; an unreadable one gets its own error line."""
    if str(path) == STDIN:
        return True
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        return True
    return True


def _identity_notes(summary: BatchSummary, resume: bool) -> list[str]:
    """What resume kept and redid, and why; repeated ids: said in words, under the table."""
    notes = []
    if resume:
        redone = sum(summary.redone.values())
        reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(summary.redone.items()))
        torn = f"; {summary.torn_lines_dropped} torn line(s) dropped" if summary.torn_lines_dropped else ""
        because = f" ({reasons})" if reasons else ""
        notes.append(f"resume: {summary.skipped_resumed} kept from before; redone: {redone}{because}{torn}")
    if summary.duplicate_ids:
        notes.append(f"{summary.duplicate_ids} article(s) repeat an id already used in this batch: an error line each")
    return notes


def _print_summary(summary: BatchSummary, out: Path, *, resumed: bool = False) -> None:
    table = Table(title=f"extract → {out}", show_header=False)
    per_article = summary.wall_seconds / max(1, summary.articles)
    rows = {
        "articles": f"{summary.articles} ({summary.ok} ok, {summary.errors} error"
        + (f", {summary.skipped_resumed} kept from before" if summary.skipped_resumed else "")
        + ")",
        "claims": str(summary.claims),
    }
    if resumed:  # what OUT holds now: the lines kept from before and those done in this run
        rows = {
            "articles in OUT": f"{summary.articles_in_output} ({summary.kept_articles} kept from before; "
            f"{summary.articles} done now: {summary.ok} ok, {summary.errors} error)",
            "claims in OUT": f"{summary.claims_in_output} ({summary.kept_claims} kept, {summary.claims} new)",
        }
    rows |= {
        "dropped (ungrounded)": str(summary.dropped_ungrounded),
        "LLM calls": str(summary.usage.llm_calls),
        "cache hits": str(summary.usage.cache_hits),
        "tokens (prompt / completion)": f"{summary.usage.prompt_tokens:,} / {summary.usage.completion_tokens:,}",
        "re-asks / transport retries": f"{summary.usage.reasks} / {summary.usage.transport_retries}",
        "wall time": f"{summary.wall_seconds:.1f}s ({per_article:.2f}s per article)",
    }
    if summary.server_restarts:
        rows["model server restarts"] = str(summary.server_restarts)
    if summary.stopped_reason:
        rows["stopped early"] = summary.stopped_reason
    for key, value in rows.items():
        table.add_row(key, value)
    err.print(table)


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of one output line of `extractor extract` (an ArticleResult)."""
    typer.echo(json.dumps(output_json_schema(), indent=2, ensure_ascii=False))


@app.command("serve-local")
def serve_local(
    local_model: Annotated[str, typer.Option("--model", help=f"One of: {', '.join(MODELS)}.")] = DEFAULT_LOCAL_MODEL,
    port: Annotated[int | None, typer.Option(help="Loopback port (default: a free one).")] = None,
) -> None:
    """Run the embedded model's OpenAI-compatible server in the foreground, for other tools."""
    try:
        server = LocalServer(local_model, port=port).start()
    except LocalModelError as exc:
        raise fail(str(exc)) from None
    err.print(f"serving {server.model_name} at {server.base_url} (OPENAI_BASE_URL={server.base_url}); Ctrl-C stops it")
    try:
        while server.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


@app.command("fetch-model")
def fetch_model(
    local_model: Annotated[str, typer.Argument(help=f"One of: {', '.join(MODELS)}.")] = DEFAULT_LOCAL_MODEL,
) -> None:
    """Assemble and verify an embedded model file (done automatically on first use)."""
    try:
        path = ensure_model(local_model)
    except LocalModelError as exc:
        raise fail(str(exc)) from None
    typer.echo(str(path))


@cache_app.command("stats")
def cache_stats(cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None) -> None:
    """Entries, size, hits and misses of the response cache."""
    store = _open_cache(cache_dir)
    stats = store.stats()
    _print_cache_warnings(store)
    typer.echo(json.dumps(stats.__dict__, indent=2))


@cache_app.command("clear")
def cache_clear(cache_dir: Annotated[Path | None, typer.Option(help="Cache folder.")] = None) -> None:
    """Remove every cached response."""
    store = _open_cache(cache_dir)
    removed = store.clear()
    _print_cache_warnings(store)
    typer.echo(f"removed {removed} cached responses")


def _open_cache(cache_dir: Path | None) -> ResponseCache:
    # Recoveries are printed once, by the command (below): a handler here keeps logging's last-resort
    # printer from repeating them, while the records still propagate to any configured handler.
    logging.getLogger("extractor.cache").addHandler(logging.NullHandler())
    try:
        return ResponseCache(cache_dir or default_cache_dir())
    except ExtractorError as exc:
        raise fail(str(exc)) from None


def _print_cache_warnings(store: ResponseCache) -> None:
    for warning in store.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Extract source-grounded claim records from news articles, and evaluate them."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
