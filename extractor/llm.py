"""The one module that talks to a language model (the only importer of openai and instructor).

Any OpenAI-compatible endpoint works through the same code path — OpenAI, vLLM,
Ollama, or the embedded llama-cpp-python server: only ``base_url``, ``api_key``
and the model name change. Responsibilities:

* structured output through instructor, in the mode the endpoint supports;
* a small re-ask budget: instructor feeds validation errors back to the model;
* one transport retry loop (tenacity) for 429/5xx/timeouts/connection errors,
  honouring ``Retry-After``; the openai client's own retries are switched off so
  retry loops never multiply;
* a response cache keyed on everything that changes the answer;
* token usage accounting, re-asks and retries included, and an optional token
  budget shared by a whole batch;
* a circuit breaker (``extractor.breaker``): once several calls in a row have
  failed on transport, the rest fail at once instead of each waiting out its
  retries;
* provenance: the model the endpoint reports serving (``served_model``) next to
  the one requested.

The API key lives only in the client object: it never enters cache keys, logs,
outputs or error messages. Credentials written into a URL
(``http://user:key@host``, ``?api_key=…``) are redacted wherever the URL is shown
or stored, the ``endpoint`` field of every output line included.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import instructor
import openai
from instructor.core.hooks import Hooks
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from extractor.breaker import CircuitBreaker
from extractor.cache import ResponseCache, cache_key
from extractor.config import DEFAULT_MAX_REASKS, DEFAULT_MAX_RETRIES, DEFAULT_REMOTE_TIMEOUT_S
from extractor.errors import SECRET_PARAM_NAMES, LLMError, redact, redact_url
from extractor.records import Usage

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
}
_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
# A cached response is stored with the model the endpoint said it served (older entries are the bare response).
_CACHED_KEYS = frozenset({"response", "served_model"})
# The HTTP library this openai is built on: httpx up to openai 2, httpx2 (the same API) from openai 3.
httpx: Any = sys.modules[openai.DefaultHttpxClient.__mro__[1].__module__.partition(".")[0]]
# openai's own pool size: a custom transport would otherwise fall back to httpx's smaller default.
_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100, keepalive_expiry=5.0)


class TokenBudget:
    """Tokens a whole batch may spend; shared by threads, checked before every call."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.spent = 0
        self._lock = threading.Lock()

    def charge(self, tokens: int) -> None:
        with self._lock:
            self.spent += tokens

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spent >= self.limit


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to call the model. ``api_key`` is never printed or stored."""

    model: str
    base_url: str | None = None
    api_key: str = field(default="", repr=False)
    mode: str = "tools"
    timeout_s: float = DEFAULT_REMOTE_TIMEOUT_S
    max_reasks: int = DEFAULT_MAX_REASKS
    max_transport_retries: int = DEFAULT_MAX_RETRIES
    max_retry_wait_s: float = 60.0
    temperature: float = 0.0
    seed: int | None = 0
    # What names the endpoint in cache keys and output lines when its URL is not stable: the
    # embedded server gets a fresh loopback port every run, so it is named by its model file.
    endpoint_label: str | None = None
    # Circuit breaker: after this many calls in a row fail on transport (retries spent), the rest fail
    # at once (0: never); after breaker_reset_s one probe call is let through.
    breaker_threshold: int = 5
    breaker_reset_s: float = 30.0

    @property
    def endpoint(self) -> str:
        """The endpoint as shown and stored: credentials in the URL redacted."""
        return self.endpoint_label or redact_url((self.base_url or "https://api.openai.com/v1").rstrip("/"))

    @property
    def url_secrets(self) -> list[str]:
        """Credentials written into ``base_url`` (user, password, secret query values), to scrub from any text."""
        if not self.base_url:
            return []
        parts = urllib.parse.urlsplit(self.base_url)
        found = [urllib.parse.unquote(v) for v in (parts.username, parts.password) if v]
        found += [v for k, v in urllib.parse.parse_qsl(parts.query) if re.fullmatch(SECRET_PARAM_NAMES, k, re.I)]
        return [secret for secret in found if len(secret) >= 4]

    def decoding(self, max_tokens: int) -> dict[str, Any]:
        params: dict[str, Any] = {"temperature": self.temperature, "max_tokens": max_tokens}
        if self.seed is not None:
            params["seed"] = self.seed
        return params


@dataclass
class LLMResult(Generic[T]):
    value: T
    usage: Usage
    served_model: str | None = None


class LLM:
    """Structured calls to one endpoint and model, cached and accounted."""

    def __init__(
        self,
        settings: LLMSettings,
        cache: ResponseCache | None = None,
        budget: TokenBudget | None = None,
        http_client: Any | None = None,
    ) -> None:
        if settings.mode not in MODES:
            raise ValueError(f"unknown mode {settings.mode!r}; choose one of {', '.join(MODES)}")
        self.settings = settings
        self.cache = cache
        self.budget = budget or TokenBudget(None)
        self.breaker = CircuitBreaker(settings.breaker_threshold, settings.breaker_reset_s)
        self._secrets = [settings.api_key, *settings.url_secrets]
        # Per thread: a pipeline runs each article in one thread, so a line names the model that served its own
        # calls, never another article's (``forget_served`` at each article's start).
        self._served = threading.local()
        client_kwargs: dict[str, Any] = {
            "api_key": settings.api_key or "not-needed",
            "base_url": settings.base_url,
            "timeout": settings.timeout_s,
            "max_retries": 0,
        }
        # Error bodies pass through a scrubber before openai sees them: some servers and proxies echo
        # the request's headers, and error text travels on into exceptions, logs and output lines.
        client_kwargs["http_client"] = http_client or openai.DefaultHttpxClient(
            transport=_RedactingTransport(httpx.HTTPTransport(limits=_CONNECTION_LIMITS), self._secrets)
        )
        self._client = openai.OpenAI(**client_kwargs)
        # Built once: per-call hooks carry each call's usage, so threads share this client safely.
        self._instructor = instructor.from_openai(self._client, mode=MODES[settings.mode])

    @property
    def identity(self) -> dict[str, str]:
        """What identifies answers from this LLM: part of every cache key and output line."""
        return {"endpoint": self.settings.endpoint, "model": self.settings.model, "mode": self.settings.mode}

    @property
    def served_model(self) -> str | None:
        """The model name the endpoint reported in this thread's latest answer (or stored with a cached one)
        since ``forget_served``; None when this thread has had none."""
        return getattr(self._served, "model", None)

    def forget_served(self) -> None:
        """Start a new article in this thread: ``served_model`` is None until its first answer."""
        self._served.model = None

    def close(self) -> None:
        self._client.close()

    def complete(
        self,
        *,
        response_model: type[T],
        messages: list[dict[str, str]],
        max_tokens: int,
        prompt_version: str,
        context: dict[str, Any] | None = None,
    ) -> LLMResult[T]:
        """One structured call: cache, then re-ask loop inside a transport retry loop."""
        key = cache_key(
            {
                **self.identity,
                "prompt_version": prompt_version,
                "schema": _key_schema(response_model),
                "messages": messages,
                "decoding": self.settings.decoding(max_tokens),
            }
        )
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                served = None
                if set(cached) == _CACHED_KEYS:
                    cached, served = cached["response"], cached["served_model"]
                try:
                    value = response_model.model_validate(cached, context=context)
                    if isinstance(served, str):
                        self._served.model = served
                    return LLMResult(value=value, usage=Usage(cache_hits=1), served_model=served)
                except ValidationError:
                    log.warning("cached response no longer validates; calling the model again")
        if self.budget.exhausted:
            raise LLMError(
                f"token budget of {self.budget.limit:,} tokens is spent", kind="budget", attempts=0, usage=Usage()
            )
        if not self.breaker.allow():
            raise LLMError(
                f"endpoint unavailable: {self.breaker.threshold} requests in a row failed "
                f"(last: {self.breaker.last_failure}); not sent, rerun with --resume",
                kind="transport",
                attempts=0,
                usage=Usage(),
            )
        usage = Usage()
        served: list[str] = []
        try:
            value = self._call_with_retries(response_model, messages, max_tokens, context, usage, served)
        except LLMError as exc:
            if exc.kind == "transport" and exc.transient:
                self.breaker.record_failure(str(exc))
            elif exc.kind != "budget":
                self.breaker.record_success()  # the endpoint answered, only not usefully
            raise
        self.breaker.record_success()
        served_model = served[-1] if served else None
        if self.cache is not None:
            self.cache.set(key, {"response": value.model_dump(mode="json"), "served_model": served_model})
        return LLMResult(value=value, usage=usage, served_model=served_model)

    def _call_with_retries(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        max_tokens: int,
        context: dict[str, Any] | None,
        usage: Usage,
        served: list[str],
    ) -> T:
        settings = self.settings
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            # An open breaker stops retry loops already running: the endpoint is down for everyone.
            stop=stop_after_attempt(settings.max_transport_retries + 1)
            | stop_after_delay(settings.timeout_s * (settings.max_transport_retries + 1))
            | (lambda _: self.breaker.is_open),
            wait=_RetryAfterOrBackoff(settings.max_retry_wait_s),
            before_sleep=lambda state: _count_retry(state, usage),
            reraise=True,
        )
        try:
            return retrying(self._call_once, response_model, messages, max_tokens, context, usage, served)
        except LLMError:
            raise
        except Exception as exc:
            root = _root_cause(exc)
            kind = "transport" if _is_transport(root) else "validation"
            last = getattr(exc, "last_completion", None)
            attempts = getattr(exc, "n_attempts", 1) or 1
            message = (
                _describe(root)
                if kind == "transport"
                else f"invalid model output after {attempts} attempt(s): {_validation_detail(root)}"
            )
            raise LLMError(
                redact(message, self._secrets),
                kind=kind,
                attempts=attempts + usage.transport_retries,
                usage=usage,
                last_completion=redact(_completion_text(last), self._secrets) if last is not None else None,
                transient=kind == "transport" and _is_transient(root),
            ) from None

    def _call_once(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        max_tokens: int,
        context: dict[str, Any] | None,
        usage: Usage,
        served: list[str],
    ) -> T:
        hooks = Hooks()
        hooks.on("completion:kwargs", lambda *a, **k: _bump(usage, "llm_calls"))
        hooks.on("completion:response", lambda response: self._account(response, usage, served))
        hooks.on("parse:error", lambda *a, **k: _bump(usage, "reasks"))
        return self._instructor.chat.completions.create(
            model=self.settings.model,
            response_model=_for_instructor(response_model),
            messages=messages,  # type: ignore[arg-type]
            max_retries=self.settings.max_reasks,
            context=context,
            hooks=hooks,
            **self.settings.decoding(max_tokens),
        )

    def _account(self, response: Any, usage: Usage, served: list[str]) -> None:
        model = getattr(response, "model", None)
        if isinstance(model, str) and model:
            served.append(model[:200])
            self._served.model = model[:200]
        reported = getattr(response, "usage", None)
        if reported is None:
            return
        prompt = int(getattr(reported, "prompt_tokens", 0) or 0)
        completion = int(getattr(reported, "completion_tokens", 0) or 0)
        usage.prompt_tokens += prompt
        usage.completion_tokens += completion
        self.budget.charge(prompt + completion)


@functools.lru_cache(maxsize=256)
def _key_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The response schema as it enters cache keys, built once per model class (read-only: do not mutate)."""
    return model.model_json_schema()


