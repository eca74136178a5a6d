"""The FastAPI application: routes, dependencies (auth, limits), and the lifespan that owns the Extractor.

``create_app(settings)`` builds the app; nothing heavy happens until its lifespan starts:
then one ``Extractor`` per allowed strategy is created from ``settings.extraction`` and
started (with no endpoint configured, that starts the embedded model server, one per
process), the job store is opened and the job runner starts. On shutdown the runner
finishes (or hands back) its articles in flight, and the extractors close, stopping the
embedded server. Routes only translate HTTP to the public API (``Extractor.extract``) and
to the job store; ``POST /v1/eval`` runs ``extractor.evaluation.scoring.score``, the code
behind ``extractor eval``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError

from extractor import __version__
from extractor.api import Extractor
from extractor.articles import article_from_text, normalise_text
from extractor.cache import default_cache_dir
from extractor.errors import ConfigError
from extractor.evaluation.metrics import EvaluationReport
from extractor.records import Article, ArticleResult, Usage
from extractor.service import metrics
from extractor.service.auth import ANONYMOUS_KEY, ApiKey, KeyRing
from extractor.service.jobs import Claim, JobInfo, JobRunner, JobStore
from extractor.service.limits import BodyLimit, RateLimiter, TokenBudget
from extractor.service.logs import REQUEST_ID_HEADER, valid_request_id
from extractor.service.models import (
    ArticleIn,
    ErrorBody,
    EvalRequest,
    Health,
    JobAccepted,
    JobCounts,
    JobError,
    JobStatus,
    Readiness,
)
from extractor.service.settings import ServiceSettings

log = logging.getLogger("extractor.service")

JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "text/jsonl")
RESULTS_POLL_S = 0.2
READY_CACHE_S = 1.0
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


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "The body is not JSON (or not UTF-8).",
        401: "No key, or not a valid one.",
        403: "The key may not use this route.",
        404: "No such job (for this key).",
        413: "Request body over the size limit.",
        422: "Invalid input; `detail` names each field.",
        429: "Rate limit or token budget spent; see Retry-After.",
    }
    return {code: {"model": ErrorBody, "description": descriptions[code]} for code in codes}


@dataclass
class Service:
    """What the lifespan builds and the routes use."""

    settings: ServiceSettings
    keys: KeyRing | None
    extractors: dict[str, Extractor]
    store: JobStore
    rate: RateLimiter
    budget: TokenBudget
    runner: JobRunner | None = None
    # Synchronous extractions running at once (the rest wait on the event loop, not in a thread):
    # --concurrency, like the job runner. Fewer threads contending for the GIL keeps the loop responsive.
    extracting: anyio.CapacityLimiter | None = None
    _ready: tuple[float, Readiness] | None = field(default=None, repr=False)

    @property
    def default(self) -> Extractor:
        return self.extractors[self.settings.extraction.strategy]

    def key_named(self, name: str) -> ApiKey:
        for key in self.keys.keys if self.keys is not None else (ANONYMOUS_KEY,):
            if key.name == name:
                return key
        return ApiKey(name=name, digest=b"")  # a key since removed from the file: the server's defaults

    def extract(self, article: ArticleIn, *, via: str, source: str) -> ArticleResult:
        """One article through the public API; failures come back as error lines, as in the CLI."""
        extractor = self.extractors[article.strategy or self.settings.extraction.strategy]
        fields = {"id": article.id, "title": article.title, "published": article.published, "url": article.url}
        built = article_from_text(article.text, source=source, max_chars=extractor.config.max_article_chars, **fields)
        if article.meta and isinstance(built, Article):
            # The record's other fields ride along to the output line, as for a JSONL record in the CLI.
            result = extractor.extract(built.model_copy(update={"meta": article.meta}))
        else:
            result = extractor.extract(article.text, source=source, **fields)
        metrics.observe_result(result, via)
        return result

    def run_claim(self, claim: Claim) -> ArticleResult:
        """The job runner's work on one article: extract it, charge its tokens to the job's key."""
        article = ArticleIn.model_validate(claim.article)
        result = self.extract(article, via="job", source=f"job:{claim.job_id}[{claim.index}]")
        if self.budget.limit(self.key_named(claim.key_name)):
            self.budget.charge(claim.key_name, result.usage.prompt_tokens + result.usage.completion_tokens)
        return result

    def hold_until(self, claim: Claim) -> float | None:
        """Once the job's key has spent its token budget: when its window ends (its jobs wait until then)."""
        key = self.key_named(claim.key_name)
        return self.budget.spent_until(key) if self.budget.limit(key) else None

    def close(self) -> None:
        try:
            if self.runner is not None:
                released = self.runner.stop(self.settings.shutdown_grace_s)
                if released:
                    log.info("handed back %d unfinished article(s); they resume at the next start", released)
        finally:
            for extractor in self.extractors.values():
                extractor.close()
            self.store.close()


