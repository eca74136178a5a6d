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

With ``workers`` above 1 (``Extractor(workers=4)`` or ``extract_many(..., workers=4)``),
``extract_many`` runs the articles in that many worker processes (``extractor.workers``),
each holding its own ``Extractor`` built from the same config; this one stays the parent:
it starts the one embedded server (workers only get its address), holds the token budget
they share, and writes the lines of inputs that are no article. Worker processes start on
the first such call and live until ``close()``, so a long-lived extractor (the service)
pays their start-up once. Workers use the ``spawn`` start method: a script that calls
``extract_many`` with workers needs the usual ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from extractor.articles import ArticleFailure
from extractor.config import ExtractorConfig
from extractor.errors import ConfigError
from extractor.identity import RunIdentity
from extractor.records import Article, ArticleResult
from extractor.strategies.registry import get_strategy

if TYPE_CHECKING:
    import datetime as dt
    from types import TracebackType

    from extractor.cache import ResponseCache
    from extractor.executors import Executor
    from extractor.llm import LLM, TokenBudget
    from extractor.local_model import LocalServer, ModelEndpoint
    from extractor.pipeline import Pipeline
    from extractor.strategies.base import Strategy
    from extractor.workers import EngineFactory

log = logging.getLogger(__name__)


class Extractor:
    """Extracts claim records from articles with one configuration; safe to share between threads.

    ``Extractor(config)`` or ``Extractor(**fields)`` (the fields of ``ExtractorConfig``), or
    ``Extractor.from_env(**fields)`` to read the CLI's environment variables as well.
    """

    def __init__(self, config: ExtractorConfig | None = None, /, **fields: Any) -> None:
        if config is not None and fields:
            config = ExtractorConfig.build(**{**config.model_dump(exclude_unset=True), **fields})
        config = config if config is not None else ExtractorConfig.build(**fields)
        self._setup(config, get_strategy(config.strategy))

    def _setup(self, config: ExtractorConfig, strategy: Strategy) -> None:
        self.config = config
        self.strategy = strategy
        self._lock = threading.Lock()
        self._pipeline: Pipeline | None = None
        self._llm: LLM | None = None
        self._cache: ResponseCache | None = None
        self._server: LocalServer | None = None
        self._budget: TokenBudget | None = None
        # In a worker process: the parent's embedded server, which this extractor addresses but never starts.
        self._attached: ModelEndpoint | None = None
        self._in_worker_process = False
        # The executor articles run in (threads, worker processes, Ray actors), by the sizes it was built for.
        self._executor: Executor | None = None
        self._executor_sizes: tuple[int, int] | None = None
        self._executor_lock = threading.Lock()
        self._server_lock = threading.Lock()
        self._server_started: LocalServer | None = None

    @classmethod
    def replica(
        cls,
        config: ExtractorConfig,
        strategy: Strategy,
        *,
        budget: TokenBudget | None = None,
        model_server: ModelEndpoint | None = None,
    ) -> Extractor:
        """The extractor a worker process or Ray actor builds: the parent's strategy object (a strategy
        registered in the parent's code is not registered there), its token budget and its model server,
        which the replica addresses but never starts. A replica always runs articles locally."""
        extractor = cls.__new__(cls)
        extractor._setup(config, strategy)
        extractor._budget = budget
        extractor._attached = model_server
        extractor._in_worker_process = True
        return extractor

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
    def workers(self) -> int:
        """Worker processes ``extract``/``extract_many`` use by default: the configured number ("auto": see the
        config); 1 inside a worker process itself."""
        if self._in_worker_process:
            return 1
        return self.config.effective_workers(self.strategy.cpu_pass, embedded=self.embedded)

    @property
    def engine(self) -> str:
        """Where articles run: ``config.engine``; ``local`` with more than one worker means ``processes``.

        Always ``local`` inside a worker process or Ray actor: an engine never nests."""
        if self._in_worker_process:
            return "local"
        if self.config.engine == "local" and self.workers > 1:
            return "processes"
        return self.config.engine

    @property
    def running_workers(self) -> int:
        """Processes or actors running this extractor's articles now (1: threads of this process)."""
        return self._executor.workers if self._executor is not None else 1

    @property
    def token_budget(self) -> TokenBudget | None:
        """The batch's token budget (shared memory when limited); None before the model client is built."""
        return self._budget

    @property
    def model_server(self) -> LocalServer | None:
        """The embedded model server this process started (None with an endpoint, no model, or in a worker)."""
        return self._server

    def replica_factory(self) -> EngineFactory:
        """A picklable callable building this extractor's twin in a worker process (given the model server)."""
        budget = self._budget if self._budget is not None and self._budget.limit is not None else None
        return functools.partial(_worker_extractor, self.config, self.strategy, budget)

    def attach_model_server(self, server: object) -> None:
        """Address ``server`` (a model server started elsewhere: a Ray node's) instead of starting one."""
        self._attached = server  # type: ignore[assignment]  # a ModelEndpoint: address, alive, restarts

    @property
    def server_base_url(self) -> str | None:
        """The embedded server's address while it runs (None otherwise)."""
        return self._server.base_url if self._server is not None else None

    @property
    def budget_exhausted(self) -> bool:
        """True once the token budget is spent: ``extract_many`` then takes no further input."""
        if self._executor is not None and self._executor.budget_exhausted:
            return True
        return self._pipeline is not None and self._pipeline.budget_exhausted

    @property
    def budget_limit(self) -> int | None:
        return self.config.token_budget

    @property
    def server_restarts(self) -> int:
        """How often the embedded server(s) were restarted after dying (0 without one)."""
        if self._server is not None:
            return self._server.restarts
        return int(getattr(self._executor, "server_restarts", 0))  # an engine running its own servers (Ray)

    def run_identity(self) -> RunIdentity:
        """``strategy``, ``model`` and ``prompt_version`` of this extractor's lines (connects on first use)."""
        return self.pipeline().run_identity()

    def start(self) -> Extractor:
        """Connect now instead of on first use: the embedded server if one is needed, and the engine's
        worker processes or actors (so a long-lived extractor, the service, pays their start-up once)."""
        self.pipeline()
        self._start_server()
        if self.engine != "local":
            self._executor_for(self.workers, self._threads(self.concurrency, self.workers))
        return self

    def connect(self) -> Extractor:
        """Connect, leaving the embedded server (if any) to start when the first article needs the model: a
        re-run whose results are all in the cache never starts it."""
        self.pipeline()
        return self

    def _start_server(self) -> None:
        """Start the embedded server unless it runs (thread-safe; a no-op without one)."""
        with self._server_lock:
            # Once only: a server that dies later is restarted by the pipeline's supervision, which counts it.
            if self._server is not None and self._server is not self._server_started:
                log.info("starting the embedded model %s on loopback", self.config.local_model)
                self._server.start()
                self._server_started = self._server

    def pipeline(self) -> Pipeline:
        """The pipeline every article goes through, built on first call (thread-safe)."""
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._connect()
            return self._pipeline

    def _connect(self) -> Pipeline:
        from extractor.pipeline import Pipeline

        if self.embedded and self.engine not in ("local", "processes"):
            # With the embedded model, an engine beyond this process (Ray) is built first: it may run the
            # model servers itself (one per node) and attach this extractor to its own node's, so none
            # starts here. Its factory must not ask for this pipeline (it is being built).
            self._executor_for(self.workers, self._threads(self.concurrency, self.workers))

        if not self.strategy.uses_llm:
            return Pipeline(self.strategy, None, max_article_chars=self.config.max_article_chars)
        from extractor.cache import ResponseCache, default_cache_dir
        from extractor.llm import LLM

        try:
            settings = self._llm_settings()
            if self.config.cache:
                self._cache = ResponseCache(self.config.cache_dir or default_cache_dir())
            self._llm = LLM(settings, cache=self._cache, budget=self._token_budget())
        except BaseException:
            self._release()
            raise
        server = self._server if self._attached is None else self._attached
        return Pipeline(
            self.strategy,
            self._llm,
            local_server=server,
            max_article_chars=self.config.max_article_chars,
            before_model=self._start_server if self._server is not None else None,
        )

    def _token_budget(self) -> TokenBudget:
        """The batch's budget: in shared memory when there is a limit, so worker processes can share it."""
        if self._budget is None:
            from extractor.llm import TokenBudget
            from extractor.workers import SharedTokenBudget

            limit = self.config.token_budget
            self._budget = SharedTokenBudget(limit) if limit is not None else TokenBudget(None)
        return self._budget

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
        server: ModelEndpoint
        if self._attached is not None:
            server = self._attached  # a worker: the parent runs the one embedded server
        else:
            from extractor.local_model import LocalServer

            # Started when the first article needs the model (``Pipeline.before_model``), or by ``start()``.
            server = self._server = LocalServer(config.local_model)
        return LLMSettings(
            model=server.model_name,
            base_url=server.base_url,
            endpoint_label=getattr(server, "endpoint_label", None),
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
        detect_header: bool = False,
    ) -> ArticleResult:
        """Claims of one article (text or ``Article``) as the CLI's output line; failures are error results.

        A string is article text, kept whole: no title or header line is looked for unless
        ``detect_header=True`` (then, as for a ``.txt`` file, a title line and a scraped date are
        recognised, and the line's ``body_start`` and ``warnings`` say what was left out).
        ``title`` is metadata and never removes text. The ``id`` defaults to ``text-`` and 12
        hex digits of the text's sha256.
        """
        fields: dict[str, Any] = {"id": id, "title": title, "published": published, "url": url, "source": source}
        fields = {key: value for key, value in fields.items() if value is not None}
        if detect_header:
            fields["detect_header"] = True
        pipeline = self.pipeline()
        if self.engine == "local":
            return pipeline.extract(article, **fields)
        # Another engine (a service's long-lived extractor with worker processes, or Ray): each call runs
        # there, so concurrent callers use every core.
        from extractor.executors import settle

        checked = pipeline.article(article, **fields)
        if isinstance(checked, ArticleFailure):
            return pipeline.failed(checked)
        executor = self._executor_for(self.workers, self._threads(self.concurrency, self.workers))
        return settle(pipeline, checked, executor.submit(checked))

    def extract_many(
        self,
        articles: Iterable[str | Article | ArticleFailure],
        *,
        concurrency: int | None = None,
        workers: int | None = None,
    ) -> Iterator[ArticleResult]:
        """One result per input, ``concurrency`` at a time (default: ``self.concurrency``), in finishing order.

        The articles run on the configured engine (``config.engine``): threads here, ``workers``
        (default: ``self.workers``) worker processes, or Ray actors, ``concurrency`` in flight over
        all of them. Inputs are read lazily. Once the token budget is spent no further input is
        taken and the iterator ends early (``budget_exhausted`` tells). If the inputs raise, every
        result already running is yielded first.
        """
        from extractor.executors import in_flight, local_stream, run_articles

        concurrency = concurrency or self.concurrency
        workers = workers or self.workers
        pipeline = self.pipeline()
        threads = self._threads(concurrency, workers)
        if self.engine == "local" and workers <= 1:
            # Threads of this process: an executor of this call's size, closed when the stream ends.
            return local_stream(pipeline, articles, concurrency)
        executor = self._executor_for(workers, threads)
        return run_articles(pipeline, executor, articles, in_flight=in_flight(concurrency, workers, threads))

    def _threads(self, concurrency: int, workers: int) -> int:
        from extractor.executors import threads_per_worker

        return threads_per_worker(concurrency, workers, self.strategy.uses_llm)

    def _executor_for(self, workers: int, threads: int) -> Executor:
        """The engine's executor, built on first use and kept (other sizes replace it).

        Callers in several threads (a service) get one executor: it is built under its own lock.
        """
        from extractor.executors import get_engine

        with self._executor_lock:
            executor = self._executor
            if executor is not None and self._executor_sizes == (workers, threads):
                return executor
            self._executor = self._executor_sizes = None
            if executor is not None:
                executor.close()
            self._start_server()  # processes address the one embedded server: it must run before they start
            self._executor = get_engine(self.engine)(self, workers=workers, threads=threads)
            self._executor_sizes = (workers, threads)
            return self._executor

    async def aextract(self, article: str | Article, **fields: Any) -> ArticleResult:
        """``extract`` without blocking the event loop (runs in a worker thread)."""
        return await asyncio.to_thread(self.extract, article, **fields)

    # -- lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the worker processes, close the model client and the cache and stop the embedded server.

        A later call reconnects.
        """
        with self._executor_lock:
            executor, self._executor, self._executor_sizes = self._executor, None, None
            if executor is not None:
                executor.close()
        with self._lock:
            self._pipeline = None
            if self._attached is None:
                self._budget = None  # a reconnected extractor starts a new batch
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


def _worker_extractor(
    config: ExtractorConfig, strategy: Strategy, budget: TokenBudget | None, server: ModelEndpoint | None
) -> Extractor:
    """Builds a worker process's extractor (module level: it is pickled to each worker)."""
    return Extractor.replica(config, strategy, budget=budget, model_server=server)


