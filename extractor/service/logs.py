"""Structured logs: one JSON object per line on stderr, each with the request id of the request it belongs to.

The request id is the caller's ``X-Request-ID`` (1-128 characters of letters, digits, ``.``,
``_``, ``-``; anything else is replaced) or a new one, and is echoed in the response's
``X-Request-ID`` (``asgi-correlation-id``). What is logged is chosen so that no article
text and no key reaches a log: the access line names the route template and the key's
name; library loggers that could quote a model's answer (instructor) are silenced; every
record passes ``RedactingFilter``, so a URL's credentials never reach the log.
"""

from __future__ import annotations

import logging
import re
import sys

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.json import JsonFormatter

from extractor.errors import RedactingFilter

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


def valid_request_id(value: str) -> bool:
    return bool(_REQUEST_ID.match(value))


class _DropColour(logging.Filter):
    """uvicorn adds a terminal-coloured copy of some messages; JSON logs keep only the plain one."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.pop("color_message", None)
        return True


def configure(level: str = "info") -> None:
    """Send every log record to stderr as one JSON line with ``request_id``; uvicorn's access log off."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CorrelationIdFilter(default_value=None))
    handler.addFilter(_DropColour())
    handler.addFilter(RedactingFilter())  # credentials in a --base-url, as httpx and uvicorn name URLs
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{correlation_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "correlation_id": "request_id"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    # instructor logs each failed attempt with the model's answer, which can quote the article.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    for noisy in ("httpx", "httpcore", "openai"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
