"""Loading the JSON Lines that ``extractor extract`` writes (one ``ArticleResult`` per line).

Malformed lines raise ``EvalInputError`` naming file, line and field. Repeated
ids (a resumed run) keep the last line and produce a warning. ``align_to_gold``
pairs prediction lines with gold articles: by id, else by the sha256 of the
article text (``extractor extract`` names a file by its path, a gold file by its
stem, but both record the hash of the same text).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import GoldSet, validation_message
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


def align_to_gold(predictions: PredictionSet, gold: GoldSet) -> PredictionSet:
    """The predictions re-keyed by gold id where a line is not under the gold id but holds the same text."""
    results = dict(predictions.results)
    unclaimed: dict[str, list[str]] = {}
    for prediction_id, result in results.items():
        if prediction_id not in gold.articles and result.text_sha256:
            unclaimed.setdefault(result.text_sha256, []).append(prediction_id)
    for gold_id, loaded in gold.articles.items():
        if gold_id in results:
            continue
        candidates = unclaimed.get(loaded.text_sha256)
        if candidates:
            results[gold_id] = results.pop(candidates.pop(0))
    return PredictionSet(
        path=predictions.path, sha256=predictions.sha256, results=results, warnings=list(predictions.warnings)
    )
