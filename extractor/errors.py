"""Typed errors of the package, all under one base so a caller can catch ``ExtractorError``.

Like instructor's exceptions, an error carries the context a caller needs to act on it:
``LLMError`` says how the call ended (``kind``), how many attempts it took, what it cost
(``usage``) and the model's last answer. Messages never hold an API key (see ``redact``).
Per-article failures do not surface as exceptions from ``Extractor.extract``: they become
``ArticleResult(status="error")`` lines. What is raised is what no article can fix: a bad
configuration, an unknown strategy, a broken prompt file, an embedded model that cannot start.
"""

from __future__ import annotations

import re

from extractor.records import Usage

_KEY_SHAPED = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|Bearer\s+\S+)")


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


class LLMError(ExtractorError):
    """A model call that failed for good, with what it cost and how it ended.

    ``kind`` is ``transport`` (endpoint unreachable or erroring after all retries),
    ``validation`` (the model's output never passed validation within the re-ask
    budget) or ``budget`` (the batch's token budget is spent).
    """

    def __init__(
        self, message: str, *, kind: str, attempts: int, usage: Usage, last_completion: str | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts
        self.usage = usage
        self.last_completion = last_completion


def redact(text: str, secret: str | None = None) -> str:
    """Remove an API key (and anything key-shaped) from a message before it is shown or stored."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEY_SHAPED.sub("[redacted]", text)


__all__ = ["ConfigError", "ExtractorError", "InputError", "LLMError", "LocalModelError", "PromptError"]
