"""``POST /v1/eval``: score predictions against a gold file with the code behind ``extractor eval``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import ValidationError

from extractor.articles import normalise_text
from extractor.evaluation.metrics import EvaluationReport
from extractor.service.auth import ApiKey
from extractor.service.deps import error_responses, invalid, require_key
from extractor.service.models import EvalRequest

router = APIRouter()


@router.post(
    "/v1/eval",
    response_model=EvaluationReport,
    responses=error_responses(400, 401, 403, 413, 422, 429),
    tags=["evaluation"],
    summary="Score predictions against a gold file",
)
def evaluate(
    body: EvalRequest,
    key: Annotated[ApiKey, Depends(require_key("eval"))],
) -> EvaluationReport:
    """The evaluation report (`extractor eval`'s report.json); gated when thresholds or a baseline are given."""
    return _evaluate(body)


def _evaluate(body: EvalRequest) -> EvaluationReport:
    from extractor.evaluation.errors import EvalInputError
    from extractor.evaluation.gate import BaselineReport, validate_thresholds
    from extractor.evaluation.gold import parse_gold
    from extractor.evaluation.predictions import parse_predictions
    from extractor.evaluation.scoring import score

    def article_text(source: str, where: str) -> tuple[Path, bytes, str, bool]:
        # The request's text in place of the file: its bytes are checked against the gold's sha256,
        # and it is normalised as `extractor extract` reads a file.
        if source not in body.texts:
            raise EvalInputError(f"{where}: field source: no text given for {source!r} (add it to `texts`)")
        text = body.texts[source]
        return Path(source), text.encode("utf-8"), normalise_text(text), False

    try:
        gold = parse_gold(body.gold.encode("utf-8"), Path("gold"), article_text)
        predictions = parse_predictions(body.predictions.encode("utf-8"), Path("predictions"))
        thresholds = validate_thresholds(body.thresholds, "thresholds") if body.thresholds is not None else None
        baseline = BaselineReport.model_validate(body.baseline) if body.baseline is not None else None
    except EvalInputError as exc:
        raise invalid(["body"], str(exc)) from None
    except ValidationError as exc:
        raise invalid(["body", "baseline", *exc.errors()[0]["loc"]], exc.errors()[0]["msg"]) from None
    scoring = score(
        gold, predictions, thresholds=thresholds, baseline=baseline, tolerance=body.tolerance,
        thresholds_file="thresholds" if thresholds is not None else None,
        baseline_file="baseline" if baseline is not None else None,
    )  # fmt: skip
    return scoring.report
