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

import anyio

from extractor.api import Extractor
from extractor.articles import article_from_text
from extractor.cache import default_cache_dir
from extractor.errors import ConfigError
from extractor.records import Article, ArticleResult
from extractor.service import metrics
from extractor.service.auth import ANONYMOUS_KEY, ApiKey, KeyRing
from extractor.service.jobs import MAX_ARTICLE_TRIES, Claim, JobRunner, JobStore
from extractor.service.limits import RateLimiter, TokenBudget
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
        """The job runner's work on one article: extract it, charge its tokens to the job's key.

        An article this server cannot run (its strategy is not served since a restart without
        ``--allow-strategy``, a stored article that no longer validates) is an error line of its
        job: handing it back would only claim it again at once, forever.
        """
        source = f"job:{claim.job_id}[{claim.index}]"
        try:
            article = ArticleIn.model_validate(claim.article)
        except ValueError as exc:
            return self.unrunnable(claim, f"the stored article is not valid here: {_first_error(exc)}")
        strategy = article.strategy or self.settings.extraction.strategy
        if strategy not in self.extractors:
            allowed = ", ".join(self.extractors)
            return self.unrunnable(claim, f"strategy {strategy!r} is not served here (serving: {allowed})")
        result = self.extract(article, via="job", source=source)
        if self.budget.limit(self.key_named(claim.key_name)):
            self.budget.charge(claim.key_name, result.usage.prompt_tokens + result.usage.completion_tokens)
        return result

    def unrunnable(self, claim: Claim, message: str) -> ArticleResult:
        """The error line of a job article that cannot run here (or failed every try): its id, no claims."""
        stored = claim.article.get("id")
        result = ArticleResult(
            id=stored if isinstance(stored, str) and stored else f"job-{claim.job_id}-{claim.index}",
            source=f"job:{claim.job_id}[{claim.index}]",
            status="error",
            error=message[:500],
            strategy=str(claim.article.get("strategy") or self.settings.extraction.strategy),
            finished_at=dt.datetime.now(dt.UTC),
        )
        metrics.observe_result(result, "job")
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
        store, service.run_claim, concurrency=default.concurrency, hold_until=service.hold_until,
        give_up=lambda claim, exc: service.unrunnable(claim, f"failed {MAX_ARTICLE_TRIES} times: {exc!r}"),
    ).start()  # fmt: skip
    return service


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc)
