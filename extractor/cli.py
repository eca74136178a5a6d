"""Command line: a thin layer of argument parsing and exit codes over the package.

Exit codes of ``extractor extract``: 0 every article extracted; 1 some articles
failed or some inputs could not be read (empty, binary, not UTF-8, over
``--max-article-chars``, unsupported, missing or unreadable files, malformed
JSON/JSONL lines): each has its own error line saying why, with the file (and
``:line`` for JSONL) in ``source``, and the rest of the batch still ran; 2 bad
invocation or setup (no inputs, a model server that cannot start, a broken
prompt file); 3 stopped early because the token budget was spent (finished
lines are kept; rerun with ``--resume``); 130 interrupted.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from extractor import __version__
from extractor.articles import DEFAULT_MAX_CHARS, STDIN, FieldMap, read_articles
from extractor.cache import CacheError, ResponseCache, default_cache_dir
from extractor.evaluation.cli import eval_command, gold_app
from extractor.local_model import (
    DEFAULT_LOCAL_MODEL,
    MODELS,
    LocalModelError,
    LocalServer,
    ensure_model,
)
from extractor.output import OutputError, check_output, output_files, partial_path, refuse_output_among_inputs
from extractor.prompts import PromptError
from extractor.review.cli import review_command
from extractor.strategies import DEFAULT_STRATEGY, STRATEGY_NAMES, get_strategy

if TYPE_CHECKING:
    from extractor.batch import BatchSummary

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
err = Console(stderr=True)
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _remote_configured(base_url: str | None) -> bool:
    return bool(base_url or os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_KEY"))


@app.command()
def extract(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Article files or folders (.txt .md .html .json .jsonl); - reads standard input."),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output JSONL, one line per article; - writes to standard output.")
    ],
    strategy: Annotated[str, typer.Option(help=f"One of: {', '.join(STRATEGY_NAMES)}.")] = DEFAULT_STRATEGY,
    model: Annotated[
        str | None, typer.Option(help="Model name at the endpoint (default: EXTRACTOR_MODEL or gpt-4o-mini).")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL).")] = None,
    local_model: Annotated[
        str, typer.Option(help=f"Embedded model when no endpoint is configured: {', '.join(MODELS)}.")
    ] = DEFAULT_LOCAL_MODEL,
    mode: Annotated[
        str,
        typer.Option(
            help="instructor mode: tools (works everywhere, incl. llama.cpp), json_schema (OpenAI, vLLM), json."
        ),
    ] = "tools",
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=256, help="Articles in flight (default: 8; 2 for the embedded server)."),
    ] = None,
    resume: Annotated[bool, typer.Option(help="Keep finished articles already in OUT and do the rest.")] = False,
    cache: Annotated[bool, typer.Option(help="Use the response cache.")] = True,
    cache_dir: Annotated[
        Path | None, typer.Option(help="Cache folder (default: EXTRACTOR_CACHE_DIR or ~/.cache/extractor/responses).")
    ] = None,
    max_article_chars: Annotated[
        int, typer.Option(min=1, help="Longer articles are refused with an error line.")
    ] = DEFAULT_MAX_CHARS,
    token_budget: Annotated[
        int | None, typer.Option(min=1, help="Stop cleanly once the batch has spent this many tokens.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds per model request (default: 120; 600 for the embedded server)."),
    ] = None,
    max_reasks: Annotated[
        int, typer.Option(min=0, max=5, help="Re-asks when the model's output fails validation.")
    ] = 1,
    max_retries: Annotated[int, typer.Option(min=0, max=10, help="Transport retries on 429/5xx/timeouts.")] = 4,
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
    # Imported here so that `extractor eval` never loads the model client libraries.
    from extractor.batch import BatchRunner
    from extractor.llm import LLM, LLMSettings, TokenBudget

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # instructor logs every failed attempt at ERROR even when our retry then succeeds; our own
    # warnings already say what happened, so keep its noise off the terminal.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    try:
        chosen = get_strategy(strategy)
    except (ValueError, PromptError) as exc:
        raise _fail(str(exc)) from None
    if not any(_may_exist(p) for p in paths):
        raise _fail("none of the given paths exists")
    try:  # before any work: -o must be a file this run may write (checked again under its lock)
        refuse_output_among_inputs(out, paths)
        check_output(out, resume=resume)
    except OutputError as exc:
        raise _fail(str(exc)) from None
    server: LocalServer | None = None
    llm: LLM | None = None
    try:
        # Only model answers are cached: a strategy without a model never opens the cache.
        response_cache = ResponseCache(cache_dir or default_cache_dir()) if cache and chosen.uses_llm else None
    except CacheError as exc:
        raise _fail(str(exc)) from None
    fields = FieldMap.with_overrides(id_field=id_field, text_field=text_field, published_field=published_field)
    try:
        if chosen.uses_llm:
            if _remote_configured(base_url):
                settings = LLMSettings.from_env(
                    model=model,
                    base_url=base_url,
                    mode=mode,
                    timeout_s=timeout or 120.0,
                    max_reasks=max_reasks,
                    max_transport_retries=max_retries,
                )
            else:
                err.print(f"No endpoint configured: starting the embedded model [bold]{local_model}[/] on loopback…")
                started = time.perf_counter()
                server = LocalServer(local_model).start()
                err.print(f"  ready in {time.perf_counter() - started:.1f}s at {server.base_url}")
                settings = LLMSettings(
                    model=server.model_name,
                    base_url=server.base_url,
                    endpoint_label=server.endpoint_label,
                    mode="tools",
                    # The embedded server answers one request at a time: a request may queue
                    # behind others, so it gets longer before counting as timed out.
                    timeout_s=timeout or 600.0,
                    max_reasks=max_reasks,
                    max_transport_retries=max_retries,
                )
            llm = LLM(settings, cache=response_cache, budget=TokenBudget(token_budget))
        runner = BatchRunner(
            chosen,
            llm,
            concurrency=concurrency or (2 if server is not None else 8),
            local_server=server,
            show_progress=progress and sys.stderr.isatty(),
        )
        # The output, its temporary and its lock file are never read as inputs, even inside an input folder.
        articles = read_articles(paths, max_chars=max_article_chars, fields=fields, exclude=output_files(out))
        summary = runner.run(articles, out, resume=resume)
    except (LocalModelError, OutputError) as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        where = out if resume or str(out) == "-" else f"{partial_path(out)} ({out} is unchanged)"
        err.print(f"interrupted: finished articles are in {where}; rerun with --resume")
        raise typer.Exit(130) from None
    finally:
        if llm is not None:
            llm.close()
        if server is not None:
            server.stop()
        if response_cache is not None:
            response_cache.close()
    _print_summary(summary, out)
    for note in _identity_notes(summary, resume):
        err.print(note, highlight=False)
    if summary_json:
        summary_json.write_text(json.dumps(summary.as_dict(), indent=2) + "\n", encoding="utf-8")
    raise typer.Exit(summary.exit_code)


def _identity_notes(summary: BatchSummary, resume: bool) -> list[str]:
    """What resume kept and redid, and why; repeated ids: said in words, under the table."""
    notes = []
    if resume:
        redone = sum(summary.redone.values())
        reasons = ", ".join(f"{reason}: {count}" for reason, count in sorted(summary.redone.items()))
        notes.append(
            f"resume: {summary.skipped_resumed} kept from before; redone: {redone}"
            + (f" ({reasons})" if reasons else "")
            + (f"; {summary.torn_lines_dropped} torn line(s) dropped" if summary.torn_lines_dropped else "")
        )
    if summary.duplicate_ids:
        notes.append(f"{summary.duplicate_ids} article(s) repeat an id already used in this batch: an error line each")
    return notes


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
    except CacheError as exc:
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
