"""``extractor serve``: options, the loopback rule, and uvicorn.

The extraction options are those of ``extractor extract`` (one per ``ExtractorConfig``
field, same environment variables) and become every request's defaults. Exit codes:
0 after a clean stop (SIGTERM or Ctrl-C: requests in flight are answered, job articles in
flight finish or are handed back to resume at the next start); 2 bad invocation or setup
(a bad option, an unreadable or malformed keys file, a non-loopback ``--host`` without
keys, ``--http-workers`` > 1 with the embedded model, a model server that cannot start, a
jobs database that is not one, a port already in use, the ``service`` extra not installed).

Extraction runs on an engine like every batch (``--engine``, default ``processes``: worker
processes on every usable core, so the HTTP process's interpreter only answers requests).
``--http-workers N`` (formerly ``--workers``) runs N uvicorn processes that share the job
store (each with its own job runner; articles are leased, never run twice) and, through
``PROMETHEUS_MULTIPROC_DIR``, the metrics. The embedded model server stays one per
machine: with no endpoint configured ``--http-workers`` must be 1 (run ``extractor
serve-local`` and pass ``--base-url`` to scale out).

Importing this module is cheap: FastAPI and uvicorn are imported when the command runs.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from extractor.config import ExtractorConfig
from extractor.errors import ConfigError, ExtractorError
from extractor.exits import EXIT_OK, EXIT_USAGE, fail
from extractor.options import with_config_options

if TYPE_CHECKING:
    from extractor.service.settings import ServiceSettings

err = Console(stderr=True, soft_wrap=True)


# The ExtractorConfig options (--strategy, --model, --engine, --workers, ...) are generated from the
# config's fields (extractor.options); the server's own are declared here. The body builds the
# settings, checks the setup (_check_setup) and runs uvicorn (_run).
@with_config_options()
def serve_command(
    host: Annotated[str, typer.Option(help="Address to bind; anything but loopback needs API keys.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    http_workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="uvicorn processes answering HTTP, sharing the job store (1: embedded)."),
    ] = 1,
    api_keys_file: Annotated[
        Path | None,
        typer.Option(envvar="EXTRACTOR_API_KEYS_FILE", help="API keys, one per line (see docs/service.md)."),
    ] = None,
    allow_strategy: Annotated[
        list[str] | None, typer.Option(help="Another strategy a request may ask for (repeatable).")
    ] = None,
    max_body_bytes: Annotated[
        int, typer.Option(min=1024, help="Larger request bodies get 413 (default: 8 MiB).")
    ] = 8 * 1024 * 1024,
    rate_limit: Annotated[str, typer.Option(help="Requests per key, e.g. 120/minute (keys may override).")] = (
        "120/minute"
    ),
    key_token_budget: Annotated[
        int | None, typer.Option(min=1, help="Tokens each key may spend per --budget-window (keys may override).")
    ] = None,
    budget_window: Annotated[int, typer.Option(min=1, help="Seconds of a token budget window.")] = 86_400,
    state_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="EXTRACTOR_STATE_DIR",
            help="Folder for the server's state, the job store (default: $XDG_STATE_HOME/extractor or "
            "~/.local/state/extractor).",
        ),
    ] = None,
    jobs_db: Annotated[
        Path | None, typer.Option(help="Job store file (default: jobs.sqlite3 in --state-dir).")
    ] = None,
    shutdown_grace: Annotated[
        float, typer.Option(min=0, help="Seconds to let work in flight finish on SIGTERM before handing it back.")
    ] = 30.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    *,
    config_fields: dict[str, Any],
) -> None:
    """Serve extraction, jobs and evaluation over HTTP (FastAPI on uvicorn); see docs/service.md."""
    settings_model = _service_settings_model()
    if "workers" in config_fields:
        err.print("note: `serve --workers` sets extraction worker processes, as in `extract`; uvicorn processes "
                  "are --http-workers (its meaning before)", highlight=False)  # fmt: skip
    try:
        # The service's own defaults: extraction in worker processes on every usable core.
        config = ExtractorConfig.from_env(**{"engine": "processes", "workers": "auto", **config_fields})
        settings = settings_model(
            extraction=config, allowed_strategies=tuple(allow_strategy or ()), host=host, port=port,
            http_workers=http_workers,
            keys_file=api_keys_file, max_body_bytes=max_body_bytes, rate_limit=rate_limit,
            key_token_budget=key_token_budget, budget_window_s=budget_window, jobs_db=jobs_db, state_dir=state_dir,
            shutdown_grace_s=shutdown_grace, log_level=log_level,
        )  # fmt: skip
    except ValueError as exc:  # ConfigError, pydantic's ValidationError
        raise fail(_one_line(exc)) from None
    _check_setup(settings)
    raise typer.Exit(_run(settings))


def _service_settings_model() -> type[ServiceSettings]:
    """``ServiceSettings``, once the service extra is known to be installed (else exit 2 saying so)."""
    try:
        importlib.import_module("extractor.service.app")  # imports every package the extra brings
        from extractor.service.settings import ServiceSettings
    except ImportError as exc:
        raise fail(f"the service needs its extra: pip install 'extractor[service]' ({exc.name} is missing)") from None
    return ServiceSettings


def _check_setup(settings: ServiceSettings) -> None:
    """What would fail the server at its start, found before it starts: rate, keys, extractors, host and workers."""
    from extractor.service.auth import KeyRing
    from extractor.service.limits import RateLimiter
    from extractor.service.settings import is_loopback
    from extractor.service.state import build_extractors

    try:
        RateLimiter(settings.rate_limit)
        keys = KeyRing.load(settings.keys_file) if settings.keys_file is not None else None
        extractors = build_extractors(settings)
    except ValueError as exc:  # ConfigError, a bad rate
        raise fail(_one_line(exc)) from None
    if keys is None and not is_loopback(settings.host):
        raise fail(
            f"refusing to serve on {settings.host} without API keys: set EXTRACTOR_API_KEYS_FILE (or --api-keys-file) "
            "to a keys file, or bind a loopback address (--host 127.0.0.1)"
        )
    if settings.http_workers > 1 and any(extractor.embedded for extractor in extractors.values()):
        raise fail(
            "--http-workers > 1 would start one embedded model server per process (they share the CPU and run ~10x "
            "slower): use --http-workers 1, or run `extractor serve-local` once and pass its address as --base-url"
        )
    _check_jobs_db(settings)
    _check_port(settings.host, settings.port)
    if keys is None:
        err.print("No API keys (EXTRACTOR_API_KEYS_FILE is not set): serving without authentication, on loopback only.")


def _check_jobs_db(settings: ServiceSettings) -> None:
    """The job store opens (and is a SQLite database) now, rather than failing the server's start with a traceback."""
    import sqlite3

    from extractor.service.jobs import JobStore

    path = settings.jobs_path()
    try:
        JobStore(path).close()
    except (sqlite3.Error, OSError) as exc:
        raise fail(f"jobs database {path}: cannot use it: {_one_line(exc)} (give another --jobs-db)") from None


