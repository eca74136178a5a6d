"""What the service's lifespan builds and its routes use: the extractors, the job store, limits, the job runner.

``start_service`` connects one ``Extractor`` per allowed strategy (with no endpoint
configured, that starts the embedded model server, one per process), opens the job
store and starts the job runner; ``Service.close`` hands back what is in flight and
stops them again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import anyio

from extractor.api import Extractor
from extractor.articles import (
    DEFAULT_DATE_ORDER,
    ArticleFailure,
    DateOrder,
    FieldMap,
    article_from_json,
    checked_article,
    text_id,
)
from extractor.config import ExtractorConfig, usable_cores
from extractor.errors import ConfigError
from extractor.records import Article, ArticleResult
from extractor.service import metrics
from extractor.service.auth import ANONYMOUS_KEY, ApiKey, KeyRing
from extractor.service.jobs import MAX_ARTICLE_TRIES, JobRunner, JobStore, Lease
from extractor.service.limits import KeyTokenBudget, RateLimiter
from extractor.service.models import ArticleIn, Readiness
from extractor.service.settings import ServiceSettings

log = logging.getLogger("extractor.service")


@dataclass
class Service:
    """What the lifespan builds and the routes use."""

    settings: ServiceSettings
    keys: KeyRing | None
    extractors: dict[str, Extractor]
    store: JobStore
    rate: RateLimiter
    budget: KeyTokenBudget
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

    def extract(
        self, article: ArticleIn | Article, *, via: str, source: str, strategy: str | None = None
    ) -> ArticleResult:
        """One article through the public API; failures come back as error lines, as in the CLI.

        An ``ArticleIn`` is read as a JSON record is (``request_article``); an ``Article`` (a job's,
        read when it was submitted) runs as it is, under ``source``.
        """
        if isinstance(article, ArticleIn):
            strategy = article.strategy
        extractor = self.extractors[strategy or self.settings.extraction.strategy]
        max_chars = extractor.config.max_article_chars
        if isinstance(article, ArticleIn):
            built = request_article(
                request_record(article), source=source, detect_header=article.detect_header, max_chars=max_chars
            )
        else:
            built = checked_article(article.model_copy(update={"source": source}), max_chars)
        result = extractor.extract(built) if isinstance(built, Article) else extractor.pipeline().failed(built)
        metrics.observe_result(result, via)
        return result

    def run_lease(self, lease: Lease) -> ArticleResult:
        """The job runner's work on one article: extract it, charge its tokens to the job's key.

        An article this server cannot run (its strategy is not served since a restart without
        ``--allow-strategy``, a stored article that no longer validates) is an error line of its
        job: handing it back would only lease it again at once, forever.
        """
        source = f"job:{lease.job_id}[{lease.index}]"
        stored = lease.article
        try:
            if "article" in stored or "failure" in stored:  # read at submission (routes/jobs.py)
                article: Article | ArticleIn | None = (
                    Article.model_validate(stored["article"]) if "article" in stored else None
                )
                strategy = stored.get("strategy") or self.settings.extraction.strategy
            else:  # a job stored by an earlier version: the request's article as it was given
                article = ArticleIn.model_validate(stored)
                strategy = article.strategy or self.settings.extraction.strategy
        except ValueError as exc:
            return self.unrunnable(lease, f"the stored article is not valid here: {_first_error(exc)}")
        if strategy not in self.extractors:
            allowed = ", ".join(self.extractors)
            return self.unrunnable(lease, f"strategy {strategy!r} is not served here (serving: {allowed})")
        if article is None:  # read at submission, and no article: its error line
            failure = ArticleFailure(str(stored["failure"]["id"]), source, str(stored["failure"]["message"]))
            result = self.extractors[strategy].pipeline().failed(failure)
            metrics.observe_result(result, "job")
        elif isinstance(article, Article):
            result = self.extract(article, via="job", source=source, strategy=strategy)
        else:
            result = self.extract(article, via="job", source=source)
        if self.budget.limit(self.key_named(lease.key_name)):
            self.budget.charge(lease.key_name, result.usage.prompt_tokens + result.usage.completion_tokens)
        return result

    def unrunnable(self, lease: Lease, message: str) -> ArticleResult:
        """The error line of a job article that cannot run here (or failed every try): its id, no claims."""
        stored = lease.article.get("id") or next(
            (part.get("id") for part in (lease.article.get("article"), lease.article.get("failure")) if part), None
        )
        result = ArticleResult(
            id=stored if isinstance(stored, str) and stored else f"job-{lease.job_id}-{lease.index}",
            source=f"job:{lease.job_id}[{lease.index}]",
            status="error",
            error=message[:500],
            strategy=str(lease.article.get("strategy") or self.settings.extraction.strategy),
            finished_at=dt.datetime.now(dt.UTC),
        )
        metrics.observe_result(result, "job")
        return result

    def hold_until(self, lease: Lease) -> float | None:
        """Once the job's key has spent its token budget: when its window ends (its jobs wait until then)."""
        key = self.key_named(lease.key_name)
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


