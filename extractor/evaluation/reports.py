"""Rendering an ``EvaluationReport``: a rich table for the terminal, report.json, report.md, junit.xml.

report.md is meant for a CI job summary (e.g. ``$GITHUB_STEP_SUMMARY``), so it
keeps lists short; report.json holds everything. junit.xml has one test case per
gate check, so CI test widgets show which metric failed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from extractor.evaluation.meaning import MeaningFinding
from extractor.evaluation.metrics import (
    ACCURACY_METRICS,
    METRIC_NAMES,
    SPAN_FAMILIES,
    ClaimRef,
    EvaluationReport,
)

MARKDOWN_LIST_LIMIT = 25
MARKDOWN_QUOTE_LIMIT = 160
_SPAN_FAMILY_TITLES = {"overlap": "overlap span", "exact": "exact span", "soft": "soft (token)"}
_ACCURACY_TITLES = {
    "claimant_accuracy": "claimant accuracy",
    "stance_accuracy": "stance accuracy",
    "date_accuracy": "date accuracy",
    "attribution_accuracy": "attribution-kind accuracy",
    "grounding_rate": "grounding rate",
}
_ACCURACY_DENOMINATORS = {metric: f"{name}_pairs" for name, metric in ACCURACY_METRICS.items()}
_ACCURACY_DENOMINATORS["grounding_rate"] = "predicted_claims"
# What a claim says: (title, denominator count, count of flagged claims or pairs, what the flag means).
_MEANING_ROWS = {
    "claim_text_f1": ("claim-text token F1", "claim_text_pairs", None, ""),
    "claim_text_similarity": ("claim-text similarity", "claim_text_pairs", None, ""),
    "polarity_consistency": ("polarity consistency", "denies_claims", "denies_negated", "denies still negated"),
    "reporting_relation_rate": (
        "reporting relation",
        "predicted_claims",
        "without_reporting_relation",
        "without a reporting relation",
    ),
    "claimant_name_rate": (
        "claimant is a name (paragraph names someone)",
        "name_available_claims",
        "unnamed_where_name_available",
        "not a name",
    ),
    "claimant_name_accuracy": (
        "claimant is a name (gold speaker named)",
        "claimant_name_pairs",
        "unnamed_where_gold_names_speaker",
        "not a name",
    ),
    "role_accuracy": ("role accuracy", "role_pairs", None, ""),
    "organization_accuracy": ("organisation accuracy", "organization_pairs", None, ""),
}


def format_value(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _interval_text(report: EvaluationReport, metric: str) -> str:
    interval = report.intervals.get(metric)
    return "" if interval is None else f"[{interval.low:.3f}, {interval.high:.3f}]"


def _span_rows(report: EvaluationReport) -> list[list[str]]:
    rows = []
    for family in SPAN_FAMILIES:
        for average in ("micro", "macro"):
            metric = f"{family}_%s_{average}"
            rows.append(
                [
                    f"{_SPAN_FAMILY_TITLES[family]} ({average})",
                    format_value(report.metrics[metric % "precision"]),
                    format_value(report.metrics[metric % "recall"]),
                    format_value(report.metrics[metric % "f1"]),
                    _interval_text(report, metric % "f1"),
                ]
            )
    return rows


def _accuracy_rows(report: EvaluationReport) -> list[list[str]]:
    return [
        [title, format_value(report.metrics[metric]), str(report.counts.get(_ACCURACY_DENOMINATORS[metric], 0))]
        for metric, title in _ACCURACY_TITLES.items()
    ]


def _meaning_rows(report: EvaluationReport) -> list[list[str]]:
    rows = []
    for metric, (title, denominator, flagged, flag) in _MEANING_ROWS.items():
        counted = report.counts.get(denominator, 0)
        note = f"{report.counts.get(flagged, 0)} {flag}" if flagged is not None and counted else ""
        rows.append([title, format_value(report.metrics.get(metric)), str(counted), note])
    return rows


def _speaker_rows(report: EvaluationReport) -> list[list[str]]:
    """Who said it: the full-name metric, then the batch's lower-is-better figures."""
    found = report.speakers
    pairs = report.counts.get("claimant_full_name_pairs", 0)
    not_full = pairs - round((report.metrics.get("claimant_full_name") or 0) * pairs)
    return [
        ["claimant full name (gold source a name)", format_value(report.metrics.get("claimant_full_name")),
         str(pairs), f"{not_full} not the full name" if pairs else ""],
        ["fragment rate (lower is better)", format_value(found.fragment_rate), str(found.named_claimants),
         f"{found.fragments} fragments"],
        ["non-speaker claimants", str(found.non_speaker_claimants), str(report.counts.get("predicted_claims", 0)), ""],
        ["alias splits: in the batch / within an article",
         f"{found.alias_splits} / {found.alias_splits_within_articles}", "", ""],
        ["key merges (two gold speakers, one key)", str(found.key_merges), "", ""],
        ["distinct keys / distinct gold speakers", f"{found.distinct_keys} / {found.distinct_gold_speakers}", "", ""],
    ]  # fmt: skip


