"""scripts/compare_predictions.py: only the timing fields may differ between two predictions files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_predictions.py"


def _claim(name: str, start: int) -> dict:
    return {
        "claimant": {"name": name, "role": None, "organization": None},
        "stance": "asserts",
        "claim": f"{name} claim.",
        "evidence": {"quote": "x", "start": start, "end": start + 1},
        "said_on": None,
        "attribution": "reported",
        "cue": "said",
    }


def _record(record_id: str, claims: list[dict], seconds: float = 1.0, finished: str = "2026-01-01T00:00:00Z") -> dict:
    return {"id": record_id, "status": "ok", "claims": claims, "seconds": seconds, "finished_at": finished}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _compare(first: Path, second: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(first), str(second)], capture_output=True, text=True, check=False
    )


BEFORE = [_record("a", [_claim("Peskov", 0), _claim("Lavrov", 5)]), _record("b", [_claim("Biden", 3)])]


def test_timing_fields_and_line_order_may_differ(tmp_path: Path) -> None:
    after = [_record("b", [_claim("Biden", 3)], seconds=9.5), _record("a", BEFORE[0]["claims"], finished="later")]
    result = _compare(_write(tmp_path / "1.jsonl", BEFORE), _write(tmp_path / "2.jsonl", after))
    assert result.returncode == 0, result.stdout
    assert "IDENTICAL: 2 articles, 3 claims" in result.stdout


@pytest.mark.parametrize(
    ("case", "after"),
    [
        ("claims reordered", [_record("a", [_claim("Lavrov", 5), _claim("Peskov", 0)]), BEFORE[1]]),
        ("claim changed", [_record("a", [_claim("Peskov", 0), _claim("Lavrov", 6)]), BEFORE[1]]),
        ("claim dropped", [_record("a", [_claim("Peskov", 0)]), BEFORE[1]]),
        ("article missing", [BEFORE[0]]),
        ("article added", [*BEFORE, _record("c", [])]),
        ("other field changed", [BEFORE[0], {**BEFORE[1], "status": "error"}]),
    ],
)
def test_any_other_difference_fails(tmp_path: Path, case: str, after: list[dict]) -> None:
    result = _compare(_write(tmp_path / "1.jsonl", BEFORE), _write(tmp_path / "2.jsonl", after))
    assert result.returncode == 1, (case, result.stdout)
    assert "DIFFERENT" in result.stdout


def test_unreadable_input_exits_2_without_traceback(tmp_path: Path) -> None:
    good = _write(tmp_path / "1.jsonl", BEFORE)
    bad = tmp_path / "2.jsonl"
    bad.write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    for second in (bad, tmp_path / "missing.jsonl"):
        result = _compare(good, second)
        assert result.returncode == 2
        assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
