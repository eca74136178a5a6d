"""The CI quality gate: minimum values from a thresholds file, and no regression against a baseline.

A thresholds file (JSON or TOML) maps metric names to minimum values. A baseline
is an earlier report.json; a metric fails when it is more than ``tolerance``
below the baseline's value. A metric that could not be measured (``None``, e.g.
stance accuracy on a gold without stances) fails any check placed on it.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import validation_message
from extractor.evaluation.metrics import METRIC_NAMES, GateCheck, GateOutcome

DEFAULT_TOLERANCE = 0.02
# Floating-point slack so that a metric equal to its baseline minus the
# tolerance (up to rounding) still passes.
_COMPARISON_SLACK = 1e-9


class BaselineReport(BaseModel):
    """The part of an earlier report.json the gate reads (other fields are ignored)."""

    model_config = ConfigDict(extra="ignore")

    schema_version: str
    gold_sha256: str | None = None
    metrics: dict[str, float | None]


def load_thresholds(path: Path) -> dict[str, float]:
    """Read a flat ``{metric: minimum}`` mapping from a ``.json`` or ``.toml`` file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EvalInputError(f"{path}: thresholds file not found") from None
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read thresholds file: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data = tomllib.loads(raw.decode("utf-8"))
        elif suffix == ".json":
            data = json.loads(raw.decode("utf-8"))
        else:
            raise EvalInputError(f"{path}: thresholds file must end in .json or .toml")
    except UnicodeDecodeError as exc:
        raise EvalInputError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise EvalInputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EvalInputError(f"{path}: invalid TOML: {exc}") from None
    if not isinstance(data, dict):
        raise EvalInputError(f"{path}: thresholds must be a mapping of metric names to minimum values")
    return validate_thresholds(data, str(path))


def validate_thresholds(data: Mapping[str, object], where: str) -> dict[str, float]:
    thresholds: dict[str, float] = {}
    for name, value in data.items():
        if name not in METRIC_NAMES:
            raise EvalInputError(f"{where}: unknown metric {name!r}; known metrics: {', '.join(METRIC_NAMES)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise EvalInputError(f"{where}: field {name}: minimum must be a number from 0 to 1, got {value!r}")
        thresholds[name] = float(value)
    return thresholds


def load_baseline(path: Path) -> BaselineReport:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EvalInputError(f"{path}: baseline report not found") from None
    except OSError as exc:
        raise EvalInputError(f"{path}: cannot read baseline report: {exc.strerror or exc}") from None
    try:
        baseline = BaselineReport.model_validate_json(raw)
    except ValidationError as exc:
        raise EvalInputError(validation_message(f"{path} (baseline report)", exc)) from None
    unknown = sorted(set(baseline.metrics) - set(METRIC_NAMES))
    if unknown:
        raise EvalInputError(f"{path}: baseline report has unknown metrics: {', '.join(unknown)}")
    return baseline


def check_gate(
    metrics: Mapping[str, float | None],
    *,
    thresholds: Mapping[str, float] | None = None,
    baseline: BaselineReport | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    thresholds_file: str | None = None,
    baseline_file: str | None = None,
) -> GateOutcome:
    """Compare metrics with minimums and with a baseline; every comparison becomes a check."""
    checks: list[GateCheck] = []
    for name, minimum in (thresholds or {}).items():
        actual = metrics.get(name)
        passed = actual is not None and actual >= minimum
        detail = (
            f"{name} could not be measured on this gold"
            if actual is None
            else f"{name} = {actual:.4f} {'>=' if passed else '<'} minimum {minimum:.4f}"
        )
        checks.append(
            GateCheck(metric=name, kind="threshold", required=minimum, actual=actual, passed=passed, detail=detail)
        )
    if baseline is not None:
        for name in METRIC_NAMES:
            reference = baseline.metrics.get(name)
            if reference is None:
                continue
            required = reference - tolerance
            actual = metrics.get(name)
            passed = actual is not None and not math.isnan(actual) and actual >= required - _COMPARISON_SLACK
            detail = (
                f"{name} could not be measured (baseline {reference:.4f})"
                if actual is None
                else f"{name} = {actual:.4f}, baseline {reference:.4f} (tolerance {tolerance:.4f})"
            )
            checks.append(
                GateCheck(metric=name, kind="baseline", required=required, actual=actual, passed=passed, detail=detail)
            )
    return GateOutcome(
        passed=all(check.passed for check in checks),
        checks=checks,
        thresholds_file=thresholds_file,
        baseline_file=baseline_file,
        tolerance=tolerance if baseline is not None else None,
    )