def request_record(article: ArticleIn) -> dict[str, Any]:
    """An ``ArticleIn`` as the JSON record it was sent as (its other fields included), less the request options."""
    record = article.model_dump(mode="json", exclude_none=True, exclude={"strategy", "detect_header"})
    return record


def request_article(
    record: dict[str, Any],
    *,
    source: str,
    fields: FieldMap | None = None,
    detect_header: bool = False,
    date_order: DateOrder = DEFAULT_DATE_ORDER,
    max_chars: int,
) -> Article | ArticleFailure:
    """A request's article record read by the CLI's JSON reader (``article_from_json``): mapped fields, the
    rest under ``meta`` (a ``meta`` object merged in), a date read leniently; the id defaults to ``text-`` and
    12 hex digits of the text's sha256, as for a string given to the library."""
    record = dict(record)
    given_meta = record.pop("meta", None)
    if given_meta is not None and not isinstance(given_meta, dict):
        record["meta"] = given_meta  # not an object: kept as any other field is
        given_meta = None
    article = article_from_json(
        record, source, fields, detect_header=detect_header, date_order=date_order, default_id=text_id
    )
    if isinstance(article, Article) and given_meta:
        article = article.model_copy(update={"meta": {**(article.meta or {}), **given_meta}})
    return checked_article(article, max_chars)


def build_extractors(settings: ServiceSettings) -> dict[str, Extractor]:
    """One Extractor per allowed strategy; refuses two embedded model servers in one process."""
    extractors = {name: _service_extractor(settings.extraction, name) for name in settings.strategies}
    embedded = [name for name, extractor in extractors.items() if extractor.embedded]
    if len(embedded) > 1:
        raise ConfigError(
            f"strategies {', '.join(embedded)} would each start an embedded model server; allow one model strategy, "
            "or run `extractor serve-local` and pass its address as --base-url"
        )
    return extractors


def _service_extractor(config: ExtractorConfig, strategy: str) -> Extractor:
    """``strategy``'s extractor. With worker processes and ``workers`` "auto", a service runs one per usable
    core for every strategy, not only those with a CPU pass as ``extract`` does: its HTTP process parses,
    routes and answers on the same cores, and a model strategy's client work (validation, JSON) at many
    concurrent requests is more than one interpreter keeps up with (bench/service_load.py: 32 clients on
    a 50 ms endpoint, +43 % p50 over the in-process API with one worker process, -6.5 % with two). The
    embedded model keeps one: it needs the cores itself."""
    extractor = Extractor(config, strategy=strategy)
    cores = usable_cores()
    if config.workers == "auto" and extractor.engine == "processes" and not extractor.embedded and cores > 1:
        extractor = Extractor(config, strategy=strategy, workers=cores)
    return extractor


def start_service(settings: ServiceSettings, keys: KeyRing | None) -> Service:
    """Connect the extractors (starting the embedded model if needed), open the store, start the runner."""
    extractors = build_extractors(settings)
    try:
        for extractor in extractors.values():
            extractor.start()
        store = JobStore(settings.jobs_path())
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
        budget=KeyTokenBudget(store, settings.key_token_budget, settings.budget_window_s),
    )
    default = service.default
    service.runner = JobRunner(
        store, service.run_lease, concurrency=default.concurrency, hold_until=service.hold_until,
        give_up=lambda lease, exc: service.unrunnable(lease, f"failed {MAX_ARTICLE_TRIES} times: {exc!r}"),
    ).start()  # fmt: skip
    return service


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc)
