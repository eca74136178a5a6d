"""The claims and claimants tables (issue #19, part 3): from Python and from `extractor claimants` / `table`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import extractor
from extractor.cli import app
from extractor.records import ArticleResult, AttributionKind, Claim, Claimant, Evidence, Stance

TEXT = "Donald Trump said the wall works. Trump denied it. Officials said no."


def claim(name: str, stance: Stance, start: int, end: int, *, named: bool = True, said_on: str | None = None) -> Claim:
    return Claim(
        claimant=Claimant(name=name, named=named),
        stance=stance,
        claim=TEXT[start:end],
        evidence=Evidence(quote=TEXT[start:end], start=start, end=end),
        said_on=dt.date.fromisoformat(said_on) if said_on else None,
        attribution=AttributionKind.REPORTED,
    )


RESULTS = [
    ArticleResult(
        id="one",
        source="one.txt",
        status="ok",
        strategy="test",
        title="The wall",
        published=dt.date(2016, 9, 1),
        claims=[
            claim("Donald Trump", Stance.ASSERTS, 0, 33, said_on="2016-09-01"),
            claim("Trump", Stance.DENIES, 34, 50, said_on="2016-08-30"),
            claim("Officials", Stance.ASSERTS, 51, 69, named=False),
        ],
    ),
    ArticleResult(
        id="two",
        source="two.txt",
        status="ok",
        strategy="test",
        claims=[claim("Mr. Trump", Stance.ASSERTS, 0, 12, said_on="2016-09-05")],
    ),
    ArticleResult(id="three", source="three.txt", status="error", error="boom", strategy="test"),
]


def write_output(path: Path, results: list[ArticleResult] = RESULTS) -> Path:
    path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    return path


def test_claims_table_has_one_row_per_claim_with_batch_keys() -> None:
    table = extractor.claims_table(RESULTS)
    rows = list(table)
    assert len(table) == 4
    assert list(rows[0]) == list(table.columns)
    assert rows[0] == {
        "article_id": "one", "title": "The wall", "published": "2016-09-01", "key": "donald-trump",
        "claimant": "Donald Trump", "named": True, "stance": "asserts", "claim": TEXT[0:33], "quote": TEXT[0:33],
        "start": 0, "end": 33, "said_on": "2016-09-01",
    }  # fmt: skip
    assert rows[3]["key"] == "donald-trump"  # "Mr. Trump" of article two: the batch resolved it


def test_claimants_table_counts_each_speaker_once() -> None:
    rows = list(extractor.claimants_table(RESULTS))
    trump = rows[0]
    assert trump["key"] == "donald-trump"
    assert trump["name"] == "Donald Trump"
    assert trump["aliases"] == ["Mr. Trump", "Trump"]
    assert (trump["claims"], trump["articles"], trump["asserts"], trump["denies"]) == (3, 2, 2, 1)
    assert (trump["first_said_on"], trump["last_said_on"]) == ("2016-08-30", "2016-09-05")
    officials = rows[1]
    assert officials["key"].startswith("desc:officials:") and officials["named"] is False
    assert officials["first_said_on"] is None


def test_to_dataframe_gives_the_rows() -> None:
    pytest.importorskip("pandas")
    frame = extractor.claimants_table(RESULTS).to_dataframe()
    assert list(frame.columns) == list(extractor.claimants_table(RESULTS).columns)
    assert frame.loc[0, "claims"] == 3


def run(*args: str) -> object:
    outcome = CliRunner().invoke(app, list(args))
    assert "Traceback" not in outcome.output
    return outcome


def test_claimants_command_writes_csv_to_standard_output(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out.jsonl")
    outcome = run("claimants", str(out))
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert rows[0]["key"] == "donald-trump"
    assert rows[0]["aliases"] == "Mr. Trump | Trump"
    assert rows[0]["claims"] == "3"


def test_claimants_command_writes_json_and_parquet_files(tmp_path: Path) -> None:
    out = write_output(tmp_path / "out.jsonl")
    as_json = tmp_path / "claimants.json"
    assert run("claimants", str(out), "--format", "json", "-o", str(as_json)).exit_code == 0
    assert json.loads(as_json.read_text(encoding="utf-8")) == list(extractor.claimants_table(RESULTS))
    pq = pytest.importorskip("pyarrow.parquet")
    as_parquet = tmp_path / "claims.parquet"
    assert run("table", str(out), "--format", "parquet", "-o", str(as_parquet)).exit_code == 0
    assert pq.read_table(as_parquet).to_pylist() == list(extractor.claims_table(RESULTS))


def test_table_command_reads_a_resumed_output_once_per_article(tmp_path: Path) -> None:
    redone = RESULTS[0].model_copy(update={"claims": RESULTS[0].claims[:1]})
    out = write_output(tmp_path / "out.jsonl", [*RESULTS, redone])  # a later line for "one" wins
    outcome = run("table", str(out))
    assert outcome.exit_code == 0, outcome.output
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert [(row["article_id"], row["claimant"]) for row in rows] == [("one", "Donald Trump"), ("two", "Mr. Trump")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("id,text\n1,hello\n", "out.jsonl:1: not an extractor output line"),
        ('{"schema_version": "claim-record/3", "id": "a"}\n', "out.jsonl:1: not an extractor output line"),
    ],
)
def test_bad_input_is_a_clear_error_and_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    out = tmp_path / "out.jsonl"
    if content is not None:
        out.write_text(content, encoding="utf-8")
    for command in ("claimants", "table"):
        outcome = run(command, str(out))
        assert outcome.exit_code == 2
        assert message in " ".join(outcome.output.split())


def test_a_folder_and_parquet_to_standard_output_are_refused(tmp_path: Path) -> None:
    outcome = run("claimants", str(tmp_path))
    assert outcome.exit_code == 2 and "is a folder" in outcome.output
    out = write_output(tmp_path / "out.jsonl")
    outcome = run("table", str(out), "--format", "parquet")
    assert outcome.exit_code == 2 and "give -o FILE" in outcome.output
