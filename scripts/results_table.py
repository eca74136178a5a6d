"""Print the README's results table from the committed eval reports (no model, no scoring).

Rows: every system of the local side-by-side (``bench/local_side_by_side.py``: the five
sample articles and 20 PolNeAR dev articles, one embedded server), each on the seeds and on
its dev articles, then the whole of PolNeAR dev for the default and the baseline
(``eval/reports/dev-*``). Every figure is read from a ``report.json`` that ``extractor eval``
wrote, and the seconds and model calls from the side-by-side's summary, so the table can be
regenerated after any run:

    .venv/bin/python scripts/results_table.py > /tmp/results.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIDE_BY_SIDE = REPO / "bench" / "results" / "local_side_by_side.json"
LOCAL = REPO / "bench" / "results" / "local"
FULL_DEV = {"guided": REPO / "eval/reports/dev-guided-qwen0.5b", "baseline": REPO / "eval/reports/dev-baseline"}
SYSTEMS = ("guided", "baseline", "guided_full", "whole_article", "langextract")
LABELS = {
    "guided": "**guided** (default)",
    "baseline": "baseline (no model)",
    "langextract": "LangExtract 1.7.1 (peer)",
}
PARTS = {"seeds": "seeds (5)", "dev": "dev, 20 of 84"}
HEADER = (
    "| strategy | data | overlap F1 [95% CI] | P / R | claimant | stance | claim text F1 | polarity consistent "
    "| named claimants | reporting relation | s / article | model calls / article | output tokens / claim "
    "| article errors |"
)


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def row(label: str, data: str, report: dict[str, Any], timing: dict[str, Any] | None) -> str:
    m, ci = report["metrics"], report["intervals"].get("overlap_f1_micro")
    f1 = fmt(m["overlap_f1_micro"]) + (f" [{ci['low']:.3f}, {ci['high']:.3f}]" if ci else "")
    cells = [
        label, data, f1, f"{fmt(m['overlap_precision_micro'])} / {fmt(m['overlap_recall_micro'])}",
        fmt(m.get("claimant_accuracy")), fmt(m.get("stance_accuracy")), fmt(m.get("claim_text_f1")),
        fmt(m.get("polarity_consistency")), fmt(m.get("claimant_name_rate")), fmt(m.get("reporting_relation_rate")),
    ]  # fmt: skip
    if timing is None:
        cells += ["–", "–", "–", str(report["counts"]["articles_error"])]
    else:
        cells += [
            fmt(timing["seconds_per_article"], 1), fmt(timing["llm_calls_per_article"], 2),
            fmt(timing["output_tokens_per_claim"], 1), str(timing["errors"]),
        ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def main() -> int:
    summary = json.loads(SIDE_BY_SIDE.read_text(encoding="utf-8"))
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    for part, data in PARTS.items():
        for system in SYSTEMS:
            figures = summary["systems"].get(system)
            report_file = LOCAL / f"eval-{system}-{part}" / "report.json"
            if figures is None or not report_file.exists():
                continue
            report = json.loads(report_file.read_text(encoding="utf-8"))
            lines.append(row(LABELS.get(system, system), data, report, figures["parts"][part]))
    for system, folder in FULL_DEV.items():
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        lines.append(row(LABELS[system], "dev, all 84", report, None))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
