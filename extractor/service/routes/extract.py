"""``POST /v1/extract``: one article through the public API, answered with the line ``extractor extract`` writes."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from extractor.records import ArticleResult
from extractor.service.auth import ApiKey
from extractor.service.deps import check_article, error_responses, require_key, service_of
from extractor.service.models import ArticleIn
from extractor.service.state import Service

router = APIRouter()


@router.post(
    "/v1/extract",
    response_model=ArticleResult,
    responses=error_responses(400, 401, 403, 413, 422, 429),
    tags=["extraction"],
    summary="Extract claims from one article",
)
async def extract(
    article: ArticleIn,
    service: Annotated[Service, Depends(service_of)],
    key: Annotated[ApiKey, Depends(require_key("extract"))],
) -> Response:
    """Claims of one article: the same line `extractor extract` writes (`status: "error"` when it failed)."""
    check_article(service, article, ["body"])

    def work() -> ArticleResult:
        result = service.extract(article, via="extract", source="api")
        if service.budget.limit(key):  # counted only for keys that have a budget: no write per request
            service.budget.charge(key.name, result.usage.prompt_tokens + result.usage.completion_tokens)
        return result

    result = await anyio.to_thread.run_sync(work, limiter=service.extracting)
    return Response(result.model_dump_json(), media_type="application/json")
