"""Real-world input (issue #11, cases 3, 6, 7, 8, 9, 10): what users actually feed a batch job.

Each test names the case it reproduces. Every run here uses the ``baseline``
strategy (no model) through the real command line, in process where that is
enough and in a child process where a hang or a memory blow-up must be survivable;
inputs and outputs live in ``tmp_path`` only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.articles import ArticleFailure, read_articles
from extractor.cli import app
from extractor.records import Article
from tests.reliability import cli_env, read_lines

REPO = Path(__file__).resolve().parent.parent
CHECK_CLAIMS = REPO.parent / "shared" / "tools" / "check_claims.py"
CLI = [sys.executable, "-m", "extractor.cli", "extract"]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths in these tests are relative to tmp_path


def invoke(args: list[str], cache: Path, stdin: bytes | None = None) -> Any:
    """``extractor extract ARGS --strategy baseline`` in this process; returns click's Result."""
    result = CliRunner().invoke(
        app, ["extract", *args, "--strategy", "baseline", "--no-progress", "--cache-dir", str(cache)], input=stdin
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def run_limited(args: list[str], tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI in a child process with 2 GiB of address space: a reader that slurps a device dies, not the host."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    return subprocess.run(
        [*CLI, *args, "--strategy", "baseline", "--no-progress"],
        env=cli_env(tmp_path / "cache"),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=limit,
    )


def sample_text(articles_dir: Path, index: int = 0) -> str:
    return sorted(articles_dir.glob("*.txt"))[index].read_text(encoding="utf-8")


def check_claims(out: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CHECK_CLAIMS), str(out)], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


# --- case 3: a lone surrogate in one JSONL record -------------------------------------------------