def _summary_line(report: EvaluationReport) -> str:
    counts = report.counts
    return (
        f"{counts['articles']} articles, {counts['gold_claims']} gold claims, "
        f"{counts['predicted_claims']} predicted, {counts['matched']} matched "
        f"({counts['exact_matched']} exactly); {counts['articles_missing']} articles without predictions, "
        f"{counts['articles_error']} with errors"
    )


def print_report(report: EvaluationReport, console: Console) -> None:
    """The terminal view: span scores with 95% intervals, accuracies, gate checks, warnings."""
    spans = Table(title="Claim spans", title_justify="left")
    for column in ("", "precision", "recall", "F1", f"F1 {report.bootstrap.confidence:.0%} CI"):
        spans.add_column(column, justify="left" if not column else "right")
    for row in _span_rows(report):
        spans.add_row(*row)
    console.print(spans)

    accuracies = Table(title="On matched pairs", title_justify="left")
    for column in ("", "value", "counted"):
        accuracies.add_column(column, justify="left" if not column else "right")
    for row in _accuracy_rows(report):
        accuracies.add_row(*row)
    console.print(accuracies)

    meaning = Table(title="What claims say", title_justify="left")
    for column in ("", "value", "counted", "flagged"):
        meaning.add_column(column, justify="left" if column in ("", "flagged") else "right")
    for row in _meaning_rows(report):
        meaning.add_row(*row)
    console.print(meaning)
    speakers = Table(title="Who said it", title_justify="left")
    for column in ("", "value", "counted", "flagged"):
        speakers.add_column(column, justify="left" if column in ("", "flagged") else "right")
    for row in _speaker_rows(report):
        speakers.add_row(*row)
    console.print(speakers)
    console.print(_summary_line(report), highlight=False)

    if report.gate is not None and report.gate.checks:
        gate = Table(title="Gate", title_justify="left")
        gate.add_column("check")
        gate.add_column("result")
        for check in report.gate.checks:
            verdict = "[green]pass[/green]" if check.passed else "[bold red]FAIL[/bold red]"
            gate.add_row(f"{check.kind}: {check.detail}", verdict)
        console.print(gate)
        console.print("[green]gate passed[/green]" if report.gate.passed else "[bold red]gate failed[/bold red]")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False, markup=True)


