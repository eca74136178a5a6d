"""Prometheus metrics (``prometheus-client``) and the middleware that counts requests.

Served at ``GET /metrics`` in the text format: requests by route template and status, request
and extraction latency histograms, LLM calls, tokens, cache hits and articles by status (from
each output line's ``usage``), jobs by state (read from the job store at scrape time) and
embedded model server restarts. With ``--workers N`` the worker processes share one
multiprocess folder (``PROMETHEUS_MULTIPROC_DIR``, set by ``extractor serve``), so any worker
answers for all of them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from extractor.records import ArticleResult

access_log = logging.getLogger("extractor.service.access")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

REQUESTS = Counter("extractor_http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "extractor_http_request_duration_seconds", "Time to answer an HTTP request.", ["method", "route"],
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
EXTRACTION_SECONDS = Histogram(
    "extractor_extraction_duration_seconds", "Time to extract one article.", ["strategy", "via"],
    buckets=LATENCY_BUCKETS,
)  # fmt: skip
ARTICLES = Counter("extractor_articles_total", "Articles extracted.", ["strategy", "via", "status"])
LLM_CALLS = Counter("extractor_llm_calls_total", "Model calls made (retries and re-asks included).", ["strategy"])
TOKENS = Counter("extractor_llm_tokens_total", "Tokens spent.", ["strategy", "kind"])
CACHE_HITS = Counter("extractor_cache_hits_total", "Model answers or article results served from the cache.",
                     ["strategy"])
REJECTED = Counter("extractor_limit_rejections_total", "Requests refused by a limit.", ["limit"])
_PROCESS_METRICS = (REQUESTS, REQUEST_SECONDS, EXTRACTION_SECONDS, ARTICLES, LLM_CALLS, TOKENS, CACHE_HITS, REJECTED)


def observe_result(result: ArticleResult, via: str) -> None:
    """Count one finished article (``via``: ``extract`` or ``job``)."""
    strategy = result.strategy
    EXTRACTION_SECONDS.labels(strategy, via).observe(result.seconds)
    ARTICLES.labels(strategy, via, result.status).inc()
    usage = result.usage
    if usage.llm_calls:
        LLM_CALLS.labels(strategy).inc(usage.llm_calls)
    if usage.prompt_tokens:
        TOKENS.labels(strategy, "prompt").inc(usage.prompt_tokens)
    if usage.completion_tokens:
        TOKENS.labels(strategy, "completion").inc(usage.completion_tokens)
    if usage.cache_hits:
        CACHE_HITS.labels(strategy).inc(usage.cache_hits)


class StateCollector(Collector):
    """Gauges read when scraped: jobs by state, embedded server restarts."""

    def __init__(self, jobs_by_state: Callable[[], dict[str, int]], server_restarts: Callable[[], int]) -> None:
        self.jobs_by_state = jobs_by_state
        self.server_restarts = server_restarts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily("extractor_jobs", "Jobs in the store by state.", labels=["state"])
        for state, count in self.jobs_by_state().items():
            jobs.add_metric([state], count)
        yield jobs
        yield GaugeMetricFamily(
            "extractor_embedded_server_restarts", "Times the embedded model server was restarted after dying.",
            value=self.server_restarts(),
        )  # fmt: skip


def render(state: StateCollector) -> tuple[bytes, str]:
    """The metrics page: this process's (or all workers') metrics plus the state gauges."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=folder)
    else:
        registry = CollectorRegistry()
        for collector in _PROCESS_METRICS:
            registry.register(collector)
    registry.register(state)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class RequestMetrics:
    """ASGI middleware: counts every answer by route template and status, and logs one access line.

    The route is the template (``/v1/jobs/{job_id}``), never the path, so ids do not
    explode the label set; paths that match no route count as ``<unmatched>``. The
    access line holds method, route, status, time and the key's name: no body, no key.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            elapsed = time.perf_counter() - started
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            REQUEST_SECONDS.labels(scope["method"], route).observe(elapsed)
            access_log.info(
                "request",
                extra={"method": scope["method"], "route": route, "status": status,
                       "ms": round(elapsed * 1000, 2), "key": scope.get("state", {}).get("key_name")},
            )  # fmt: skip
