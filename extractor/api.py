"""The library's front door: ``Extractor`` (configured once, used many times) and the one-shot ``extract``.

::

    from extractor import Extractor
    with Extractor(strategy="baseline") as ex:
        result = ex.extract("Kremlin spokesman Dmitry Peskov said on Monday that ...")
    for claim in result.claims: ...

``Extractor`` turns an ``ExtractorConfig`` into working parts, lazily and once: the
strategy (at construction, so a bad name fails at once), then on first use that needs a
model the response cache, the model client and, with no endpoint configured, the embedded
llama.cpp server, which ``close()`` (or leaving the ``with`` block) stops. Every article
goes through ``extractor.pipeline.Pipeline``, the same code the CLI runs, so a result here
is the CLI's output line byte for byte. Heavy libraries (openai, instructor, spaCy) are
imported only when a method needs them: ``import extractor`` stays cheap.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from extractor.articles import ArticleFailure
from extractor.config import ExtractorConfig
from extractor.errors import ConfigError
from extractor.records import Article, ArticleResult
from extractor.strategies.registry import get_strategy

if TYPE_CHECKING:
    import datetime as dt
    from types import TracebackType

    from extractor.cache import ResponseCache
    from extractor.llm import LLM
    from extractor.local_model import LocalServer
    from extractor.pipeline import Pipeline

log = logging.getLogger(__name__)


class Extractor:
    """Extracts claim records from articles with one configuration; safe to share between threads.

    ``Extractor(config)`` or ``Extractor(**fields)`` (the fields of ``ExtractorConfig``), or
    ``Extractor.from_env(**fields)`` to read the CLI's environment variables as well.
    """

    def __init__(self, config: ExtractorConfig | None = None, /, **fields: Any) -> None:
        if config is not None and fields:
            config = ExtractorConfig.build(**{**config.model_dump(exclude_unset=True), **fields})
        self.config = config if config is not None else ExtractorConfig.build(**fields)
        self.strategy = get_strategy(self.config.strategy)
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self._llm: LLM | None = None
        self._cache: ResponseCache | None = None
        self._server: LocalServer | None = None

    @classmethod
    def from_env(cls, **fields: Any) -> Extractor:
        """An Extractor configured as the CLI would be: ``fields``, then the environment, then defaults."""
        return cls(ExtractorConfig.from_env(**fields))

    # -- what it runs on -----------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when this extractor's model is the embedded server (a strategy that calls a model, no endpoint)."""
        return self.strategy.uses_llm and not self.config.remote

    @property
    def concurrency(self) -> int:
        """Articles in flight by default: the configured number, or the default for where the model runs."""
        return self.config.effective_concurrency(self.embedded)

    @property
    def server_base_url(self) -> str | None:
        """The embedded server's address while it runs (None otherwise)."""
        return self._server.base_url if self._server is not None else None

    @property
    def budget_exhausted(self) -> bool:
        """True once the token budget is spent: ``extract_many`` then takes no further input."""
        return self._pipeline is not None and self._pipeline.budget_exhausted

    @property
    def budget_limit(self) -> int | None:
        return self.config.token_budget

    @property
    def server_restarts(self) -> int:
        """How often the embedded server was restarted after dying (0 without one)."""
        return self._server.restarts if self._server is not None else 0

    def run_identity(self) -> dict[str, str | None]:
        """``strategy``, ``model`` and ``prompt_version`` of this extractor's lines (connects on first use)."""
        return self.pipeline().run_identity()

    def start(self) -> Extractor:
        """Connect now instead of on first use (starts the embedded server if one is needed)."""
        self.pipeline()
        return self

    def pipeline(self) -> Pipeline:
        """The pipeline every article goes through, built on first call (thread-safe)."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._connect()
            return self._pipeline

    def _connect(self) -> Pipeline:
        from extractor.pipeline import Pipeline

        if not self.strategy.uses_llm:
            return Pipeline(self.strategy, None, max_article_chars=self.config.max_article_chars)
        from extractor.cache import ResponseCache, default_cache_dir
        from extractor.llm import LLM, TokenBudget

        try:
            settings = self._llm_settings()
            if self.config.cache:
                self._cache = ResponseCache(self.config.cache_dir or default_cache_dir())
            self._llm = LLM(settings, cache=self._cache, budget=TokenBudget(self.config.token_budget))
        except BaseException:
            self._release()
            raise
        return Pipeline(
            self.strategy, self._llm, local_server=self._server, max_article_chars=self.config.max_article_chars
        )

    def _llm_settings(self) -> Any:  # -> extractor.llm.LLMSettings
        from extractor.llm import MODES, LLMSettings

        config = self.config
        if config.mode not in MODES:  # pragma: no cover - the config's Literal already limits it
            raise ConfigError(f"unknown mode {config.mode!r}")
        common = {
            "timeout_s": config.effective_timeout_s(self.embedded),
            "max_reasks": config.max_reasks,
            "max_transport_retries": config.max_retries,
        }
        if config.remote:
            return LLMSettings(
                model=config.effective_model(),
                base_url=config.base_url,
                api_key=config.secret(),
                mode=config.mode,
                **common,
            )
        from extractor.local_model import LocalServer

        log.info("no endpoint configured: starting the embedded model %s on loopback", config.local_model)
        self._server = LocalServer(config.local_model).start()
        return LLMSettings(
            model=self._server.model_name,
            base_url=self._server.base_url,
            endpoint_label=self._server.endpoint_label,
            mode="tools",  # what llama.cpp's server supports
            **common,
        )

    # -- extraction ----------------------------------------------------------------------------

    def extract(
        self,
        article: str | Article,
        *,
        id: str | None = None,
        title: str | None = None,
        published: dt.date | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> ArticleResult:
        """Claims of one article (text or ``Article``) as the CLI's output line; failures are error results.

        A string is read as a text file is: a title line and a scraped date are recognised,
        and its ``id`` defaults to ``text-`` and 12 hex digits of its sha256.
        """
        fields = {"id": id, "title": title, "published": published, "url": url, "source": source}
        fields = {key: value for key, value in fields.items() if value is not None}
        return self.pipeline().extract(article, **fields)

    def extract_many(
        self, articles: Iterable[str | Article | ArticleFailure], *, concurrency: int | None = None
    ) -> Iterator[ArticleResult]:
        """One result per input, ``concurrency`` at a time (default: ``self.concurrency``), in finishing order.

        Inputs are read lazily. Once the token budget is spent no further input is taken and
        the iterator ends early (``budget_exhausted`` tells).
        """
        return self.pipeline().extract_many(articles, concurrency=concurrency or self.concurrency)

    async def aextract(self, article: str | Article, **fields: Any) -> ArticleResult:
        """``extract`` without blocking the event loop (runs in a worker thread)."""
        return await asyncio.to_thread(self.extract, article, **fields)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the model client and the cache and stop the embedded server; a later call reconnects."""
        with self._lock:
            self._pipeline = None
            self._release()

    def _release(self) -> None:
        llm, cache, server = self._llm, self._cache, self._server
        self._llm = self._cache = self._server = None
        try:
            if llm is not None:
                llm.close()
        finally:
            try:
                if server is not None:
                    server.stop()
            finally:
                if cache is not None:
                    cache.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Extractor({self.config!r})"


def extract(article: str | Article, **fields: Any) -> ArticleResult:
    """One article, one call: ``Extractor.from_env(**fields).extract(article)``, closed afterwards.

    ``fields`` are ``ExtractorConfig`` fields; the environment fills the rest (as for the CLI).
    """
    with Extractor.from_env(**fields) as extractor:
        return extractor.extract(article)
