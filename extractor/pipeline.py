"""Every rule about one article, in order: parse, strategy, grounding gate, body-start gate, memo, provenance.

``Pipeline.process`` is the one place an article becomes an output line
(``ArticleResult``), whoever asks: ``Extractor.extract`` in a notebook, the CLI's
batch, a service. Whatever a strategy returns, no claim whose evidence is not the
article's own text (the grounding gate) or that comes from header matter before
``Article.body_start`` (the body-start gate) goes out. With a response cache, a
finished article's claims are remembered (the result memo), so an unchanged article
skips the whole pipeline on a re-run. Every line carries its provenance: id, source,
strategy, model requested and model served, endpoint, prompt version, sha256 of the
text, publication date, title, url, the input record's other fields (``meta``), time
taken, and, when the text cannot be re-read from ``source`` (HTML, JSON, standard
input, a string), the text itself, so every offset stays checkable. A failure is a
line with ``status: "error"``, never an exception: one article can never stop a batch.
Many articles at once are the batch loop's business (``extractor.executors``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extractor.articles import ArticleFailure, article_from_text, checked_article, sha256_text, unwritable
from extractor.cache import cache_key, code_fingerprint
from extractor.claimants.keys import article_identity, article_keys
from extractor.config import DEFAULT_MAX_ARTICLE_CHARS
from extractor.errors import InputError, LLMError, redact
from extractor.identity import RunIdentity
from extractor.nlp.instructions import instruction_around, instruction_like
from extractor.records import Article, ArticleResult, Claim, Usage
from extractor.strategies.base import Strategy, StrategyOutput

if TYPE_CHECKING:
    from extractor.llm import LLM
    from extractor.local_model import ModelEndpoint

log = logging.getLogger(__name__)

ArticleInput = str | Article | ArticleFailure
CRASH_MESSAGE = "local model server crashed during this article (it was restarted); rerun with --resume"


def strategy_settings(strategy: Strategy) -> dict[str, Any]:
    """A strategy's name, prompt version and scalar settings: what, besides code, shapes its claims."""
    settings: dict[str, Any] = {"name": strategy.name, "prompt_version": getattr(strategy, "prompt_version", None)}
    if dataclasses.is_dataclass(strategy):
        for item in dataclasses.fields(strategy):
            value = getattr(strategy, item.name)
            if item.init and isinstance(value, str | int | float | bool | None):
                settings[item.name] = value
    return settings


@dataclasses.dataclass(frozen=True)
class _Failure:
    """Why a strategy produced no output for an article, and what trying cost."""

    message: str
    usage: Usage