def test_case3_lone_surrogate_is_replaced_and_the_batch_and_resume_finish(articles_dir: Path, tmp_path: Path) -> None:
    good = sample_text(articles_dir)
    rows = [
        json.dumps({"id": "before", "text": good}),
        # json.dumps escapes the lone surrogate as \ud800, exactly what a broken scraper writes.
        json.dumps({"id": "broken", "text": "Minister Anna Berg said the talks \ud800 would continue next week."}),
        json.dumps({"id": "after", "text": sample_text(articles_dir, 1)}),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    first = invoke([str(source), "-o", str(out)], tmp_path / "cache")
    assert first.exit_code == 0, first.output
    lines = {line["id"]: line for line in read_lines(out)}
    assert set(lines) == {"before", "broken", "after"}
    broken_text = "Minister Anna Berg said the talks \ufffd would continue next week."
    assert lines["broken"]["status"] == "ok"
    assert lines["broken"]["text_sha256"] == hashlib.sha256(broken_text.encode()).hexdigest()
    again = invoke([str(source), "-o", str(out), "--resume"], tmp_path / "cache")
    assert again.exit_code == 0, again.output
    assert sorted(line["id"] for line in read_lines(out)) == ["after", "before", "broken"]


# --- case 6: special files, huge files, unreadable entries ---------------------------------------


def test_case6_fifo_and_device_inputs_are_error_lines_not_hangs(articles_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(sample_text(articles_dir), encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")  # inside a folder: was skipped silently
    loose_fifo = tmp_path / "loose.txt"
    os.mkfifo(loose_fifo)  # on the command line: hung the run forever
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")  # was read until MemoryError
    out = tmp_path / "out.jsonl"
    done = run_limited([str(folder), str(loose_fifo), str(zero), "-o", str(out)], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = {line["source"]: line for line in read_lines(out)}
    assert set(lines) == {str(folder / "good.txt"), str(folder / "pipe.txt"), str(loose_fifo), str(zero)}
    assert lines[str(folder / "good.txt")]["status"] == "ok"
    assert "not a regular file (FIFO)" in lines[str(folder / "pipe.txt")]["error"]
    assert "not a regular file (FIFO)" in lines[str(loose_fifo)]["error"]
    assert "not a regular file (character device)" in lines[str(zero)]["error"]


def test_case6_a_3gb_file_is_refused_from_its_size_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:  # sparse: takes no disk, but reading it whole takes 3 GiB
        handle.truncate(3 * 1024**3)
    out = tmp_path / "out.jsonl"
    done = run_limited([str(huge), "-o", str(out)], tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = read_lines(out)
    assert line["status"] == "error"
    assert "3,221,225,472 bytes" in line["error"] and "--max-article-chars" in line["error"]


def test_case6_unreadable_subfolder_is_an_error_line(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "hidden.txt").write_text(sample_text(articles_dir), encoding="utf-8")
    (folder / "open.txt").write_text(sample_text(articles_dir, 1), encoding="utf-8")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        # Tests run as root, which chmod cannot lock out: fail the way an unreadable folder fails.
        if Path(path) == folder / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(read_articles([folder]))
    failures = [item for item in items if isinstance(item, ArticleFailure)]
    assert [a.source for a in items if isinstance(a, Article)] == [str(folder / "open.txt")]
    assert [(f.source, f.message) for f in failures] == [
        (str(folder / "locked"), "cannot read folder: Permission denied")
    ]


def test_case6_unreadable_file_on_the_command_line_is_one_error_line_exit_1(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(sample_text(articles_dir), encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(sample_text(articles_dir, 1), encoding="utf-8")
    denied = PermissionError(13, "Permission denied", str(secret))
    for name in ("stat", "lstat", "open"):
        real = getattr(os, name)

        def refuse(path: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if isinstance(path, str | os.PathLike) and os.fspath(path) == str(secret):
                raise denied
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, name, refuse)
    out = tmp_path / "out.jsonl"
    alone = invoke([str(secret), "-o", str(out)], tmp_path / "cache")
    assert alone.exit_code == 1, alone.output
    (line,) = read_lines(out)
    assert line["source"] == str(secret) and "Permission denied" in line["error"]
    both = invoke([str(secret), str(good), "-o", str(out)], tmp_path / "cache")
    assert both.exit_code == 1, both.output
    assert [line["status"] for line in read_lines(out)] == ["error", "ok"]


# --- case 7: realistic JSONL rows -------------------------------------------------------------------


def test_case7_realistic_jsonl_rows_are_read_with_defaults(articles_dir: Path, tmp_path: Path) -> None:
    body = sample_text(articles_dir)
    rows = [
        {"id": "r1", "text": body, "author": "A. Writer", "url": "https://example.org/r1"},
        {"id": "r2", "content": body, "published": "2024-02-14T09:30:00+03:00"},
        {"id": "r3", "body": body, "date": "2024-02-15"},
        {"text": body, "published": "2024-02-16T23:10:00Z", "tags": ["politics"]},
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = invoke([str(source), "-o", str(out)], tmp_path / "cache")
    assert done.exit_code == 0, done.output
    lines = {line["id"]: line for line in read_lines(out)}
    assert set(lines) == {"r1", "r2", "r3", f"{source}:4"}
    assert all(line["status"] == "ok" and line["claims"] for line in lines.values())
    assert lines["r1"]["meta"] == {"author": "A. Writer"} and lines["r1"]["url"] == "https://example.org/r1"
    assert lines["r2"]["published"] == "2024-02-14"
    assert lines["r3"]["published"] == "2024-02-15"
    assert lines[f"{source}:4"]["published"] == "2024-02-16"
    assert lines[f"{source}:4"]["meta"] == {"tags": ["politics"]}
    assert check_claims(out, tmp_path).stdout.strip().endswith("0 problems")


def test_case7_field_names_are_configurable_on_the_cli_and_in_the_library(articles_dir: Path, tmp_path: Path) -> None:
    body = sample_text(articles_dir)
    source = tmp_path / "feed.jsonl"
    source.write_text(
        json.dumps({"guid": "g-1", "article_body": body, "pubDate": "2023-05-06T10:00:00"}) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    done = invoke(
        [
            str(source),
            "-o",
            str(out),
            "--id-field",
            "guid",
            "--text-field",
            "article_body",
            "--published-field",
            "pubDate",
        ],
        tmp_path / "cache",
    )
    assert done.exit_code == 0, done.output
    (line,) = read_lines(out)
    assert (line["id"], line["status"], line["published"], line["meta"]) == ("g-1", "ok", "2023-05-06", None)

    from extractor.articles import FieldMap

    fields = FieldMap.with_overrides(id_field="guid", text_field="article_body", published_field="pubDate")
    (article,) = read_articles([source], fields=fields)
    assert isinstance(article, Article)
    assert (article.id, article.published, article.text) == ("g-1", dt.date(2023, 5, 6), body)


# --- case 8: standard input ------------------------------------------------------------------------


def test_case8_dash_reads_one_article_from_stdin(articles_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    text = sample_text(articles_dir)
    done = invoke(["-", "-o", str(out)], tmp_path / "cache", stdin=text.encode("utf-8"))
    assert done.exit_code == 0, done.output
    (line,) = read_lines(out)
    assert (line["id"], line["source"], line["status"]) == ("<stdin>", "<stdin>", "ok")
    assert line["text"] == text and line["claims"]
    assert check_claims(out, tmp_path).stdout.strip().endswith("0 problems")


def test_case8_dash_reads_jsonl_from_stdin(articles_dir: Path, tmp_path: Path) -> None:
    rows = [{"id": "s1", "text": sample_text(articles_dir)}, {"text": sample_text(articles_dir, 1)}]
    out = tmp_path / "out.jsonl"
    stdin = "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
    done = invoke(["-", "-o", str(out)], tmp_path / "cache", stdin=stdin)
    assert done.exit_code == 0, done.output
    assert sorted(line["id"] for line in read_lines(out)) == ["<stdin>:2", "s1"]


# --- case 9: HTML ----------------------------------------------------------------------------------


def test_case9_html_records_carry_their_text_and_the_headline_is_no_claim(tmp_path: Path) -> None:
    headline = "Minister Anna Berg said the talks would continue"
    paragraphs = "".join(
        f"<p>Paragraph {i}: the spokesman Peter Olsen said the delegation had arrived in the capital on time.</p>"
        for i in range(4)
    )
    page = tmp_path / "page.html"
    page.write_text(
        f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>{paragraphs}"
        "</article></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    done = invoke([str(page), "-o", str(out)], tmp_path / "cache")
    assert done.exit_code == 0, done.output
    (line,) = read_lines(out)
    assert line["schema_version"] == "claim-record/3"
    text = line["text"]
    assert isinstance(text, str) and "delegation had arrived" in text
    assert line["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert line["claims"], "the body's claims are found"
    assert all(text[c["evidence"]["start"] : c["evidence"]["end"]] == c["evidence"]["quote"] for c in line["claims"])
    assert not [c for c in line["claims"] if "Berg" in c["claimant"]["name"]], "the headline became a claim"
    checked = check_claims(out, tmp_path)
    assert checked.returncode == 0 and checked.stdout.strip().endswith("0 problems"), checked.stdout


# --- case 10: BOM, CRLF, repeated paths ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("bom", lambda text: b"\xef\xbb\xbf" + text.encode("utf-8")),
        ("crlf", lambda text: text.replace("\n", "\r\n").encode("utf-8")),
        ("cr", lambda text: text.replace("\n", "\r").encode("utf-8")),
    ],
)
def test_case10_bom_and_crlf_give_the_claims_of_the_clean_file(
    name: str, encode: Any, articles_dir: Path, tmp_path: Path
) -> None:
    text = sample_text(articles_dir)
    (tmp_path / "clean.txt").write_text(text, encoding="utf-8")
    (tmp_path / f"{name}.txt").write_bytes(encode(text))
    out = tmp_path / "out.jsonl"
    done = invoke(["clean.txt", f"{name}.txt", "-o", str(out)], tmp_path / "cache")
    assert done.exit_code == 0, done.output
    clean, other = read_lines(out)
    assert other["claims"] == clean["claims"] and clean["claims"]
    assert other["text_sha256"] == clean["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert other["title"] == clean["title"]
    checked = check_claims(out, tmp_path)
    assert checked.returncode == 0 and checked.stdout.strip().endswith("0 problems"), checked.stdout


def test_case10_the_same_path_three_times_is_read_once(articles_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.txt").write_text(sample_text(articles_dir), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = invoke(["d/x.txt", "d/x.txt", "./d/x.txt", "d", "-o", str(out)], tmp_path / "cache")
    assert done.exit_code == 0, done.output
    assert [line["id"] for line in read_lines(out)] == ["d/x.txt"]


def test_normalisation_rules() -> None:
    from extractor.articles import normalise_text

    assert normalise_text("\ufeffa\r\nb\rc\n\ud800d\udfff") == "a\nb\nc\n\ufffdd\ufffd"
    assert normalise_text("\U0001f600 kept") == "\U0001f600 kept"
