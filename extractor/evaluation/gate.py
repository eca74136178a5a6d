"""The CI quality gate: minimum values from a thresholds file, and no regression against a baseline.

A thresholds file (JSON or TOML) maps metric names to a minimum value (``overlap_f1_micro = 0.6``)
or to a table naming a ``minimum`` and/or a ``tolerance`` for the baseline comparison
(``[stance_accuracy]`` / ``tolerance = 0.1``). An optional ``[gate]`` table sets the ``tolerance`` of
the metrics the file does not name and, with ``compare = "named"``, limits the baseline comparison to
the metrics that have a tolerance in the file (default ``"all"``: every metric the baseline measured).

A baseline is an earlier report.json. A metric regresses only when it is both more than its
tolerance below the baseline's value *and* below the low end of the baseline's bootstrap interval
for it (a drop inside the interval is what resampling the same articles already produces, which on
a small gold set is a lot). Metrics without an interval in the baseline (docs/evaluation.md lists
which have one) are compared by the tolerance alone. A metric that could not be measured (``None``,
e.g. stance accuracy on a gold without stances) fails any check placed on it.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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
    intervals: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @field_validator("intervals", mode="before")
    @classmethod
    def _intervals_as_pairs(cls, value: object) -> object:
        """report.json writes an interval as ``{"low": .., "high": ..}``; the gate reads it as (low, high)."""
        if isinstance(value, dict):
            return {
                name: (item["low"], item["high"]) if isinstance(item, dict) and {"low", "high"} <= item.keys() else item
                for name, item in value.items()
            }
        return value


@dataclass(frozen=True)
class GateRules:
    """What a thresholds file asks of the gate: minimums, per-metric tolerances, which metrics to compare."""

    minimums: dict[str, float] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)
    default_tolerance: float | None = None
    compare: Literal["all", "named"] = "all"

    @property
    def compared(self) -> frozenset[str] | None:
        """The metrics the baseline comparison is limited to, or None for all of them."""
        return frozenset(self.tolerances) if self.compare == "named" else None


def load_thresholds(path: Path) -> dict[str, float]:
    """The minimums a thresholds file sets (``load_gate_rules`` reads the rest too)."""
    return load_gate_rules(path).minimums


def load_gate_rules(path: Path) -> GateRules:
    """Read a thresholds file (``.json`` or ``.toml``; the module docstring gives its shape)."""
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
    return validate_gate_rules(data, str(path))


def validate_thresholds(data: Mapping[str, object], where: str) -> dict[str, float]:
    """A flat ``{metric: minimum}`` mapping (the service's ``thresholds`` field), checked."""
    return {name: _fraction(value, f"{where}: field {name}: minimum") for name, value in _known(data, where).items()}


def validate_gate_rules(data: Mapping[str, object], where: str) -> GateRules:
    """Check a thresholds file's content: numbers are minimums, tables hold ``minimum`` and ``tolerance``."""
    data = dict(data)
    settings = data.pop("gate", {})
    if not isinstance(settings, dict):
        raise EvalInputError(f"{where}: field gate: must be a table with tolerance and/or compare")
    unknown_settings = sorted(set(settings) - {"tolerance", "compare"})
    if unknown_settings:
        raise EvalInputError(f"{where}: field gate: unknown setting {unknown_settings[0]!r} (tolerance, compare)")
    compare = settings.get("compare", "all")
    if compare not in ("all", "named"):
        raise EvalInputError(f"{where}: field gate.compare: must be \"all\" or \"named\", got {compare!r}")
    default = settings.get("tolerance")
    default_tolerance = None if default is None else _fraction(default, f"{where}: field gate.tolerance")
    minimums: dict[str, float] = {}
    tolerances: dict[str, float] = {}
    for name, value in _known(data, where).items():
        if isinstance(value, dict):
            unknown = sorted(set(value) - {"minimum", "tolerance"})
            if unknown or not value:
                raise EvalInputError(
                    f"{where}: field {name}: a metric's table holds minimum and/or tolerance, got {sorted(value)}"
                )
            if "minimum" in value:
                minimums[name] = _fraction(value["minimum"], f"{where}: field {name}.minimum")
            if "tolerance" in value:
                tolerances[name] = _fraction(value["tolerance"], f"{where}: field {name}.tolerance")
        else:
            minimums[name] = _fraction(value, f"{where}: field {name}: minimum")
    if compare == "named" and not tolerances:
        raise EvalInputError(f"{where}: field gate.compare: \"named\" compares the metrics given a tolerance; none is")
    return GateRules(minimums=minimums, tolerances=tolerances, default_tolerance=default_tolerance, compare=compare)


def _known(data: Mapping[str, object], where: str) -> Mapping[str, object]:
    for name in data:
        if name not in METRIC_NAMES:
            raise EvalInputError(f"{where}: unknown metric {name!r}; known metrics: {', '.join(METRIC_NAMES)}")
    return data


def _fraction(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise EvalInputError(f"{where} must be a number from 0 to 1, got {value!r}")
    return float(value)


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
    tolerances: Mapping[str, float] | None = None,
    compared: Collection[str] | None = None,
    thresholds_file: str | None = None,
    baseline_file: str | None = None,
) -> GateOutcome:
    """Compare metrics with minimums and with a baseline; every comparison becomes a check.

    ``tolerances`` overrides ``tolerance`` per metric; ``compared`` limits the baseline comparison.
    """
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
            if reference is None or (compared is not None and name not in compared):
                continue
            allowed = (tolerances or {}).get(name, tolerance)
            checks.append(_baseline_check(name, metrics.get(name), reference, allowed, baseline.intervals.get(name)))
    return GateOutcome(
        passed=all(check.passed for check in checks),
        checks=checks,
        thresholds_file=thresholds_file,
        baseline_file=baseline_file,
        tolerance=tolerance if baseline is not None else None,
    )


def _baseline_check(
    name: str, actual: float | None, reference: float, tolerance: float, interval: tuple[float, float] | None
) -> GateCheck:
    """A regression is a drop beyond the tolerance that also leaves the baseline's bootstrap interval."""
    required = reference - tolerance
    if interval is not None:
        required = min(required, interval[0])
    if actual is None or math.isnan(actual):
        passed = False
        detail = f"{name} could not be measured (baseline {reference:.4f})"
    else:
        passed = actual >= required - _COMPARISON_SLACK
        within = (
            f", interval {interval[0]:.4f}-{interval[1]:.4f}" if interval is not None else ", no interval"
        )
        detail = f"{name} = {actual:.4f}, baseline {reference:.4f} (tolerance {tolerance:.4f}{within})"
    return GateCheck(metric=name, kind="baseline", required=required, actual=actual, passed=passed, detail=detail)