def write_json(report: EvaluationReport, path: Path) -> None:
    path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _markdown_cell(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    if len(flat) > MARKDOWN_QUOTE_LIMIT:
        flat = flat[: MARKDOWN_QUOTE_LIMIT - 1] + "…"
    return flat


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _claim_list(title: str, items: Sequence[ClaimRef]) -> list[str]:
    lines = [f"### {title} ({len(items)})", ""]
    if not items:
        return [*lines, "None.", ""]
    shown = items[:MARKDOWN_LIST_LIMIT]
    rows = [
        [
            _markdown_cell(item.article_id),
            f"{item.start}:{item.end}",
            _markdown_cell(item.claimant or "—"),
            _markdown_cell(item.quote),
        ]
        for item in shown
    ]
    lines += _markdown_table(["article", "span", "claimant", "quote"], rows)
    if len(items) > len(shown):
        lines.append(f"\n…and {len(items) - len(shown)} more in report.json.")
    return [*lines, ""]


def _finding_list(title: str, items: Sequence[MeaningFinding]) -> list[str]:
    lines = [f"### {title} ({len(items)})", ""]
    if not items:
        return [*lines, "None.", ""]
    shown = items[:MARKDOWN_LIST_LIMIT]
    rows = [
        [
            _markdown_cell(item.article_id),
            _markdown_cell(item.claimant),
            _markdown_cell(item.cue or "—"),
            _markdown_cell(f"{item.stance}: {item.claim}"),
            _markdown_cell(item.detail),
        ]
        for item in shown
    ]
    lines += _markdown_table(["article", "claimant", "cue", "claim", "why"], rows)
    if len(items) > len(shown):
        lines.append(f"\n…and {len(items) - len(shown)} more in report.json.")
    return [*lines, ""]


def render_markdown(report: EvaluationReport) -> str:
    lines = ["## Claim extraction evaluation", ""]
    if report.gate is not None and report.gate.checks:
        lines += ["**Gate: passed**" if report.gate.passed else "**Gate: FAILED**", ""]
    lines += [_summary_line(report) + ".", ""]
    lines += _markdown_table(
        ["spans", "precision", "recall", "F1", f"F1 {report.bootstrap.confidence:.0%} CI"], _span_rows(report)
    )
    lines += [""]
    lines += _markdown_table(["on matched pairs", "value", "counted"], _accuracy_rows(report))
    lines += [""]
    lines += _markdown_table(["what claims say", "value", "counted", "flagged"], _meaning_rows(report))
    lines += [""]
    lines += _markdown_table(["who said it", "value", "counted", "flagged"], _speaker_rows(report))
    lines += [""]
    if report.gate is not None and report.gate.checks:
        lines += ["### Gate checks", ""]
        lines += _markdown_table(
            ["check", "result"],
            [[_markdown_cell(f"{c.kind}: {c.detail}"), "pass" if c.passed else "**FAIL**"] for c in report.gate.checks],
        )
        lines += [""]
    if report.warnings:
        lines += ["### Warnings", ""] + [f"- {_markdown_cell(w)}" for w in report.warnings] + [""]
    lines += ["### Per article", ""]
    lines += _markdown_table(
        ["article", "status", "gold", "predicted", "matched", "exact", "overlap F1", "soft F1"],
        [
            [
                _markdown_cell(a.id),
                a.status,
                str(a.gold_claims),
                str(a.predicted_claims),
                str(a.matched),
                str(a.exact_matched),
                f"{a.overlap_f1:.3f}",
                f"{a.soft_f1:.3f}",
            ]
            for a in report.articles
        ],
    )
    lines += [""]
    lines += _claim_list("Missed gold claims", report.misses)
    lines += _claim_list("Spurious predicted claims", report.spurious)
    lines += _finding_list("Denials whose claim text is still negated", report.meaning.double_negatives)
    lines += _finding_list("Claims without a reporting relation", report.meaning.without_reporting_relation)
    lines += _finding_list("Claimants that are not names, beside a name", report.meaning.unnamed_claimants)
    return "\n".join(lines)


def write_markdown(report: EvaluationReport, path: Path) -> None:
    path.write_text(render_markdown(report), encoding="utf-8")


def render_junit(report: EvaluationReport) -> str:
    """JUnit XML: one test case per gate check, or one per metric (always passing) without a gate."""
    suite = ElementTree.Element("testsuite", name="extractor-eval")
    failures = 0
    checks = report.gate.checks if report.gate is not None else []
    if checks:
        for check in checks:
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"extractor.eval.{check.kind}", name=check.metric
            )
            if not check.passed:
                failures += 1
                failure = ElementTree.SubElement(case, "failure", message=check.detail, type="GateFailure")
                failure.text = check.detail
            ElementTree.SubElement(case, "system-out").text = check.detail
    else:
        for metric in METRIC_NAMES:
            case = ElementTree.SubElement(suite, "testcase", classname="extractor.eval.metric", name=metric)
            ElementTree.SubElement(case, "system-out").text = f"{metric} = {format_value(report.metrics[metric])}"
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    suites = ElementTree.Element("testsuites", tests=suite.get("tests", "0"), failures=str(failures))
    suites.append(suite)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: EvaluationReport, path: Path) -> None:
    path.write_text(render_junit(report), encoding="utf-8")


def write_reports(report: EvaluationReport, directory: Path) -> list[Path]:
    """Write report.json, report.md and junit.xml into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / "report.json", directory / "report.md", directory / "junit.xml"]
    write_json(report, paths[0])
    write_markdown(report, paths[1])
    write_junit(report, paths[2])
    return paths
