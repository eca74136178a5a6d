"""The one error type for bad evaluation input, reported as a single line (CLI exit 2)."""

from __future__ import annotations

from extractor.errors import ExtractorError


class EvalInputError(ExtractorError, ValueError):
    """Malformed or missing input: gold, predictions, thresholds, baseline or brat files.

    The message always names the file, and the line and field where one applies,
    so the CLI can print it as is instead of a traceback.
    """
