"""The output side of a batch (issue #11, cases 1, 2, 4, 8, 10): inputs intact, every article once, nothing clobbered.

Each test names the case it reproduces. Runs use the ``baseline`` strategy
through the real command line (in process), or ``whole_article`` against the
fake endpoint where a run must be slow, concurrent or made with another model.
Every path is inside ``tmp_path``; special files are FIFOs made there.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from support.endpoint import FakeEndpoint, reporting_responder
from tests.reliability import by_id, make_articles, popen_cli, read_lines, run_cli, write_jsonl


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths below are relative to tmp_path
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))  # outside the snapshots


def invoke(args: list[str], stdin: bytes | None = None, strategy: str = "baseline") -> Any:
    result = CliRunner().invoke(app, ["extract", *args, "--strategy", strategy, "--no-progress"], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def flat(text: str) -> str:
    return " ".join(text.split())  # rich wraps long messages


def sample(articles_dir: Path, index: int = 0) -> str:
    return sorted(articles_dir.glob("*.txt"))[index].read_text(encoding="utf-8")


def snapshot(folder: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every entry under ``folder``: its type and, for files, its bytes; links by their target."""
    seen: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            seen[str(path)] = (stat.S_IFLNK, os.readlink(path))
        elif stat.S_ISREG(info.st_mode):
            seen[str(path)] = (stat.S_IFREG, path.read_bytes())
        else:
            seen[str(path)] = (stat.S_IFMT(info.st_mode), b"")
    return seen


# --- case 1: -o names an input, a device or something else that is not ours ------------------------


@pytest.mark.parametrize("name", ["inp.jsonl", "inp.txt"])
def test_case1_output_that_is_an_input_is_refused_and_untouched(name: str, articles_dir: Path, tmp_path: Path) -> None:
    text = sample(articles_dir)
    data = (json.dumps({"id": "a", "text": text}) + "\n") if name.endswith(".jsonl") else text
    (tmp_path / name).write_text(data, encoding="utf-8")
    before = snapshot(tmp_path)
    for out in (name, f"./{name}", str(tmp_path / name)):
        done = invoke([name, "-o", out])
        assert done.exit_code == 2, done.output
        assert "is one of the inputs" in flat(done.output)
        assert snapshot(tmp_path) == before


def test_case1_output_that_is_no_regular_file_is_refused_and_untouched(articles_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(sample(articles_dir), encoding="utf-8")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "pipe")
    (tmp_path / "notes.txt").write_text("My own notes, not an extractor output.\n", encoding="utf-8")
    before = snapshot(tmp_path)
    for out, message in [
        ("pipe", "is not a regular file (FIFO)"),
        ("link.jsonl", "is not a regular file (FIFO)"),
        ("notes.txt", "is not an extractor output"),
    ]:
        done = invoke(["a.txt", "-o", out])
        assert done.exit_code == 2, (out, done.output)
        assert message in flat(done.output), (out, done.output)
        assert snapshot(tmp_path) == before, out


def test_case1_output_inside_a_scanned_folder_is_never_read_as_input(articles_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(2):
        (folder / f"a{k}.txt").write_text(sample(articles_dir, k), encoding="utf-8")
    for extra in ([], [], ["--resume"]):
        done = invoke(["in", "-o", "in/out.jsonl", *extra])
        assert done.exit_code == 0, done.output
        assert sorted(line["id"] for line in read_lines(folder / "out.jsonl")) == ["in/a0.txt", "in/a1.txt"]
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("out.jsonl.")) == [
        "a0.txt",
        "a1.txt",
        "out.jsonl",
    ]


# --- case 2: identity and resume -------------------------------------------------------------------


