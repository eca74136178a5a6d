"""Operations: ``/healthz`` (the process is up), ``/readyz`` (the model endpoint answers), ``/metrics`` (Prometheus)."""

from __future__ import annotations

import time
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from extractor.errors import redact_url
from extractor.service import metrics
from extractor.service.deps import service_of
from extractor.service.models import Health, Readiness
from extractor.service.state import Service

READY_CACHE_S = 1.0

router = APIRouter()


@router.get("/healthz", response_model=Health, tags=["operations"], summary="The process is up")
def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness}},
    tags=["operations"],
    summary="The model endpoint answers",
)
async def readyz(service: Annotated[Service, Depends(service_of)]) -> JSONResponse:
    readiness = await _readiness(service)
    code = 200 if readiness.status == "ready" else 503
    return JSONResponse(readiness.model_dump(), status_code=code)


@router.get(
    "/metrics",
    tags=["operations"],
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    response_class=Response,
)
def prometheus_metrics(service: Annotated[Service, Depends(service_of)]) -> Response:
    collector = metrics.StateCollector(
        service.store.counts_by_state, lambda: sum(e.server_restarts for e in service.extractors.values())
    )
    body, content_type = metrics.render(collector)
    return Response(body, media_type=content_type)


async def _readiness(service: Service) -> Readiness:
    """Ready when every model endpoint in use answers (cached for a second)."""
    cached = service._ready
    if cached is not None and time.monotonic() - cached[0] < READY_CACHE_S:
        return cached[1]
    endpoint = None
    detail = None
    async with httpx.AsyncClient(timeout=2.0) as client:
        for extractor in service.extractors.values():
            if not extractor.strategy.uses_llm:
                continue
            base = extractor.server_base_url or extractor.config.base_url
            if base is None:
                detail = "the embedded model server is not running"
                break
            endpoint = redact_url(base)  # /readyz needs no key: a URL's credentials are never shown
            headers = {"Authorization": f"Bearer {extractor.config.secret()}"} if extractor.config.api_key else {}
            try:
                answer = await client.get(base.rstrip("/") + "/models", headers=headers)
            except httpx.HTTPError as exc:
                detail = f"model endpoint unreachable: {type(exc).__name__}"
                break
            if answer.status_code >= 500:
                detail = f"model endpoint answered {answer.status_code}"
                break
    readiness = Readiness(status="ready" if detail is None else "not ready", model_endpoint=endpoint, detail=detail)
    service._ready = (time.monotonic(), readiness)
    return readiness
