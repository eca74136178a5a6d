"""Options declared once: every ExtractorConfig field is an option of `extract` and `serve`, and in the README.

The options are generated from the config's fields (extractor.options); these tests check what
a user sees: the flags in each command's help, a value reaching the config, a bound enforced,
and the README's configuration table naming every field with its flag and variable.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.config import ExtractorConfig
from extractor.options import option_rows

REPO = Path(__file__).resolve().parent.parent


def _help(*command: str) -> str:
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
    assert done.exit_code == 0, done.output
    return done.output


@pytest.mark.parametrize("command", ["extract", "serve"])
def test_every_config_field_is_an_option_of_each_front_door(command: str) -> None:
    shown = _help(command)
    for field, flag, _ in option_rows():
        if flag:
            assert re.search(rf"{re.escape(flag)}\b", shown), f"{command} has no {flag} for ExtractorConfig.{field}"
    assert not re.search(r"--api-key\b(?!s)", shown)  # a secret is read from the environment only


def test_a_given_option_reaches_the_config_and_a_bound_is_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def capture(cls: type[ExtractorConfig], environ: Any = None, **overrides: Any) -> ExtractorConfig:
        seen.update(overrides)
        raise SystemExit(0)

    monkeypatch.setattr(ExtractorConfig, "from_env", classmethod(capture))
    args = ["extract", "x.txt", "-o", "o.jsonl", "--timeout", "7", "--no-cache", "--engine", "ray", "--workers", "3"]
    CliRunner().invoke(app, args)
    assert seen == {"timeout_s": 7.0, "cache": False, "engine": "ray", "workers": "3"}
    refused = CliRunner().invoke(app, ["extract", "x.txt", "-o", "o.jsonl", "--max-retries", "11"])
    assert refused.exit_code == 2 and "--max-retries" in refused.output


def test_the_readme_configuration_table_names_every_field_with_its_flag_and_variable() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("| `ExtractorConfig` | CLI |", 1)[1].split("\n\n", 1)[0]
    rows = [line.split("|")[1:4] for line in table.splitlines() if line.startswith("| `")]
    for field, flag, env in option_rows():
        row = next((r for r in rows if f"`{field}`" in r[0]), None)
        assert row is not None, f"README's configuration table lacks ExtractorConfig.{field}"
        if flag:
            assert f"`{flag}" in row[1], f"README names no {flag} for {field}"
        if env:
            assert f"`{env}`" in row[2], f"README names no {env} for {field}"
    assert {f for f, _, _ in option_rows()} == set(ExtractorConfig.model_fields)
