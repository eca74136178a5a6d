"""Typed errors of the package, all under one base so a caller can catch ``ExtractorError``.

Like instructor's exceptions, an error carries the context a caller needs to act on it:
``LLMError`` says how the call ended (``kind``), how many attempts it took, what it cost
(``usage``) and the model's last answer. Messages never hold an API key or credentials written
into a URL (see ``redact``).
Per-article failures do not surface as exceptions from ``Extractor.extract``: they become
``ArticleResult(status="error")`` lines. What is raised is what no article can fix: a bad
configuration, an unknown strategy, a broken prompt file, an embedded model that cannot start.
"""

from __future__ import annotations

import logging
import re

from extractor.records import Usage

_KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+\S+)")
# user:password@ in any URL, and query parameters that carry credentials.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s?#@]+@")
SECRET_PARAM_NAMES = r"api[-_]?key|key|token|access[-_]?token|secret|password|passwd|pwd|sig|signature|auth"
_URL_SECRET_PARAM = re.compile(rf"(?i)([?&](?:{SECRET_PARAM_NAMES})=)[^&#\s]+")
_REDACTED = "[redacted]"


class ExtractorError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(ExtractorError, ValueError):
    """An invalid setting: an unknown strategy, an out-of-range option, a broken plugin."""


class InputError(ExtractorError, ValueError):
    """An input that cannot be an article (empty, over the size limit, not text)."""


class PromptError(ExtractorError, ValueError):
    """A prompt file is missing, malformed, or was rendered with the wrong variables."""


class LocalModelError(ExtractorError, RuntimeError):
    """The embedded model could not be assembled or served; the message says what to do."""


class ProcessStartError(ExtractorError, RuntimeError):
    """A supervised child process (a model server) exited or never answered while starting.

    ``exit_code`` is its exit status when it exited, None when it did not answer in time.
    """

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class CacheError(ExtractorError):
    """The cache folder cannot be used (cannot be created, read or written); the message says which and why."""


class OutputError(ExtractorError):
    """The output cannot be written as asked (a bad ``-o``, a locked or read-only file); nothing was touched."""


class ArticleLost(ExtractorError):
    """An executor lost an article on its way (its worker process or Ray actor died): it gets an error line."""


class LLMError(ExtractorError):
    """A model call that failed for good, with what it cost and how it ended.

    ``kind`` is ``transport`` (endpoint unreachable or erroring after all retries),
    ``validation`` (the model's output never passed validation within the re-ask
    budget) or ``budget`` (the batch's token budget is spent). ``transient``: a
    transport failure of the kind retries are for (unreachable, timeout, 429/5xx),
    which is what trips the circuit breaker.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        attempts: int,
        usage: Usage,
        last_completion: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts
        self.usage = usage
        self.last_completion = last_completion
        self.transient = transient


def redact(text: str, secret: str | list[str] | None = None) -> str:
    """Remove API keys, anything key-shaped and credentials in URLs from a message before it is shown or stored."""
    for value in [secret] if isinstance(secret, str) else secret or []:
        if value:
            text = text.replace(value, _REDACTED)
    text = _URL_USERINFO.sub(rf"\1{_REDACTED}@", text)
    text = _URL_SECRET_PARAM.sub(rf"\1{_REDACTED}", text)
    return _KEY_SHAPED.sub(_REDACTED, text)


def redact_url(url: str) -> str:
    """``url`` without credentials: ``user:key@`` and secret-looking query values become ``[redacted]``."""
    return redact(url)


class RedactingFilter(logging.Filter):
    """A log handler's filter: every record's message (and traceback) passes through ``redact`` before it is written.

    Library loggers (httpx, httpcore, openai, uvicorn) name request URLs, and a ``--base-url`` may
    carry ``user:password@`` or ``?api_key=``; the handler is the one place every record passes.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: the handler reports it, as without this filter
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


__all__ = [
    "CacheError",
    "ConfigError",
    "ExtractorError",
    "InputError",
    "LLMError",
    "LocalModelError",
    "OutputError",
    "ProcessStartError",
    "PromptError",
    "RedactingFilter",
]