# What ``extract()`` passes on about the article itself; every other keyword configures the extractor.
_ARTICLE_KEYWORDS = frozenset({"id", "title", "published", "url", "source", "detect_header"})


def run_identity(config: ExtractorConfig) -> RunIdentity:
    """The identity of the lines ``config`` makes (strategy, model, prompt version), without connecting:
    what ``Extractor(config)`` stamps on them, and what ``--resume`` and ``extractor.ray.completed`` compare."""
    if config.remote:
        model = config.effective_model()
    else:
        from extractor.local_model import MODELS

        spec = MODELS.get(config.local_model)  # an unknown name fails when the server starts, not here
        model = spec.name if spec is not None else config.local_model
    return RunIdentity.of(get_strategy(config.strategy), model)


def extract(article: str | Article, **fields: Any) -> ArticleResult:
    """One article, one call: ``Extractor.from_env(**config).extract(article, **about)``, closed afterwards.

    ``fields`` are the article's own (``id``, ``title``, ``published``, ``url``, ``source``,
    ``detect_header``, as ``Extractor.extract`` takes them) and ``ExtractorConfig`` fields; the
    environment fills the rest of the configuration (as for the CLI).
    """
    about = {key: value for key, value in fields.items() if key in _ARTICLE_KEYWORDS}
    config = {key: value for key, value in fields.items() if key not in _ARTICLE_KEYWORDS}
    with Extractor.from_env(**config) as extractor:
        return extractor.extract(article, **about)
