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
``--resume``; rerun with ``--resume``).
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
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor import __version__
from extractor.api import Extractor
from extractor.articles import STDIN, FieldMap, read_articles
from extractor.cache import ResponseCache, default_cache_dir
from extractor.config import (
    DEFAULT_CLI_WORKERS,
    DEFAULT_LOCAL_MODEL,
    DEFAULT_MAX_ARTICLE_CHARS,
    DEFAULT_MAX_REASKS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REMOTE_MODEL,
    DEFAULT_STRATEGY,
    MAX_CONCURRENCY,
    MAX_REASKS,
    MAX_RETRIES,
    ExtractorConfig,
)
from extractor.errors import ExtractorError, RedactingFilter
from extractor.evaluation.cli import eval_command, gold_app
from extractor.local_model import MODELS, LocalModelError, LocalServer, ensure_model
from extractor.output import check_output, output_files, partial_path, refuse_output_among_inputs
from extractor.records import output_json_schema
from extractor.review.cli import review_command
from extractor.service.cli import serve_command
from extractor.strategies import STRATEGY_NAMES

if TYPE_CHECKING:
    from extractor.articles import ArticleFailure
    from extractor.batch import BatchSummary
    from extractor.records import Article

app = typer.Typer(
    name="extractor",
    help="Extract source-grounded claim records (who claimed what, asserting or denying it) from news articles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Inspect or clear the response cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
app.command("eval")(eval_command)
app.add_typer(gold_app, name="gold")
app.command("review")(review_command)
app.command("serve")(serve_command)
err = Console(stderr=True)


class Engine(enum.StrEnum):
    """Where ``extractor extract`` runs the articles."""

    local = "local"
    ray = "ray"


EXIT_OK = 0
EXIT_ARTICLE_ERRORS = 1
EXIT_USAGE = 2
EXIT_BUDGET_SPENT = 3
EXIT_INTERRUPTED = 130


def exit_code(summary: BatchSummary) -> int:
    """The exit status of ``extractor extract`` for a finished (or stopped) batch."""
    if summary.stopped_reason:
        return EXIT_BUDGET_SPENT
    return EXIT_ARTICLE_ERRORS if summary.errors else EXIT_OK


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


# Long only in its declarations (one typer option per ExtractorConfig field, each with its help);
# the body is a dozen lines: config, Extractor, batch, summary, exit code.
@app.command()
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl); - reads standard input."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output JSONL, one line per article; - writes to standard output.")
    ],
    strategy: Annotated[
        str | None,
        typer.Option(help=f"One of: {', '.join(STRATEGY_NAMES)}, or a plugin's (default: {DEFAULT_STRATEGY})."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(help=f"Model name at the endpoint (default: EXTRACTOR_MODEL or {DEFAULT_REMOTE_MODEL})."),
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL).")] = None,
    local_model: Annotated[
        str | None,
        typer.Option(
            help=f"Embedded model when no endpoint is configured: {', '.join(MODELS)} (default: {DEFAULT_LOCAL_MODEL})."
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="instructor mode: tools (default; works everywhere, incl. llama.cpp), json_schema (OpenAI, vLLM), "
            "json."
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_CONCURRENCY,
            help="Articles in flight over all workers (default: 8; 2 for the embedded server).",
        ),
    ] = None,
    workers: Annotated[
        str,
        typer.Option(
            help="Worker processes (a number, or auto: one per usable core when the strategy has a CPU pass "
            "(baseline, guided, guided_full) and the model is not the embedded one, else 1). Workers share one "
            "embedded model server.",
        ),
    ] = DEFAULT_CLI_WORKERS,
    engine: Annotated[
        Engine,
        typer.Option(
            help="Where articles are extracted: local (this machine's worker processes) or ray (an actor pool on a "
            "Ray cluster; needs the ray extra). With ray, --workers is the number of actors (auto: the cluster's "
            "CPUs).",
        ),
    ] = Engine.local,
    ray_address: Annotated[
        str | None,
        typer.Option(help="Ray cluster to join with --engine ray (e.g. auto, ray://head:10001); default: a local "
                     "instance on this machine's cores."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Keep finished articles already in OUT and do the rest.")] = False,
    cache: Annotated[bool | None, typer.Option(help="Use the response cache (default: on).")] = None,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (default: EXTRACTOR_CACHE_DIR or ~/.cache/extractor/responses).")
    ] = None,
    max_article_chars: Annotated[
        int | None,
        typer.Option(
            min=1, help=f"Longer articles are refused with an error line (default: {DEFAULT_MAX_ARTICLE_CHARS:,})."
        ),
    ] = None,
    token_budget: Annotated[
        int | None, typer.Option(min=1, help="Stop cleanly once the batch has spent this many tokens.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds per model request (default: 120; 600 for the embedded server)."),
    ] = None,
    max_reasks: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_REASKS,
            help=f"Re-asks when the model's output fails validation (default: {DEFAULT_MAX_REASKS}).",
        ),
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            min=0, max=MAX_RETRIES, help=f"Transport retries on 429/5xx/timeouts (default: {DEFAULT_MAX_RETRIES})."
        ),
    ] = None,
    id_field: Annotated[
        str | None, typer.Option(help="JSON/JSONL field holding the article id (default: id; else file:line).")
    ] = None,
    text_field: Annotated[
        str | None, typer.Option(help="JSON/JSONL field holding the text (default: text, content or body).")
    ] = None,
    published_field: Annotated[
        str | None,
        typer.Option(help="JSON/JSONL field holding the ISO publication date or datetime (default: published, date)."),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    summary_json: Annotated[Path | None, typer.Option(help="Also write the run summary as JSON here.")] = None,
) -> None:
    """Extract claims from articles into OUT (one JSON line per article)."""
    _quiet_logs()
    try:
        config = ExtractorConfig.from_env(
            strategy=strategy, model=model, base_url=base_url, local_model=local_model, mode=mode,
            concurrency=concurrency, workers=workers, cache=cache, cache_dir=cache_dir,
            max_article_chars=max_article_chars, token_budget=token_budget, timeout_s=timeout, max_reasks=max_reasks,
            max_retries=max_retries,
        )  # fmt: skip
        extractor = Extractor(config)
    except ExtractorError as exc:
        raise _fail(str(exc)) from None
    if not any(_may_exist(p) for p in paths):
        raise _fail("none of the given paths exists")
    try:  # before any work: -o must be a file this run may write (checked again under its lock)
        refuse_output_among_inputs(out, paths)
        check_output(out, resume=resume)
    except ExtractorError as exc:
        raise _fail(str(exc)) from None
    # The reader's options (the library's read_articles(fields=FieldMap(...))); the output, its temporary
    # and lock files are never read as inputs, even inside an input folder.
    fields = FieldMap.with_overrides(id_field=id_field, text_field=text_field, published_field=published_field)
    articles = read_articles(paths, max_chars=config.max_article_chars, fields=fields, exclude=output_files(out))
    if engine is Engine.ray:
        summary = _run_on_ray(config, articles, out, resume=resume, progress=progress, address=ray_address)
    else:
        with extractor:
            summary = _run_batch(extractor, articles, out, resume=resume, progress=progress)
    _print_summary(summary, out)
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
    extractor: Extractor, articles: Iterable[Article | ArticleFailure], out: Path, *, resume: bool, progress: bool
) -> BatchSummary:
    from extractor.batch import BatchRunner

    try:
        if extractor.embedded:
            err.print(
                f"No endpoint configured: starting the embedded model [bold]{extractor.config.local_model}[/]"
                " on loopback…"
            )
            started = time.perf_counter()
            extractor.start()
            err.print(f"  ready in {time.perf_counter() - started:.1f}s at {extractor.server_base_url}")
        else:
            extractor.start()
        if extractor.workers > 1:
            err.print(f"Extracting in {extractor.workers} worker processes")
        runner = BatchRunner(
            extractor, concurrency=extractor.concurrency, show_progress=progress and sys.stderr.isatty()
        )
        return runner.run(articles, out, resume=resume)
    except ExtractorError as exc:  # a server that cannot start, a prompt or cache that cannot load, a bad -o
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        where = out if resume or str(out) == "-" else f"{partial_path(out)} ({out} is unchanged)"
        err.print(f"interrupted: finished articles are in {where}; rerun with --resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except BrokenPipeError:  # -o - and the reader went away (e.g. `| head`): stop, like any filter
        _quiet_closed_stdout()
        err.print("standard output was closed: stopped")
        raise typer.Exit(EXIT_INTERRUPTED) from None


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


def _run_on_ray(
    config: ExtractorConfig,
    articles: Iterable[Article | ArticleFailure],
    out: Path,
    *,
    resume: bool,
    progress: bool,
    address: str | None,
) -> BatchSummary:
    """The batch on a Ray cluster: this process reads the inputs and writes OUT; Ray actors extract."""
    from extractor.batch import BatchRunner

    try:
        from extractor import ray as ray_engine
    except ImportError as exc:
        raise _fail(f"--engine ray: {exc}") from None
    started_here = not address and not ray_engine.ray.is_initialized()
    try:
        ray_engine.connect(address)
        actors = None if config.workers == "auto" else int(config.workers)
        with ray_engine.RayEngine(config, actors=actors) as engine:
            err.print(f"Extracting on Ray with {len(engine.actors)} actors")
            runner = BatchRunner(engine, concurrency=1, show_progress=progress and sys.stderr.isatty())
            return runner.run(articles, out, resume=resume)
    except ExtractorError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        where = out if resume or str(out) == "-" else f"{partial_path(out)} ({out} is unchanged)"
        err.print(f"interrupted: finished articles are in {where}; rerun with --resume")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if started_here:
            ray_engine.ray.shutdown()


def _print_summary(summary: BatchSummary, out: Path) -> None:
    table = Table(title=f"extract → {out}", show_header=False)
    per_article = summary.wall_seconds / max(1, summary.articles)
    rows = {
        "articles": f"{summary.articles} ({summary.ok} ok, {summary.errors} error"
        + (f", {summary.skipped_resumed} kept from before" if summary.skipped_resumed else "")
        + ")",
        "claims": str(summary.claims),
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
        raise _fail(str(exc)) from None
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
        raise _fail(str(exc)) from None
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
        raise _fail(str(exc)) from None


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
