"""A broken cache never stops a run (issue #11, cases 5 and 10): corrupt databases are moved aside and rebuilt.

A garbage or truncated ``cache.db`` used to make every command, ``cache clear``
included, die with a ``sqlite3.DatabaseError`` traceback; a cache folder that
cannot be created printed a traceback even for ``baseline``, which needs no cache.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cache import ResponseCache, cache_key
from extractor.cli import app
from support.endpoint import FakeEndpoint, reporting_responder
from tests.reliability import FAKE_KEY, make_articles, read_lines, write_jsonl


def _fill(directory: Path, n: int = 300) -> list[str]:
    cache = ResponseCache(directory)
    keys = [cache_key({"n": i}) for i in range(n)]
    for key in keys:
        cache.set(key, {"claims": ["x" * 2000]})
        cache.set_result(key, {"claims": []})
    cache.close()
    return keys


def _garbage(db: Path) -> None:
    db.write_bytes(b"this is not a database " * 500)


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


def invoke(args: list[str], **env: str) -> Any:
    result = CliRunner().invoke(app, args, env={"NO_COLOR": "1", **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("damage", [_garbage, _truncated], ids=["garbage", "truncated"])
@pytest.mark.parametrize("which", ["cache.db", "article-results/cache.db"])
def test_case5_corrupt_database_is_moved_aside_and_rebuilt(
    damage: Any, which: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    directory = tmp_path / "cache"
    keys = _fill(directory)
    damage(directory / which)
    damaged = (directory / which).read_bytes()
    caplog.set_level(logging.WARNING)
    cache = ResponseCache(directory)
    for key in keys[:50]:  # every read answers (a miss at worst), never raises
        cache.get(key)
        cache.get_result(key)
    cache.set(keys[0], {"claims": ["again"]})
    cache.set_result(keys[0], {"claims": ["again"]})
    assert cache.get(keys[0]) == {"claims": ["again"]}
    assert cache.get_result(keys[0]) == {"claims": ["again"]}
    cache.stats()
    cache.close()
    assert "corrupt" in caplog.text and "moved aside" in caplog.text
    aside = sorted((directory / which).parent.glob("cache.db.corrupt-*"))
    assert aside and aside[0].read_bytes() == damaged, "the damaged file is kept for inspection, not deleted"


def test_case5_cache_commands_survive_a_garbage_database(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    _fill(directory, 5)
    _garbage(directory / "cache.db")
    stats = invoke(["cache", "stats", "--cache-dir", str(directory)])
    assert stats.exit_code == 0, stats.output
    _garbage(directory / "cache.db")
    cleared = invoke(["cache", "clear", "--cache-dir", str(directory)])
    assert cleared.exit_code == 0, cleared.output
    assert "moved aside" in cleared.output and "removed 0 cached responses" in cleared.output


def test_case5_extraction_runs_over_a_corrupt_cache(articles_dir: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    _fill(directory, 5)
    _garbage(directory / "cache.db")
    source = write_jsonl(tmp_path / "in.jsonl", make_articles(articles_dir, 2))
    out = tmp_path / "out.jsonl"
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        done = invoke(
            [
                "extract",
                str(source),
                "-o",
                str(out),
                "--strategy",
                "whole_article",
                "--base-url",
                endpoint.base_url,
                "--cache-dir",
                str(directory),
                "--no-progress",
            ],
            OPENAI_API_KEY=FAKE_KEY,
        )
    assert done.exit_code == 0, done.output
    assert [line["status"] for line in read_lines(out)] == ["ok", "ok"]


def test_case10_an_unusable_cache_folder_is_a_clear_error_or_not_needed(articles_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    unusable = blocker / "cache"
    source = write_jsonl(tmp_path / "in.jsonl", make_articles(articles_dir, 1))
    out = tmp_path / "out.jsonl"
    # baseline needs no cache: it runs.
    baseline = invoke(
        [
            "extract",
            str(source),
            "-o",
            str(out),
            "--strategy",
            "baseline",
            "--cache-dir",
            str(unusable),
            "--no-progress",
        ]
    )
    assert baseline.exit_code == 0, baseline.output
    # A model strategy would pay again for every answer: refused with a clear message, exit 2, nothing written.
    out.unlink()
    with FakeEndpoint(respond=reporting_responder) as endpoint:
        modelled = invoke(
            [
                "extract",
                str(source),
                "-o",
                str(out),
                "--strategy",
                "whole_article",
                "--base-url",
                endpoint.base_url,
                "--cache-dir",
                str(unusable),
                "--no-progress",
            ],
            OPENAI_API_KEY=FAKE_KEY,
        )
        assert endpoint.requests == 0
    assert modelled.exit_code == 2, modelled.output
    message = " ".join(modelled.output.split())  # rich wraps long lines
    assert f"cache folder {unusable} cannot be used: Not a directory" in message and "--no-cache" in message
    assert not out.exists()
    stats = invoke(["cache", "stats", "--cache-dir", str(unusable)])
    assert stats.exit_code == 2 and f"cache folder {unusable}" in " ".join(stats.output.split())