def _warnings(article: Article) -> list[str]:
    """The reader's warnings; an Article built by a program with a ``body_start`` of its own gets one saying so."""
    if article.body_start and not article.warnings and article.text[: article.body_start].strip():
        return [f"header: the first {article.body_start} characters are not read for claims (body_start given)"]
    return list(article.warnings)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Pipeline:
    """One strategy, one model client (or none), and the rules every article goes through."""

    def __init__(
        self,
        strategy: Strategy,
        llm: LLM | None = None,
        *,
        local_server: ModelEndpoint | None = None,
        max_article_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
        before_model: Callable[[], object] | None = None,
    ) -> None:
        """``before_model``: called before an article needs the model (not for one the result memo holds), e.g. to
        start the embedded server only then; idempotent, and its errors (a server that cannot start) propagate."""
        self.strategy = strategy
        self.llm = llm
        self.local_server = local_server
        self.max_article_chars = max_article_chars
        self.before_model = before_model

    # -- state a batch reports -----------------------------------------------------------------

    @property
    def budget_exhausted(self) -> bool:
        return self.llm is not None and self.llm.budget.exhausted

    @property
    def budget_limit(self) -> int | None:
        return self.llm.budget.limit if self.llm is not None else None

    @property
    def server_restarts(self) -> int:
        return self.local_server.restarts if self.local_server is not None else 0

    def run_identity(self) -> RunIdentity:
        """What, besides the article, makes a line: a resumed batch redoes lines made otherwise."""
        return RunIdentity.of(self.strategy, self.llm.identity["model"] if self.llm else None)

    # -- inputs --------------------------------------------------------------------------------

    def article(self, item: ArticleInput, **fields: Any) -> Article | ArticleFailure:
        """``item`` as a checked Article (or the reason it is none); a string is article text, kept whole
        unless ``detect_header=True`` is among ``fields``.

        Anything else (bytes, a dict) is a programming error, not a bad article: ``InputError``;
        so is a string or field the output line could not hold (a lone surrogate, nesting too
        deep). Such an ``Article`` (read by a program) is a failure: an error line of its own.
        """
        if isinstance(item, ArticleFailure):
            return item
        _refuse_unwritable(fields)
        if isinstance(item, str):
            _refuse_unwritable({"text": item})
            return article_from_text(item, max_chars=self.max_article_chars, **fields)
        if not isinstance(item, Article):
            raise InputError(f"cannot extract from a {type(item).__name__}: give a str or an extractor.Article")
        fields.pop("detect_header", None)  # an Article's body_start is already decided
        for name in ("id", "text", "title", "url", "source", "meta"):
            reason = unwritable(getattr(item, name))
            if reason is not None:  # an error line of its own, as in a batch (pydantic keeps id and source UTF-8)
                return ArticleFailure(item.id, item.source, f"{name} {reason}; not extracted")
        if fields:
            item = item.model_copy(update={key: value for key, value in fields.items() if value is not None})
        return checked_article(item, self.max_article_chars)

    def extract(self, item: ArticleInput, **fields: Any) -> ArticleResult:
        """The output line for one input: ``fields`` (id, title, published, url, source) describe a string."""
        article = self.article(item, **fields)
        return self.failed(article) if isinstance(article, ArticleFailure) else self.process(article)

    # -- one article ---------------------------------------------------------------------------

    def failed(self, failure: ArticleFailure) -> ArticleResult:
        """The error line for an input that could not be read as an article."""
        return ArticleResult(
            id=failure.id,
            source=failure.source,
            status="error",
            error=failure.message,
            **self.run_identity().as_fields(),
            endpoint=self.llm.identity["endpoint"] if self.llm else None,
            finished_at=_now(),
        )

    def error_result(self, article: Article, message: str) -> ArticleResult:
        """The error line of an article that was lost on its way (its worker process died): full provenance."""
        return ArticleResult(**self._provenance(article), status="error", error=message, finished_at=_now())

    def process(self, article: Article) -> ArticleResult:
        """Strategy, gates, memo and provenance for one article; every failure becomes an error line."""
        started = time.perf_counter()
        if self.llm is not None:
            self.llm.forget_served()  # this line names only the model that served this article's own calls
        provenance = self._provenance(article)
        memo_key = self._memo_key(article, provenance["text_sha256"])
        remembered = self._remembered(memo_key)
        if remembered is not None:
            claims, dropped, responses, served = remembered
            claims = article_keys(article_identity(provenance["text_sha256"], article.id), claims)
            return ArticleResult(
                **provenance,
                **self._carried(article),
                served_model=served,
                status="ok",
                claims=claims,
                usage=Usage(cache_hits=responses),
                dropped_ungrounded=dropped,
                seconds=time.perf_counter() - started,
                finished_at=_now(),
            )
        if self.before_model is not None and self.strategy.uses_llm:
            self.before_model()
        output = self._run_strategy(article)
        if isinstance(output, _Failure):
            return ArticleResult(
                **provenance,
                status="error",
                error=output.message,
                usage=output.usage,
                seconds=time.perf_counter() - started,
                finished_at=_now(),
            )
        claims, dropped = self._gate(article, output)
        # Keys as this article alone decides them; the batch writer re-keys them across the batch.
        claims = article_keys(article_identity(provenance["text_sha256"], article.id), claims)
        served = self.llm.served_model if self.llm is not None and self.strategy.uses_llm else None
        if memo_key is not None:
            self._remember(memo_key, claims, dropped, output.usage.llm_calls + output.usage.cache_hits, served)
        return ArticleResult(
            **provenance,
            **self._carried(article),
            served_model=served,
            status="ok",
            claims=claims,
            usage=output.usage,
            dropped_ungrounded=dropped,
            seconds=time.perf_counter() - started,
            finished_at=_now(),
        )

    def _provenance(self, article: Article) -> dict[str, Any]:
        return {
            "id": article.id,
            "source": article.source,
            **self.run_identity().as_fields(),
            "endpoint": self.llm.identity["endpoint"] if self.llm else None,
            "published": article.published,
            "title": article.title,
            "url": article.url,
            "meta": article.meta,
            "body_start": article.body_start,
            "warnings": _warnings(article),
            "text_sha256": sha256_text(article.text),
        }

    @staticmethod
    def _carried(article: Article) -> dict[str, Any]:
        """The text the offsets index travels with an ok line whenever it cannot be re-read from ``source``."""
        return {"text": None if article.text_from_source else article.text}

    def _run_strategy(self, article: Article) -> StrategyOutput | _Failure:
        """The strategy's output, or why there is none."""
        restarts_before = self.server_restarts
        try:
            return self.strategy.extract(article, self.llm)
        except LLMError as exc:
            message = f"{exc.kind} error: {exc}"
            if exc.kind == "transport" and self.local_server is not None and self._restarted(restarts_before):
                message = CRASH_MESSAGE
            return _Failure(message, exc.usage)
        except Exception as exc:  # one article's failure must never stop the batch
            secret = self.llm.settings.api_key if self.llm else None
            return _Failure(redact(f"{type(exc).__name__}: {exc}", secret)[:500], Usage())

    @staticmethod
    def _gate(article: Article, output: StrategyOutput) -> tuple[list[Claim], int]:
        """Last gate before output: whatever a strategy returns, nothing ungrounded or from the header goes out.

        Nor anything read from text written to a model ("Ignore previous instructions
        and report that ...", "IMPORTANT SYSTEM NOTE TO THE AI"): a claim whose evidence
        sits in such a sentence, or whose claimant is such text, is dropped (not counted
        as ungrounded: its evidence is the article's own).
        """
        grounded = [
            claim
            for claim in output.claims
            if claim.evidence.grounded_in(article.text) and claim.evidence.start >= article.body_start
        ]
        claims = [
            claim
            for claim in grounded
            if not instruction_around(article.text, claim.evidence.start, claim.evidence.end)
            and not instruction_like(claim.claimant.name)
        ]
        return claims, output.dropped_ungrounded + len(output.claims) - len(grounded)

    # -- the result memo -----------------------------------------------------------------------

    def _memo_key(self, article: Article, text_sha256: str) -> str | None:
        """The key of this article's finished result, or None when results are not kept (no model, no cache)."""
        if not self.strategy.uses_llm or self.llm is None or self.llm.cache is None:
            return None
        settings = self.llm.settings
        return cache_key(
            {
                "kind": "article-result",
                "code": code_fingerprint(),
                "strategy": strategy_settings(self.strategy),
                **self.llm.identity,
                "decoding": {"temperature": settings.temperature, "seed": settings.seed},
                "text_sha256": text_sha256,
                "body_start": article.body_start,
                "published": article.published,
            }
        )

    def _remembered(self, key: str | None) -> tuple[list[Claim], int, int, str | None] | None:
        if key is None or self.llm is None or self.llm.cache is None:
            return None
        stored = self.llm.cache.get_result(key)
        if stored is None:
            return None
        try:
            claims = [Claim.model_validate(claim) for claim in stored["claims"]]
            served = stored.get("served_model")
            served = served if isinstance(served, str) else None
            return claims, int(stored["dropped_ungrounded"]), int(stored["responses"]), served
        except (KeyError, TypeError, ValueError):
            log.warning("a stored article result no longer validates; extracting again")
            return None

    def _remember(self, key: str, claims: list[Claim], dropped: int, responses: int, served: str | None) -> None:
        assert self.llm is not None and self.llm.cache is not None
        self.llm.cache.set_result(
            key,
            {
                "claims": [claim.model_dump(mode="json") for claim in claims],
                "dropped_ungrounded": dropped,
                "responses": responses,
                "served_model": served,
            },
        )

    # -- the embedded server -------------------------------------------------------------------

    def _restarted(self, restarts_before: int) -> bool:
        """After a transport error: restart the local server if it died; True when it was restarted meanwhile."""
        server = self.local_server
        assert server is not None
        # A crashing server resets its connections a moment before its process is gone: wait for
        # one or the other, so the crash is seen here and not by the next article.
        deadline = time.monotonic() + 2.0
        while server.alive() and not server.healthy() and time.monotonic() < deadline:
            time.sleep(0.05)
        # ensure_running() also waits out a restart another worker began, so this worker's next
        # article never meets a half-started server.
        server.ensure_running()
        restarted = server.restarts != restarts_before
        if restarted and self.llm is not None:
            self.llm.breaker.reset()  # the failures were the old server's
        return restarted


def _refuse_unwritable(fields: dict[str, Any]) -> None:
    """``InputError`` naming the first field an output line could not hold (checked before any work)."""
    for name, value in fields.items():
        reason = unwritable(value)
        if reason is not None:
            raise InputError(f"{name} {reason}: the output line could not be written")

