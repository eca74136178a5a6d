"""Article text made safe to place inside a prompt's data block.

Prompts show article text between ``<<<`` and ``>>>`` markers and tell the model that
whatever stands there is data, never instructions. ``data_line`` keeps a piece of article
text on one line and unable to fake those markers, whatever the article contains.
"""

from __future__ import annotations

import re

_MARKER_BRACKETS = re.compile(r"<{3,}|>{3,}")


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(text.split())


def data_line(text: str) -> str:
    """Article text for the data block: one line, and unable to fake the block's ``<<<``/``>>>`` markers."""
    return _MARKER_BRACKETS.sub(lambda m: m.group(0)[0], one_line(text))
