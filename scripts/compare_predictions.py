"""Compare two predictions files (``extractor extract`` output) ignoring only the timing fields.

Used to prove a refactor is a pure move: run the same strategy on the same
articles before and after, then

    python scripts/compare_predictions.py before.jsonl after.jsonl

Records are matched by ``id`` (the line order of a concurrent run is completion
order, so it is not compared); every other field must be equal, ``claims``
included, in the same order. Only ``seconds`` and ``finished_at`` may differ.

Exit codes: 0 identical, 1 different, 2 unreadable input (missing file, a line
that is not a JSON object with an ``id``, an id twice in one file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TIMING_FIELDS = frozenset(["seconds", "finished_at"])
MAX_REPORTED = 20


class BadInput(Exception):
    """A predictions file that cannot be compared."""


def load(path: Path) -> dict[str, dict[str, Any]]:
    """The records of ``path`` by id, timing fields removed."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read ({error})") from error
    records: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise BadInput(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise BadInput(f"{path}:{number}: not a record with a string id")
        if record["id"] in records:
            raise BadInput(f"{path}:{number}: id {record['id']!r} appears twice")
        records[record["id"]] = {key: value for key, value in record.items() if key not in TIMING_FIELDS}
    return records


def differences(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[str]:
    """Human-readable differences between two loaded files (empty: identical)."""
    found = [f"only in the first file: {record_id}" for record_id in sorted(before.keys() - after.keys())]
    found += [f"only in the second file: {record_id}" for record_id in sorted(after.keys() - before.keys())]
    for record_id in sorted(before.keys() & after.keys()):
        old, new = before[record_id], after[record_id]
        for key in sorted(old.keys() | new.keys()):
            if key == "claims" or old.get(key) == new.get(key):
                continue
            found.append(f"{record_id}: field {key!r}: {old.get(key)!r} != {new.get(key)!r}")
        found += _claim_differences(record_id, old.get("claims") or [], new.get("claims") or [])
    return found


def _claim_differences(record_id: str, old: list[Any], new: list[Any]) -> list[str]:
    if old == new:
        return []
    if len(old) != len(new):
        return [f"{record_id}: {len(old)} claims != {len(new)} claims"]
    return [
        f"{record_id}: claim {index}: {json.dumps(a, sort_keys=True)} != {json.dumps(b, sort_keys=True)}"
        for index, (a, b) in enumerate(zip(old, new, strict=True))
        if a != b
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path, help="predictions JSONL (e.g. before the change)")
    parser.add_argument("second", type=Path, help="predictions JSONL (e.g. after the change)")
    args = parser.parse_args(argv)
    try:
        before, after = load(args.first), load(args.second)
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    found = differences(before, after)
    claims = sum(len(record.get("claims") or []) for record in before.values())
    if found:
        for line in found[:MAX_REPORTED]:
            print(line)
        more = len(found) - MAX_REPORTED
        print(f"DIFFERENT: {len(found)} differences" + (f" ({more} not shown)" if more > 0 else ""))
        return 1
    print(f"IDENTICAL: {len(before)} articles, {claims} claims (ignoring {', '.join(sorted(TIMING_FIELDS))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
