"""The one text normalisation every offset downstream indexes, and the text hash.

Text is decoded as UTF-8 and normalised (``normalise_text``: BOM removed, CRLF and CR
turned into LF, lone surrogates replaced by U+FFFD); JSON values get the same surrogate
replacement (``clean_strings``) so any value can be hashed and written.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

SURROGATE = re.compile(r"[\ud800-\udfff]")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """The one normalisation: leading BOM removed, CRLF and CR to LF, lone surrogates to U+FFFD.

    Nothing else changes (no Unicode normalisation, no whitespace folding), so the
    text of a ``.txt`` file is what ``Path.read_text(encoding="utf-8")`` returns,
    less a leading BOM.
    """
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SURROGATE.sub("\ufffd", text)


def clean_strings(value: Any) -> Any:
    """Lone surrogates (``"\\ud800"`` in JSON) replaced in every string, so any value can be hashed and written."""
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {clean_strings(key): clean_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_strings(item) for item in value]
    return value
