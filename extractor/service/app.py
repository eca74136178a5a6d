"""The FastAPI application: its lifespan, which owns the Extractors, its middleware, and its routers.

``create_app(settings)`` builds the app; nothing heavy happens until its lifespan starts:
then one ``Extractor`` per allowed strategy is created from ``settings.extraction`` and
started (with no endpoint configured, that starts the embedded model server, one per
process), the job store is opened and the job runner starts (``state.start_service``). On
shutdown the runner finishes (or hands back) its articles in flight, and the extractors
close, stopping the embedded server. Routes (``extractor.service.routes``) only
translate HTTP to the public API (``Extractor.extract``) and to the job store; ``POST
/v1/eval`` runs ``extractor.evaluation.scoring.score``, the code behind ``extractor eval``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from extractor import __version__
from extractor.service import metrics
from extractor.service.auth import KeyRing
from extractor.service.limits import BodyLimit
from extractor.service.logs import REQUEST_ID_HEADER, valid_request_id
from extractor.service.routes import ROUTERS
from extractor.service.settings import ServiceSettings
from extractor.service.state import Service, build_extractors, start_service

__all__ = ["Service", "app_from_environment", "build_extractors", "create_app", "start_service"]

log = logging.getLogger("extractor.service")


def create_app(settings: ServiceSettings, keys: KeyRing | None = None) -> FastAPI:
    """The ASGI application for ``settings`` (``keys``: None serves without authentication)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = await anyio.to_thread.run_sync(start_service, settings, keys)
        service.extracting = anyio.CapacityLimiter(service.default.concurrency)
        app.state.service = service
        log.info(
            "serving strategies %s; jobs in %s; %s",
            ", ".join(settings.strategies), service.store.path,
            "API keys required" if keys is not None else "no API keys (loopback only)",
        )  # fmt: skip
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(service.close)

    # FastAPIOffline: FastAPI whose /docs and /redoc pages load Swagger UI and ReDoc from files the
    # package ships, served by this app (FastAPI's own pages fetch them from a CDN: blank offline).
    app = FastAPIOffline(
        title="extractor",
        version=__version__,
        summary="Source-grounded claim extraction from news articles, and its evaluation.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(metrics.RequestMetrics)
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=valid_request_id)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for router in ROUTERS:
        app.include_router(router)
    return app


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field (400 for a body that is not JSON); the input is not echoed back.

    FastAPI reads the body before the key dependency runs: the key is checked here first, so a
    caller without a valid key learns nothing about the body (401, as for a good body).
    """
    assert isinstance(exc, RequestValidationError)
    refused = _key_refusal(request)
    if refused is not None:
        return refused
    detail = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
    not_json = any(error["type"] == "json_invalid" for error in exc.errors())
    return JSONResponse({"detail": detail}, status_code=400 if not_json else 422)


def _key_refusal(request: Request) -> JSONResponse | None:
    """The 401 the route's key check would answer, for a request whose body failed before that check ran."""
    service = getattr(request.app.state, "service", None)
    if service is None or service.keys is None:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() and service.keys.check(token.strip()) is not None:
        return None
    message = "invalid API key" if token.strip() else "missing API key: send Authorization: Bearer <key>"
    return JSONResponse({"detail": message}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def app_from_environment() -> FastAPI:
    """The app ``extractor serve`` runs in each uvicorn worker: settings from ``EXTRACTOR_SERVICE_SETTINGS``."""
    from extractor.service.logs import configure

    settings = ServiceSettings.from_env()
    configure(settings.log_level)
    keys = KeyRing.load(settings.keys_file) if settings.keys_file is not None else None
    return create_app(settings, keys)
