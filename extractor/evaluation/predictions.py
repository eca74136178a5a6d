"""Loading the JSON Lines that ``extractor extract`` writes (one ``ArticleResult`` per line).

Malformed lines raise ``EvalInputError`` naming file, line and field. Repeated
ids (a resumed run) keep the last line and produce a warning.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import validation_message
from extractor.records import ArticleResult


@dataclass
class PredictionSet:
    """Prediction lines keyed by article id, plus warnings raised while reading them."""

    path: Path
    sha256: str
    results: dict[str, ArticleResult]
    warnings: list[str] = field(default_factory=list)


def load_predictions(path: Path) -> PredictionSet:
    try:
        raw_file = path.read_bytes()
    except FileNotFoundError:
        raise EvalInputError(f"{path}: predictions file not found") from None
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read predictions file: {exc.strerror or exc}") from None
    return parse_predictions(raw_file, path)


def parse_predictions(raw_file: bytes, path: Path) -> PredictionSet:
    """Prediction lines from bytes (a file's, or a request's); ``path`` names them in messages."""
    results: dict[str, ArticleResult] = {}
    first_line: dict[str, int] = {}
    warnings: list[str] = []
    for line_no, raw_line in enumerate(raw_file.split(b"\n"), start=1):
        where = f"{path}:{line_no}"
        if not raw_line.strip():
            continue
        try:
            data = json.loads(raw_line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise EvalInputError(f"{where}: not valid UTF-8 (byte {exc.start})") from None
        except json.JSONDecodeError as exc:
            raise EvalInputError(f"{where}: invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(data, dict):
            raise EvalInputError(f"{where}: a prediction line must be a JSON object, got {type(data).__name__}")
        try:
            result = ArticleResult.model_validate(data)
        except ValidationError as exc:
            raise EvalInputError(validation_message(where, exc)) from None
        if result.id in results:
            warnings.append(
                f"{where}: article {result.id!r} also on line {first_line[result.id]}; the later line is used"
            )
        else:
            first_line[result.id] = line_no
        results[result.id] = result
    return PredictionSet(path=path, sha256=hashlib.sha256(raw_file).hexdigest(), results=results, warnings=warnings)