@functools.lru_cache(maxsize=256)
def _for_instructor(model: type[T]) -> type[T]:
    """The model wrapped the way instructor wants it, once per class.

    Given a plain model, instructor wraps it in a fresh class on every call, so its own
    per-class schema cache never hits and each call rebuilds the tool schema.
    """
    return instructor.response_schema(model)


def _bump(usage: Usage, name: str) -> None:
    setattr(usage, name, getattr(usage, name) + 1)


def _count_retry(state: RetryCallState, usage: Usage) -> None:
    usage.transport_retries += 1
    exc = state.outcome.exception() if state.outcome else None
    log.warning("transient endpoint error (%s); retrying", _describe(_root_cause(exc)) if exc else "?")


def _root_cause(exc: BaseException) -> BaseException:
    seen = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, openai.APIError | ValidationError):
            return current
        nxt = current.__cause__ or current.__context__
        if nxt is None:
            return current
        current = nxt
    return current


def _is_transport(exc: BaseException) -> bool:
    return isinstance(exc, openai.APIConnectionError | openai.APIStatusError)


def _is_transient(exc: BaseException) -> bool:
    root = _root_cause(exc)
    if isinstance(root, openai.APIConnectionError):  # includes timeouts and resets
        return True
    return isinstance(root, openai.APIStatusError) and root.status_code in _RETRYABLE_STATUS


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "endpoint timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        detail = f": {_first_line(cause)}" if cause is not None and str(cause).strip() else ""
        return f"cannot reach the endpoint (connection failed){detail}"
    if isinstance(exc, openai.APIStatusError):
        return f"endpoint answered HTTP {exc.status_code}: {_first_line(exc)}"
    return _first_line(exc)