def build_extractors(settings: ServiceSettings) -> dict[str, Extractor]:
    """One Extractor per allowed strategy; refuses two embedded model servers in one process."""
    extractors = {name: Extractor(settings.extraction, strategy=name) for name in settings.strategies}
    embedded = [name for name, extractor in extractors.items() if extractor.embedded]
    if len(embedded) > 1:
        raise ConfigError(
            f"strategies {', '.join(embedded)} would each start an embedded model server; allow one model strategy, "
            "or run `extractor serve-local` and pass its address as --base-url"
        )
    return extractors


def start_service(settings: ServiceSettings, keys: KeyRing | None) -> Service:
    """Connect the extractors (starting the embedded model if needed), open the store, start the runner."""
    extractors = build_extractors(settings)
    try:
        for extractor in extractors.values():
            extractor.start()
        store = JobStore(settings.jobs_path(default_cache_dir()))
    except BaseException:
        for extractor in extractors.values():
            extractor.close()
        raise
    service = Service(
        settings=settings,
        keys=keys,
        extractors=extractors,
        store=store,
        rate=RateLimiter(settings.rate_limit),
        budget=TokenBudget(store, settings.key_token_budget, settings.budget_window_s),
    )
    default = service.default
    service.runner = JobRunner(
        store, service.run_claim, concurrency=default.concurrency, hold_until=service.hold_until
    ).start()
    return service


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

    app = FastAPI(
        title="extractor",
        version=__version__,
        summary="Source-grounded claim extraction from news articles, and its evaluation.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(metrics.RequestMetrics)
    app.add_middleware(CorrelationIdMiddleware, header_name=REQUEST_ID_HEADER, validator=valid_request_id)
    app.add_exception_handler(RequestValidationError, _validation_error)
    _routes(app)
    return app


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 naming each bad field; the offending input is not echoed back (it may be a whole article)."""
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(error["loc"]), "msg": error["msg"], "type": error["type"]} for error in exc.errors()]
    return JSONResponse({"detail": detail}, status_code=422)


def _invalid(loc: list[str | int], message: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": tuple(loc), "msg": message, "type": kind}])


# -- dependencies --------------------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="An API key from the server's EXTRACTOR_API_KEYS_FILE.")


async def service_of(request: Request) -> Service:  # async: a sync dependency costs a thread hop
    return request.app.state.service


def require_key(scope: str) -> Callable[..., Any]:
    """A dependency: the caller's key, allowed ``scope``, within its rate limit and token budget."""

    # async: everything here is in memory (a key's token budget, when it has one, is read off the loop).
    async def dependency(
        request: Request,
        service: Annotated[Service, Depends(service_of)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        if service.keys is None:
            key = ANONYMOUS_KEY
        else:
            if credentials is None:
                raise HTTPException(401, "missing API key: send Authorization: Bearer <key>",
                                    headers={"WWW-Authenticate": "Bearer"})
            found = service.keys.check(credentials.credentials)
            if found is None:
                raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
            key = found
        request.state.key_name = key.name
        if not key.allows(scope):
            raise HTTPException(403, f"this key may not use the {scope} routes")
        wait = service.rate.hit(key)
        if wait is not None:
            metrics.REJECTED.labels("rate").inc()
            raise HTTPException(429, "rate limit reached for this key", headers={"Retry-After": str(wait)})
        wait = await anyio.to_thread.run_sync(service.budget.retry_after, key) if service.budget.limit(key) else None
        if wait is not None:
            metrics.REJECTED.labels("tokens").inc()
            raise HTTPException(429, "token budget of this key spent", headers={"Retry-After": str(wait)})
        return key

    return dependency


def _check_article(service: Service, article: ArticleIn, loc: list[str | int]) -> None:
    """What the model cannot check: the server's article size limit and the strategies it allows."""
    limit = service.settings.extraction.max_article_chars
    if len(article.text) > limit:
        raise _invalid(
            [*loc, "text"], f"article has {len(article.text):,} characters, over the limit of {limit:,}", "too_long"
        )
    if article.strategy is not None and article.strategy not in service.extractors:
        allowed = ", ".join(service.extractors)
        raise _invalid([*loc, "strategy"], f"strategy {article.strategy!r} is not served here; use one of: {allowed}")


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


# -- routes --------------------------------------------------------------------------------------


def _routes(app: FastAPI) -> None:
    @app.post(
        "/v1/extract",
        response_model=ArticleResult,
        responses=_errors(400, 401, 403, 413, 422, 429),
        tags=["extraction"],
        summary="Extract claims from one article",
    )
    async def extract(
        article: ArticleIn,
        service: Annotated[Service, Depends(service_of)],
        key: Annotated[ApiKey, Depends(require_key("extract"))],
    ) -> Response:
        """Claims of one article: the same line `extractor extract` writes (`status: "error"` when it failed)."""
        _check_article(service, article, ["body"])

        def work() -> ArticleResult:
            result = service.extract(article, via="extract", source="api")
            if service.budget.limit(key):  # counted only for keys that have a budget: no write per request
                service.budget.charge(key.name, result.usage.prompt_tokens + result.usage.completion_tokens)
            return result

        result = await anyio.to_thread.run_sync(work, limiter=service.extracting)
        return Response(result.model_dump_json(), media_type="application/json")

    @app.post(
        "/v1/jobs",
        status_code=202,
        response_model=JobAccepted,
        responses=_errors(400, 401, 403, 413, 422, 429),
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
            raise _invalid(["body"], f"a job holds at most {service.settings.max_job_articles:,} articles")
        for index, article in enumerate(articles):
            _check_article(service, article, ["body", index])
        stored = [article.model_dump(mode="json", exclude_none=True) for article in articles]
        job_id = await anyio.to_thread.run_sync(service.store.create, key.name, stored)
        if service.runner is not None:
            service.runner.wake()
        accepted = JobAccepted(
            id=job_id, articles=len(articles), status_url=f"/v1/jobs/{job_id}",
            results_url=f"/v1/jobs/{job_id}/results",
        )  # fmt: skip
        return JSONResponse(accepted.model_dump(), status_code=202, headers={"Location": accepted.status_url})

    @app.get("/v1/jobs/{job_id}", response_model=JobStatus, responses=_errors(401, 403, 404, 429), tags=["jobs"],
             summary="A job's state, counts, usage and errors")  # fmt: skip
    def job_status(
        job_id: str,
        service: Annotated[Service, Depends(service_of)],
        key: Annotated[ApiKey, Depends(require_key("jobs"))],
    ) -> JobStatus:
        return _job_status(_own_job(service, key, job_id))

    @app.get(
        "/v1/jobs/{job_id}/results",
        responses={
            200: {
                "description": "One output line per finished article (JSON Lines), in finishing order.",
                "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
            },
            **_errors(401, 403, 404, 429),
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

    @app.delete("/v1/jobs/{job_id}", response_model=JobStatus, responses=_errors(401, 403, 404, 429), tags=["jobs"],
                summary="Cancel a job")  # fmt: skip
    def cancel_job(
        job_id: str,
        service: Annotated[Service, Depends(service_of)],
        key: Annotated[ApiKey, Depends(require_key("jobs"))],
    ) -> JobStatus:
        """Cancel: articles not started never start (finished ones stay readable); a finished job is unchanged."""
        _own_job(service, key, job_id)
        service.store.cancel(job_id)
        return _job_status(_own_job(service, key, job_id))

    @app.post("/v1/eval", response_model=EvaluationReport, responses=_errors(400, 401, 403, 413, 422, 429),
              tags=["evaluation"], summary="Score predictions against a gold file")  # fmt: skip
    def evaluate(
        body: EvalRequest,
        key: Annotated[ApiKey, Depends(require_key("eval"))],
    ) -> EvaluationReport:
        """The evaluation report (`extractor eval`'s report.json); gated when thresholds or a baseline are given."""
        return _evaluate(body)

    @app.get("/healthz", response_model=Health, tags=["operations"], summary="The process is up")
    def healthz() -> Health:
        return Health()

    @app.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}}, tags=["operations"],
             summary="The model endpoint answers")  # fmt: skip
    async def readyz(service: Annotated[Service, Depends(service_of)]) -> JSONResponse:
        readiness = await _readiness(service)
        code = 200 if readiness.status == "ready" else 503
        return JSONResponse(readiness.model_dump(), status_code=code)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
             response_class=Response)  # fmt: skip
    def prometheus_metrics(service: Annotated[Service, Depends(service_of)]) -> Response:
        collector = metrics.StateCollector(
            service.store.counts_by_state, lambda: sum(e.server_restarts for e in service.extractors.values())
        )
        body, content_type = metrics.render(collector)
        return Response(body, media_type=content_type)


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
        raise _invalid(["body"], "a job needs at least one article")
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


def _evaluate(body: EvalRequest) -> EvaluationReport:
    from extractor.evaluation.errors import EvalInputError
    from extractor.evaluation.gate import BaselineReport, validate_thresholds
    from extractor.evaluation.gold import parse_gold
    from extractor.evaluation.predictions import parse_predictions
    from extractor.evaluation.scoring import score

    def article_text(source: str, where: str) -> tuple[Path, bytes, str, bool]:
        # The request's text in place of the file: its bytes are checked against the gold's sha256,
        # and it is normalised as `extractor extract` reads a file.
        if source not in body.texts:
            raise EvalInputError(f"{where}: field source: no text given for {source!r} (add it to `texts`)")
        text = body.texts[source]
        return Path(source), text.encode("utf-8"), normalise_text(text), False

    try:
        gold = parse_gold(body.gold.encode("utf-8"), Path("gold"), article_text)
        predictions = parse_predictions(body.predictions.encode("utf-8"), Path("predictions"))
        thresholds = validate_thresholds(body.thresholds, "thresholds") if body.thresholds is not None else None
        baseline = BaselineReport.model_validate(body.baseline) if body.baseline is not None else None
    except EvalInputError as exc:
        raise _invalid(["body"], str(exc)) from None
    except ValidationError as exc:
        raise _invalid(["body", "baseline", *exc.errors()[0]["loc"]], exc.errors()[0]["msg"]) from None
    scoring = score(
        gold, predictions, thresholds=thresholds, baseline=baseline, tolerance=body.tolerance,
        thresholds_file="thresholds" if thresholds is not None else None,
        baseline_file="baseline" if baseline is not None else None,
    )  # fmt: skip
    return scoring.report


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
            endpoint = base
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


def app_from_environment() -> FastAPI:
    """The app ``extractor serve`` runs in each uvicorn worker: settings from ``EXTRACTOR_SERVICE_SETTINGS``."""
    from extractor.service.logs import configure

    settings = ServiceSettings.from_env()
    configure(settings.log_level)
    keys = KeyRing.load(settings.keys_file) if settings.keys_file is not None else None
    return create_app(settings, keys)