def _check_port(host: str, port: int) -> None:
    """The address is free to listen on (as uvicorn binds it, SO_REUSEADDR); port 0 always is."""
    import socket

    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)") from None


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ConfigError | ExtractorError):
        return str(exc)
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"invalid setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(exc)


def _run(settings: object) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from extractor.service.logs import configure
    from extractor.service.settings import SETTINGS_ENV, ServiceSettings

    assert isinstance(settings, ServiceSettings)
    configure(settings.log_level)
    os.environ[SETTINGS_ENV] = settings.to_env()
    metrics_dir = None
    if settings.http_workers > 1:
        metrics_dir = tempfile.mkdtemp(prefix="extractor-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    config = uvicorn.Config(
        "extractor.service.app:app_from_environment", factory=True, host=settings.host, port=settings.port,
        workers=settings.http_workers, log_config=None, access_log=False, lifespan="on",
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_s)), server_header=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    # uvicorn re-raises SIGTERM/SIGINT once it has shut down gracefully; with these handlers in place
    # that re-raise is a no-op, so a clean stop exits 0 rather than dying of the signal.
    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if settings.http_workers > 1:
            sock = config.bind_socket()
            Multiprocess(config, sockets=[sock]).run()
            return EXIT_OK
        server.run()
        # The lifespan failed (a model server that cannot start, an unwritable job store): setup error.
        return EXIT_OK if server.started else EXIT_USAGE
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
