"""What the routes share: the service and caller-key dependencies, request checks, and documented error answers.

``require_key(scope)`` is the one gate of every API route: the caller's key (or none,
when the server runs without keys), allowed ``scope``, within its rate limit and its
token budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio
from fastapi import Depends, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from extractor.service import metrics
from extractor.service.auth import ANONYMOUS_KEY, ApiKey
from extractor.service.models import ArticleIn, ErrorBody
from extractor.service.state import Service


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of a route (its OpenAPI ``responses``), for these status codes."""
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


def invalid(loc: list[str | int], message: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 naming the field at ``loc``, as request validation would answer."""
    return RequestValidationError([{"loc": tuple(loc), "msg": message, "type": kind}])


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


def check_article(service: Service, article: ArticleIn, loc: list[str | int]) -> None:
    """What the model cannot check: the server's article size limit and the strategies it allows."""
    limit = service.settings.extraction.max_article_chars
    if len(article.text) > limit:
        raise invalid(
            [*loc, "text"], f"article has {len(article.text):,} characters, over the limit of {limit:,}", "too_long"
        )
    if article.strategy is not None and article.strategy not in service.extractors:
        allowed = ", ".join(service.extractors)
        raise invalid([*loc, "strategy"], f"strategy {article.strategy!r} is not served here; use one of: {allowed}")
