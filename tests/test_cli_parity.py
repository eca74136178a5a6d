"""The CLI is a thin layer over the library: same configuration, same records, same claims.

For the five sample articles, ``Extractor(...).extract(text)`` and ``extractor extract``
give identical claims: with ``baseline`` (no model) and with ``guided`` replayed from the
seed gate's cassette (recorded from the embedded model by ``make record``), each side in
its own replay with a fresh cache, so both really ask the model. The CLI's options map one
to one onto ``ExtractorConfig``, and ``extractor schema`` prints the schema every output
line validates against.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from extractor import Article, Extractor, ExtractorConfig
from extractor.articles import read_articles
from extractor.cli import app
from extractor.errors import ConfigError
from extractor.local_model import DEFAULT_LOCAL_MODEL
from extractor.records import output_json_schema
from tests.cassettes import RECORDING_BASE_URL, replay_only

REPO = Path(__file__).resolve().parent.parent
SEED_CASSETTE = REPO / "cassettes" / "test_seed_quality_gate" / "test_default_strategy_passes_the_seed_gate.yaml"
SCHEMA_FILE = REPO / "docs" / "output-schema.json"
VOLATILE = ("seconds", "finished_at")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "EXTRACTOR_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path / "env-cache"))


def _cli_lines(args: list[str]) -> dict[str, dict[str, Any]]:
    out = Path(args[args.index("-o") + 1])
    done = CliRunner().invoke(app, ["extract", *args, "--no-progress"])
    assert done.exit_code == 0, done.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {line["text_sha256"]: line for line in lines}


def _library_lines(ex: Extractor, articles_dir: Path) -> dict[str, dict[str, Any]]:
    # A string is kept whole unless asked: asked, it is read as its .txt file is.
    texts = [path.read_text(encoding="utf-8") for path in sorted(articles_dir.glob("*.txt"))]
    results = [ex.extract(text, detect_header=True) for text in texts]
    return {r.text_sha256: json.loads(r.model_dump_json()) for r in results}  # type: ignore[misc]


def _same_claims(library: dict[str, dict[str, Any]], cli: dict[str, dict[str, Any]]) -> None:
    assert len(library) == len(cli) == 5 and library.keys() == cli.keys()
    for sha, line in cli.items():
        assert line["status"] == library[sha]["status"] == "ok", (line["error"], library[sha]["error"])
        assert library[sha]["claims"] == line["claims"], line["id"]
        for field in ("strategy", "model", "endpoint", "prompt_version", "published", "title", "dropped_ungrounded"):
            assert library[sha][field] == line[field], (line["id"], field)
    assert sum(len(line["claims"]) for line in cli.values()) > 20


def test_baseline_library_and_cli_give_identical_claims(articles_dir: Path, tmp_path: Path) -> None:
    cli = _cli_lines([str(articles_dir), "-o", str(tmp_path / "out.jsonl"), "--strategy", "baseline"])
    with Extractor(strategy="baseline") as ex:
        _same_claims(_library_lines(ex, articles_dir), cli)
        # Given the Article the CLI read, the library returns the CLI's line itself (timings aside).
        for article in read_articles([articles_dir]):
            assert isinstance(article, Article)
            line = json.loads(ex.extract(article).model_dump_json())
            expected = cli[line["text_sha256"]]
            assert {k: v for k, v in line.items() if k not in VOLATILE} == {
                k: v for k, v in expected.items() if k not in VOLATILE
            }


def test_guided_library_and_cli_give_identical_claims_from_the_cassette(articles_dir: Path, tmp_path: Path) -> None:
    assert SEED_CASSETTE.exists(), "cassette missing: record with `make record`"
    settings = {"base_url": RECORDING_BASE_URL, "model": DEFAULT_LOCAL_MODEL, "max_retries": 0, "max_reasks": 1}
    with replay_only(str(SEED_CASSETTE)) as cassette, Extractor(
        strategy="guided", cache_dir=tmp_path / "library-cache", **settings
    ) as ex:
        library = _library_lines(ex, articles_dir)
        assert cassette.all_played, "the library asked the model what the recording holds"
    with replay_only(str(SEED_CASSETTE)) as cassette:
        cli = _cli_lines([
            str(articles_dir), "-o", str(tmp_path / "out.jsonl"), "--strategy", "guided",
            "--base-url", RECORDING_BASE_URL, "--model", DEFAULT_LOCAL_MODEL, "--max-retries", "0",
            "--max-reasks", "1", "--cache-dir", str(tmp_path / "cli-cache"),
            "--workers", "1",  # the cassette replays in this process only (tests/test_workers.py covers workers)
        ])  # fmt: skip
        assert cassette.all_played, "the CLI asked the model what the recording holds"
    _same_claims(library, cli)
    assert sum(line["usage"]["llm_calls"] for line in cli.values()) >= 1


def test_cli_options_map_one_to_one_onto_the_config(
    monkeypatch: pytest.MonkeyPatch, articles_dir: Path, tmp_path: Path
) -> None:
    built: list[ExtractorConfig] = []

    class Capture:
        def __init__(self, config: ExtractorConfig) -> None:
            built.append(config)
            raise ConfigError("captured")

    monkeypatch.setattr("extractor.cli.Extractor", Capture)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment-0123456789")
    options = {
        "--strategy": "baseline", "--model": "m", "--base-url": "http://127.0.0.1:1/v1", "--local-model": "x",
        "--mode": "json", "--concurrency": "3", "--cache-dir": str(tmp_path / "c"), "--max-article-chars": "99",
        "--token-budget": "7", "--timeout": "9", "--max-reasks": "0", "--max-retries": "2", "--workers": "3",
    }  # fmt: skip
    args = ["extract", str(articles_dir), "-o", str(tmp_path / "o.jsonl"), "--no-cache"]
    done = CliRunner().invoke(app, [*args, *[part for item in options.items() for part in item]])
    assert done.exit_code == 2 and "captured" in done.output
    assert built == [
        ExtractorConfig(
            strategy="baseline", model="m", base_url="http://127.0.0.1:1/v1", local_model="x", mode="json",
            concurrency=3, cache=False, cache_dir=tmp_path / "c", max_article_chars=99, token_budget=7,
            timeout_s=9, max_reasks=0, max_retries=2, api_key="sk-from-the-environment-0123456789", workers=3,
        )
    ]  # fmt: skip
    built.clear()
    CliRunner().invoke(app, ["extract", str(articles_dir), "-o", str(tmp_path / "o.jsonl")])
    # With no options the CLI's config is the library's, but for one documented default: the CLI
    # runs a process per core ("auto"), the library its caller's process (no spawned workers).
    assert built == [ExtractorConfig.from_env(workers="auto")]
    assert ExtractorConfig.from_env().workers == 1


def test_schema_command_prints_the_schema_every_output_line_meets(articles_dir: Path, tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["schema"])
    assert done.exit_code == 0
    schema = json.loads(done.stdout)
    assert schema == output_json_schema()
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == schema, (
        "docs/output-schema.json is stale: run `extractor schema > docs/output-schema.json`"
    )
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    lines = _cli_lines([str(articles_dir), "-o", str(tmp_path / "out.jsonl"), "--strategy", "baseline"])
    error_line = json.loads(Extractor(strategy="baseline").extract("").model_dump_json())
    for line in [*lines.values(), error_line]:
        validator.validate(line)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**error_line, "status": "maybe"})