def _validation_detail(exc: BaseException) -> str:
    """Where and why the answer failed, e.g. ``claims.0.sentence: Input should be less than or equal to 9``."""
    if not isinstance(exc, ValidationError) or not exc.errors():
        return _first_line(exc)
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "answer"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg'][:200]}{more}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _completion_text(completion: Any) -> str:
    try:
        return json.dumps(completion.model_dump(mode="json"))[:2000]
    except Exception:
        return str(completion)[:2000]


class _RedactingTransport(httpx.BaseTransport):  # type: ignore[misc,name-defined]
    """Removes the API key (and anything key-shaped) from error response bodies at the HTTP boundary."""

    def __init__(self, inner: Any, secrets: list[str]) -> None:
        self._inner = inner
        self._secrets = secrets

    def handle_request(self, request: Any) -> Any:
        response = self._inner.handle_request(request)
        if response.status_code < 400:
            return response
        body = response.read()
        text = body.decode("utf-8", errors="replace")
        clean = redact(text, self._secrets)
        if clean == text:
            return response
        response.close()
        # The body is rebuilt decoded, so length and encoding headers of the original no longer apply.
        headers = [
            (name, value)
            for name, value in response.headers.multi_items()
            if name.lower() not in {"content-length", "content-encoding", "transfer-encoding"}
        ]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=clean.encode("utf-8"),
            request=request,
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class _RetryAfterOrBackoff:
    """Wait what the server asks for in Retry-After (capped), else exponential backoff with jitter."""

    def __init__(self, cap_s: float) -> None:
        self.cap_s = cap_s
        # 0.5 s, 1 s, 2 s … plus up to 1 s of jitter, the whole capped (what wait_exponential_jitter
        # computes; its ``initial`` is deprecated in tenacity 9.2 and ``multiplier`` is missing before).
        self._backoff = wait_exponential(multiplier=0.5) + wait_random(0, 1)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        root = _root_cause(exc) if exc else None
        if isinstance(root, openai.APIStatusError):
            header = root.response.headers.get("retry-after")
            if header:
                try:
                    return min(max(float(header), 0.0), self.cap_s)
                except ValueError:
                    pass
        return min(self.cap_s, self._backoff(state))