def test_case2_same_stem_in_two_folders_are_two_articles_across_resumes(articles_dir: Path, tmp_path: Path) -> None:
    for k, folder in enumerate(("d1", "d2")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.txt").write_text(sample(articles_dir, k), encoding="utf-8")
    for extra in ([], ["--resume"], ["--resume"]):
        done = invoke(["d1", "d2", "-o", "out.jsonl", *extra])
        assert done.exit_code == 0, done.output
        assert sorted(line["id"] for line in read_lines(tmp_path / "out.jsonl")) == ["d1/x.txt", "d2/x.txt"]


def test_case2_duplicate_ids_are_an_error_line_each_never_an_overwrite(articles_dir: Path, tmp_path: Path) -> None:
    rows = [{"id": 1, "text": sample(articles_dir, 0)}, {"id": "1", "text": sample(articles_dir, 1)}]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    for extra in ([], ["--resume"], ["--resume"]):
        done = invoke(["in.jsonl", "-o", "out.jsonl", *extra])
        assert done.exit_code == 1, done.output
        lines = by_id(read_lines(tmp_path / "out.jsonl"))
        assert sorted(lines) == ["1", "in.jsonl:2"]
        assert lines["1"]["status"] == "ok"
        assert lines["in.jsonl:2"]["status"] == "error"
        assert "duplicate id '1'" in lines["in.jsonl:2"]["error"] and "in.jsonl:1" in lines["in.jsonl:2"]["error"]


def test_case2_resume_redoes_changed_text_and_says_so(articles_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for k in range(3):
        (tmp_path / "in" / f"a{k}.txt").write_text(sample(articles_dir, k), encoding="utf-8")
    assert invoke(["in", "-o", "out.jsonl"]).exit_code == 0
    first = by_id(read_lines(tmp_path / "out.jsonl"))
    (tmp_path / "in" / "a1.txt").write_text(sample(articles_dir, 3), encoding="utf-8")
    done = invoke(["in", "-o", "out.jsonl", "--resume"])
    assert done.exit_code == 0, done.output
    assert "resume: 2 kept from before; redone: 1 (text changed: 1)" in flat(done.output)
    final = by_id(read_lines(tmp_path / "out.jsonl"))
    assert sorted(final) == ["in/a0.txt", "in/a1.txt", "in/a2.txt"]
    assert final["in/a0.txt"] == first["in/a0.txt"] and final["in/a2.txt"] == first["in/a2.txt"]
    assert final["in/a1.txt"]["text_sha256"] != first["in/a1.txt"]["text_sha256"]


def test_case2_resume_redoes_lines_made_with_another_model(articles_dir: Path, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", make_articles(articles_dir, 3))
    out = tmp_path / "out.jsonl"
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        base = [str(source), "-o", str(out), "--strategy", "whole_article", "--base-url", endpoint.base_url]
        assert run_cli([*base, "--model", "model-a"], tmp_path / "cache").returncode == 0
        resumed = run_cli([*base, "--model", "model-b", "--resume"], tmp_path / "cache")
    assert resumed.returncode == 0, resumed.stderr
    assert "resume: 0 kept from before; redone: 3 (made with another strategy, model or prompt version: 3)" in flat(
        resumed.stderr
    )
    lines = by_id(read_lines(out))
    assert sorted(lines) == ["a000", "a001", "a002"]
    assert {line["model"] for line in lines.values()} == {"model-b"}


# --- case 4: two writers, one output -------------------------------------------------------------------


def _wait_for_lines(path: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (path.exists() and path.read_bytes().count(b"\n") >= count):
        time.sleep(0.02)


def _one_at_a_time(source: Path, out: Path, base_url: str) -> list[str]:
    """CLI arguments: whole_article on the fake endpoint, one article at a time, no cache (slow enough to interrupt)."""
    return [str(source), "-o", str(out), "--strategy", "whole_article", "--base-url", base_url,
            "--concurrency", "1", "--no-cache"]  # fmt: skip


def test_case4_a_second_writer_is_refused_and_the_first_finishes_whole(articles_dir: Path, tmp_path: Path) -> None:
    articles = make_articles(articles_dir, 40)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    out = tmp_path / "out.jsonl"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.3) as endpoint:
        args = _one_at_a_time(source, out, endpoint.base_url)
        first = popen_cli(args, tmp_path / "cache")
        _wait_for_lines(tmp_path / "out.jsonl.partial", 2)
        later = [popen_cli(args, tmp_path / "cache"), popen_cli([*args, "--resume"], tmp_path / "cache")]
        refusals = [process.communicate(timeout=120) for process in later]
        still_running = first.poll() is None
        _, first_err = first.communicate(timeout=120)
    assert still_running, "the refusals came while the first run was writing"
    assert first.returncode == 0, first_err
    for process, (_, stderr) in zip(later, refusals, strict=True):
        assert process.returncode == 2, stderr
        assert "another extractor run is writing" in flat(stderr)
    assert sorted(by_id(read_lines(out))) == [a.id for a in articles]


# --- an interrupted overwrite never destroys the previous results ------------------------------------


def test_an_interrupted_overwrite_keeps_the_previous_output_and_resume_completes(
    articles_dir: Path, tmp_path: Path
) -> None:
    articles = make_articles(articles_dir, 12)
    source = write_jsonl(tmp_path / "in.jsonl", articles)
    out = tmp_path / "out.jsonl"
    with FakeEndpoint(respond=reporting_responder, latency_s=0.1) as endpoint:
        args = _one_at_a_time(source, out, endpoint.base_url)
        assert run_cli(args, tmp_path / "cache").returncode == 0
        previous = out.read_bytes()
        again = popen_cli(args, tmp_path / "cache")
        _wait_for_lines(tmp_path / "out.jsonl.partial", 3)
        os.kill(again.pid, signal.SIGKILL)
        again.communicate(timeout=30)
        assert out.read_bytes() == previous, "the killed overwrite left the previous results alone"
        resumed = run_cli([*args, "--resume"], tmp_path / "cache")
    assert resumed.returncode == 0, resumed.stderr
    assert sorted(by_id(read_lines(out))) == [a.id for a in articles]
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_a_finished_rerun_without_resume_replaces_the_output_and_leaves_no_partial(
    articles_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    (tmp_path / "first" / "alpha.txt").write_text(sample(articles_dir, 0), encoding="utf-8")
    (tmp_path / "second" / "beta.txt").write_text(sample(articles_dir, 1), encoding="utf-8")
    assert invoke(["first", "-o", "out.jsonl"]).exit_code == 0
    assert [line["id"] for line in read_lines(tmp_path / "out.jsonl")] == ["first/alpha.txt"]
    assert invoke(["second", "-o", "out.jsonl"]).exit_code == 0
    replaced = [line["id"] for line in read_lines(tmp_path / "out.jsonl")]
    assert replaced == ["second/beta.txt"], "the old OUT was replaced"
    assert not (tmp_path / "out.jsonl.partial").exists()


# --- case 8: -o - -----------------------------------------------------------------------------------------


def test_case8_dash_output_streams_jsonl_to_stdout(articles_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(sample(articles_dir), encoding="utf-8")
    done = invoke(["a.txt", "-o", "-"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a.txt"] and lines[0]["claims"]
    assert "articles" in done.stderr and "claims" in done.stderr  # the summary stays on stderr
    assert not (tmp_path / "-").exists()
    piped = invoke(["-", "-o", "-"], stdin=sample(articles_dir, 1).encode())
    assert piped.exit_code == 0 and json.loads(piped.stdout)["id"] == "<stdin>"
    assert invoke(["a.txt", "-o", "-", "--resume"]).exit_code == 2


# --- case 10: -o a folder, or read-only ---------------------------------------------------------------


def test_case10_output_that_is_a_folder_is_a_clear_error(articles_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(sample(articles_dir), encoding="utf-8")
    (tmp_path / "results").mkdir()
    done = invoke(["a.txt", "-o", "results"])
    assert done.exit_code == 2, done.output
    assert "results is a folder" in flat(done.output)
    assert list((tmp_path / "results").iterdir()) == []


def test_case10_read_only_output_is_a_clear_error(
    articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(sample(articles_dir), encoding="utf-8")
    (tmp_path / "ro").mkdir()
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        # Tests run as root, which chmod cannot stop: fail the way a read-only folder fails.
        if Path(os.fspath(path)).parent == tmp_path / "ro" and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    done = invoke(["a.txt", "-o", "ro/out.jsonl"])
    assert done.exit_code == 2, done.output
    assert "cannot write" in flat(done.output) and "Permission denied" in flat(done.output)


def test_snapshot_sees_a_replaced_fifo(tmp_path: Path) -> None:
    """The helper above would notice the damage these tests guard against."""
    os.mkfifo(tmp_path / "p")
    before = snapshot(tmp_path)
    (tmp_path / "p").unlink()
    (tmp_path / "p").write_text("x")
    assert snapshot(tmp_path) != before


def test_case8_a_reader_that_goes_away_stops_the_run_cleanly(articles_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(5):
        (folder / f"a{k}.txt").write_text(sample(articles_dir, k), encoding="utf-8")
    process = popen_cli([str(folder), "-o", "-", "--strategy", "baseline", "--concurrency", "1"], tmp_path / "cache")
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(50)  # like `| head -c 50`
    process.stdout.close()
    stderr = process.stderr.read()
    process.wait(timeout=60)
    # 141 = 128 + SIGPIPE, what a shell reports for a filter its reader left; never 130 ("interrupted").
    assert process.returncode == 141, stderr
    assert "Traceback" not in stderr and "interrupted" not in stderr and "Error" not in stderr
