"""``/v1/jobs``: submit many articles as a job, read its state, stream its results, cancel it.

A job is stored before it is answered (202); the job runner extracts its articles
in the background, and its results stream as JSON Lines as they finish.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from extractor import assign_keys
from extractor.articles import DEFAULT_DATE_ORDER, ArticleFailure, DateOrder, FieldMap, unwritable
from extractor.progress import rate_and_eta
from extractor.records import ArticleResult, Usage
from extractor.service.auth import ApiKey
from extractor.service.deps import error_responses, invalid, require_key, service_of
from extractor.service.jobs import JobInfo
from extractor.service.models import JobAccepted, JobCounts, JobError, JobProgress, JobStatus
from extractor.service.state import Service, request_article

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/jsonl")
RESULTS_POLL_S = 0.2
# POST /v1/jobs reads its body itself (a JSON list or JSON Lines), so its schema is declared here.
_RECORD = {
    "type": "object",
    "description": "An article record: `text` (or the field `text_field` names, or body, content, …), and any "
    "other fields; see ArticleIn for the usual ones.",
    "additionalProperties": True,
}
_JOB_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "array", "items": _RECORD, "minItems": 1},
                    {
                        "type": "object",
                        "properties": {
                            "articles": {"type": "array", "items": _RECORD, "minItems": 1},
                            "fields": {
                                "type": "object",
                                "description": "Article field -> record field, e.g. {\"text\": \"body\"}.",
                                "additionalProperties": {"type": "string"},
                            },
                        },
                        "required": ["articles"],
                    },
                ]
            }
        },
        "application/x-ndjson": {"schema": {"type": "string", "description": "One article record per line."}},
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
    mapping: Annotated[JobFields, Depends()],
) -> Response:
    """A job of articles (a JSON list, JSON Lines with `Content-Type: application/x-ndjson`, or an object
    `{"articles": [...], "fields": {"text": "body", ...}}`); 202 once stored.

    Each record is read as the CLI reads a JSONL line: the field names below (or `fields`) say which hold
    the id, text, title, url and date (defaults: common scraper names), every other field goes to `meta`,
    and a date that names no date is a warning on the line. `strategy` and `detect_header` in a record
    are that article's options, as in `POST /v1/extract`."""
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    records, places, fields_given = _parse_job(body, content_type in JSONL_TYPES)
    if len(records) > service.settings.max_job_articles:
        raise invalid(["body"], f"a job holds at most {service.settings.max_job_articles:,} articles")
    fields = mapping.field_map(fields_given)
    stored = [_job_article(service, record, fields, mapping, loc) for record, loc in zip(records, places, strict=True)]
    job_id = await anyio.to_thread.run_sync(service.store.create, key.name, stored)
    if service.runner is not None:
        service.runner.wake()
    accepted = JobAccepted(
        id=job_id, articles=len(stored), status_url=f"/v1/jobs/{job_id}",
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
    """The job's output lines (each the line `extractor extract` writes), streamed as articles finish.

    A finished job's lines carry the batch's speaker keys (one key per speaker across the job, as
    `extractor extract` writes them); lines streamed while it runs carry each article's own keys.
    """
    await anyio.to_thread.run_sync(_own_job, service, key, job_id)
    info = await anyio.to_thread.run_sync(service.store.info, job_id)
    if info is not None and info.state == "done" and not info.counts["running"]:
        lines = await anyio.to_thread.run_sync(_batch_keyed_lines, service, job_id)
        return StreamingResponse(iter(lines), media_type="application/x-ndjson")
    return StreamingResponse(_stream_results(service, job_id, wait), media_type="application/x-ndjson")


def _batch_keyed_lines(service: Service, job_id: str) -> list[bytes]:
    """Every line of a finished job, its claimants keyed across the whole job (``extractor.assign_keys``)."""
    results = [ArticleResult.model_validate_json(line) for _, line in service.store.results_after(job_id, 0)]
    return [(result.model_dump_json() + "\n").encode("utf-8") for result in assign_keys(results)]


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


# Failures of a well-formed record's content, answered as an error line of the job (as the CLI writes one);
# anything else (a missing or mistyped field) is a 422 naming the field.
_CONTENT_FAILURE = re.compile(r"NUL bytes|^empty article")
_FIELD = re.compile(r"field '([^']+)'")


class JobFields:
    """Query parameters of ``POST /v1/jobs``: which record fields hold what (as the CLI's ``--*-field``)."""

    def __init__(
        self,
        id_field: Annotated[str | None, Query(description="Field holding the id (default: id, article_id).")] = None,
        text_field: Annotated[
            str | None, Query(description="Field holding the text (default: text, body, content, maintext, …).")
        ] = None,
        title_field: Annotated[str | None, Query(description="Field holding the title (default: title, headline).")]
        = None,
        url_field: Annotated[str | None, Query(description="Field holding the url (default: url, link).")] = None,
        published_field: Annotated[
            str | None, Query(description="Field holding the date (default: published, published_at, date, …).")
        ] = None,
        date_order: Annotated[
            Literal["MDY", "DMY", "YMD"], Query(description="How 03/04/2016 is read (default: MDY, month first).")
        ] = DEFAULT_DATE_ORDER,
    ) -> None:
        self.names = {
            "id": id_field, "text": text_field, "title": title_field, "url": url_field, "published": published_field
        }  # fmt: skip
        self.date_order: DateOrder = date_order

    def field_map(self, given: dict[str, Any] | None) -> FieldMap:
        """The query's names, then the body's ``fields`` object over them; a 422 for a bad ``fields``."""
        names: dict[str, Any] = {key: value for key, value in self.names.items() if value}
        if given is not None:
            bad = [key for key, value in given.items() if not isinstance(value, str) or not value]
            if bad:
                raise invalid(["body", "fields", bad[0]], "a field name must be a non-empty string")
            names.update(given)
        try:
            return FieldMap.from_names(names)
        except ValueError as exc:
            raise invalid(["body", "fields"], str(exc)) from None


def _parse_job(
    body: bytes, jsonl: bool
) -> tuple[list[dict[str, Any]], list[list[str | int]], dict[str, Any] | None]:
    """The records of a job body, where each is (``["body", 3]``, ``["body", "line 4"]``), and its ``fields``
    object (None when not given); a 422 names what is wrong."""
    fields: dict[str, Any] | None = None
    if not jsonl:
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPException(400, f"the body is not JSON: {exc}") from None
        except RecursionError:  # well-formed JSON, too deep to hold: a 422 like any record we cannot keep
            raise invalid(["body"], "the body is nested too deeply", "value_error") from None
        if isinstance(data, dict):
            if not isinstance(data.get("articles"), list):
                raise invalid(["body", "articles"], "a job object holds its records in an `articles` list")
            given = data.get("fields")
            if given is not None and not isinstance(given, dict):
                raise invalid(["body", "fields"], "`fields` maps article fields to record fields, e.g. {\"text\": "
                              "\"body\"}")
            fields, data = given, data["articles"]
        if not isinstance(data, list):
            raise invalid(["body"], "a job is a JSON list of article records (or JSON Lines)")
        records = data
        where: list[list[str | int]] = [["body", index] for index in range(len(records))]
    else:
        records, where = [], []
        for number, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                message = "nested too deeply" if isinstance(exc, RecursionError) else f"invalid JSON: {exc}"
                raise invalid(["body", f"line {number}"], message, "json_invalid") from None
            where.append(["body", f"line {number}"])
    for record, loc in zip(records, where, strict=True):
        if not isinstance(record, dict):
            raise invalid(loc, "Input should be a valid dictionary (a JSON object)", "dict_type")
    if not records:
        raise invalid(["body"], "a job needs at least one article")
    return records, where, fields


def _job_article(
    service: Service, record: dict[str, Any], fields: FieldMap, mapping: JobFields, loc: list[str | int]
) -> dict[str, Any]:
    """One record read as the CLI reads a JSONL line, checked, as the job store keeps it; a 422 when it is none."""
    reason = unwritable(record)
    if reason is not None:  # a lone surrogate, nesting past MAX_NESTING: no output line could carry it
        raise invalid(loc, f"the record {reason}", "value_error")
    options = {name: record.pop(name) for name in ("strategy", "detect_header") if name in record}
    strategy, detect_header = options.get("strategy"), options.get("detect_header", False)
    if strategy is not None and (not isinstance(strategy, str) or strategy not in service.extractors):
        allowed = ", ".join(service.extractors)
        raise invalid([*loc, "strategy"], f"strategy {strategy!r} is not served here; use one of: {allowed}")
    if not isinstance(detect_header, bool):
        raise invalid([*loc, "detect_header"], "Input should be a valid boolean", "bool_type")
    limit = service.settings.extraction.max_article_chars
    try:
        article = request_article(
            record, source="job", fields=fields, detect_header=detect_header, date_order=mapping.date_order,
            max_chars=limit,
        )  # fmt: skip
    except RecursionError:
        raise invalid(loc, "the record is nested too deeply to be read", "value_error") from None
    if isinstance(article, ArticleFailure):
        message = article.message.removeprefix("job: ")
        if _CONTENT_FAILURE.search(message):  # a record that is well formed but holds no article: its error line
            return {"failure": {"id": article.id, "message": message}, "strategy": strategy}
        field = _FIELD.search(message)
        kind = "too_long" if "over the limit" in message else "value_error"
        raise invalid([*loc, field.group(1) if field else "text"], message, kind)
    try:
        stored = article.model_dump(mode="json", exclude_defaults=True)
    except ValueError:  # pydantic's serialisation depth limit: a record nested hundreds of levels deep
        raise invalid(loc, "the record is nested too deeply to be stored", "value_error") from None
    return {"article": stored, "strategy": strategy}


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
        progress=_progress(info),
        usage=Usage(**info.usage),
        errors=[JobError(**error) for error in info.errors],
    )


def _progress(info: JobInfo) -> JobProgress:
    """The CLI's progress figures for a job (``extractor.progress.rate_and_eta``), timed from its acceptance."""
    done, total = info.counts["done"], info.counts["total"] - info.counts["cancelled"]
    elapsed = max(0.0, (info.updated_at if info.state in ("done", "cancelled") else time.time()) - info.created_at)
    rate, eta = rate_and_eta(done, total, elapsed)
    return JobProgress(
        done=done, total=total, errors=info.counts["error"], claims=info.counts["claims"], elapsed_s=round(elapsed, 3),
        rate_per_s=round(rate, 4) if rate is not None else None, eta_s=round(eta, 1) if eta is not None else None,
    )  # fmt: skip


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC)


def _own_job(service: Service, key: ApiKey, job_id: str) -> JobInfo:
    info = service.store.info(job_id)
    if info is None or info.key_name != key.name:
        raise HTTPException(404, f"no job {job_id!r}")
    return info
