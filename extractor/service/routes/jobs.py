"""``/v1/jobs``: submit many articles as a job, read its state, stream its results, cancel it.

A job is stored before it is answered (202); the job runner extracts its articles
in the background, and its results stream as JSON Lines as they finish.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import TypeAdapter, ValidationError

from extractor.records import Usage
from extractor.service.auth import ApiKey
from extractor.service.deps import check_article, error_responses, invalid, require_key, service_of
from extractor.service.jobs import JobInfo
from extractor.service.models import ArticleIn, JobAccepted, JobCounts, JobError, JobStatus
from extractor.service.state import Service

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/jsonl")
RESULTS_POLL_S = 0.2
_ARTICLE_LIST = TypeAdapter(list[ArticleIn])
# POST /v1/jobs reads its body itself (a JSON list or JSON Lines), so its schema is declared here.
_JOB_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}, "minItems": 1}
        },
        "application/x-ndjson": {"schema": {"type": "string", "description": "One ArticleIn per line."}},
    },
}

router = APIRouter()


@router.post(
    "/v1/jobs",
    status_code=202,
    response_model=JobAccepted,
    responses=error_responses(400, 401, 403, 413, 422, 429),
    tags=["jobs"],
    summary="Submit many articles as a job",
    openapi_extra={"requestBody": _JOB_BODY},
)
async def submit_job(
    request: Request,
    service: Annotated[Service, Depends(service_of)],
    key: Annotated[ApiKey, Depends(require_key("jobs"))],
) -> Response:
    """A job of articles (a JSON list, or JSON Lines with `Content-Type: application/x-ndjson`); 202 once stored."""
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    articles = _parse_job(body, content_type in JSONL_TYPES)
    if len(articles) > service.settings.max_job_articles:
        raise invalid(["body"], f"a job holds at most {service.settings.max_job_articles:,} articles")
    for index, article in enumerate(articles):
        check_article(service, article, ["body", index])
    stored = [article.model_dump(mode="json", exclude_none=True) for article in articles]
    job_id = await anyio.to_thread.run_sync(service.store.create, key.name, stored)
    if service.runner is not None:
        service.runner.wake()
    accepted = JobAccepted(
        id=job_id, articles=len(articles), status_url=f"/v1/jobs/{job_id}",
        results_url=f"/v1/jobs/{job_id}/results",
    )  # fmt: skip
    return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})


@router.get(
    "/v1/jobs/{job_id}",
    response_model=JobStatus,
    responses=error_responses(401, 403, 404, 429),
    tags=["jobs"],
    summary="A job's state, counts, usage and errors",
)
def job_status(
    job_id: str,
    service: Annotated[Service, Depends(service_of)],
    key: Annotated[ApiKey, Depends(require_key("jobs"))],
) -> JobStatus:
    return _job_status(_own_job(service, key, job_id))


@router.get(
    "/v1/jobs/{job_id}/results",
    responses={
        200: {
            "description": "One output line per finished article (JSON Lines), in finishing order.",
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 404, 429),
    },
    response_class=StreamingResponse,
    tags=["jobs"],
    summary="Stream a job's results as they are ready",
)
async def job_results(
    job_id: str,
    service: Annotated[Service, Depends(service_of)],
    key: Annotated[ApiKey, Depends(require_key("jobs"))],
    wait: Annotated[bool, Query(description="Keep streaming until the job ends (else: what is ready now).")] = True,
) -> StreamingResponse:
    """The job's output lines (each the line `extractor extract` writes), streamed as articles finish."""
    await anyio.to_thread.run_sync(_own_job, service, key, job_id)
    return StreamingResponse(_stream_results(service, job_id, wait), media_type="application/x-ndjson")


@router.delete(
    "/v1/jobs/{job_id}",
    response_model=JobStatus,
    responses=error_responses(401, 403, 404, 429),
    tags=["jobs"],
    summary="Cancel a job",
)
def cancel_job(
    job_id: str,
    service: Annotated[Service, Depends(service_of)],
    key: Annotated[ApiKey, Depends(require_key("jobs"))],
) -> JobStatus:
    """Cancel: articles not started never start (finished ones stay readable); a finished job is unchanged."""
    _own_job(service, key, job_id)
    service.store.cancel(job_id)
    return _job_status(_own_job(service, key, job_id))


def _parse_job(body: bytes, jsonl: bool) -> list[ArticleIn]:
    """The articles of a job body; a bad one is a 422 naming ``body[index].field`` (or the JSONL line)."""
    if not jsonl:
        try:
            articles = _ARTICLE_LIST.validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(
                [{"loc": ("body", *error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
            ) from None
    else:
        articles = []
        for number, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                articles.append(ArticleIn.model_validate_json(line))
            except ValidationError as exc:
                raise RequestValidationError(
                    [{"loc": ("body", f"line {number}", *error["loc"]), "msg": error["msg"], "type": error["type"]}
                     for error in exc.errors()]
                ) from None
    if not articles:
        raise invalid(["body"], "a job needs at least one article")
    return articles


async def _stream_results(service: Service, job_id: str, wait: bool) -> AsyncIterator[bytes]:
    seq = 0
    while True:
        rows = await anyio.to_thread.run_sync(service.store.results_after, job_id, seq)
        for seq, line in rows:  # noqa: B007 - the last seq read is where the next poll starts
            yield (line + "\n").encode("utf-8")
        if rows:
            continue
        info = await anyio.to_thread.run_sync(service.store.info, job_id)
        if not wait or info is None or (info.state in ("done", "cancelled") and not info.counts["running"]):
            rows = await anyio.to_thread.run_sync(service.store.results_after, job_id, seq)
            for seq, line in rows:  # noqa: B007
                yield (line + "\n").encode("utf-8")
            if not rows:
                return
            continue
        await asyncio.sleep(RESULTS_POLL_S)


def _job_status(info: JobInfo) -> JobStatus:
    return JobStatus(
        id=info.id,
        state=info.state,  # type: ignore[arg-type]
        created_at=_utc(info.created_at),
        updated_at=_utc(info.updated_at),
        paused_until=_utc(info.paused_until) if info.paused_until is not None else None,
        counts=JobCounts(**{name: info.counts[name] for name in JobCounts.model_fields}),
        usage=Usage(**info.usage),
        errors=[JobError(**error) for error in info.errors],
    )


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _own_job(service: Service, key: ApiKey, job_id: str) -> JobInfo:
    info = service.store.info(job_id)
    if info is None or info.key_name != key.name:
        raise HTTPException(404, f"no job {job_id!r}")
    return info
