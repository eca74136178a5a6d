"""Nothing silently lost at the door: text kept as given, every record shape, and the reader's warnings.

A string, a JSON record's text field, standard input and a service request are article
text: no header heuristic runs on them unless asked (``detect_header``), a given title
never removes text, and whenever text is left out of the body the line says so
(``body_start`` and a warning). Record fields are mapped by name (``FieldMap``, the
``--*-field`` options, the service's query and ``fields``), with scraper names as
defaults, unknown fields under ``meta`` and dates read leniently (a bad one is a warning).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import extractor
from extractor import Extractor
from extractor.articles import FieldMap, normalise_text, read_articles
from extractor.cli import app
from extractor.pipeline import Pipeline
from extractor.records import Article
from extractor.service.app import create_app
from extractor.strategies.base import StrategyOutput
from tests.service_helpers import settings as service_settings
from tests.service_helpers import wait_for_job

ROE = "Senator Jane Roe said on Tuesday that the bill would pass."
MAYOR = "The mayor said the budget was balanced, a figure his critics dispute."
NEWS = f"{ROE}\n\n{MAYOR}\n"


def _claimants(result: object) -> list[str]:
    return [claim.claimant.name for claim in result.claims]  # type: ignore[attr-defined]


def _run_cli(args: list[str], **kwargs: object) -> object:
    return CliRunner().invoke(app, ["extract", *args], catch_exceptions=False, **kwargs)  # type: ignore[arg-type]


# -- 1. text kept as given ---------------------------------------------------------------------------


def test_a_title_never_removes_the_lede() -> None:
    """The reproduction: a one-sentence lede under 200 characters was taken for a headline, title= or not."""
    with Extractor(strategy="baseline") as ex:
        result = ex.extract(NEWS, title="Budget news")
    assert result.status == "ok", result.error
    assert result.title == "Budget news"
    assert result.body_start == 0 and result.warnings == []
    assert any("Jane Roe" in name for name in _claimants(result)), _claimants(result)


def test_the_one_call_extract_takes_article_fields() -> None:
    """``extractor.extract(text, title=…)`` raised ConfigError: invalid setting title."""
    result = extractor.extract(NEWS, title="Budget news", id="roe", strategy="baseline", cache=False)
    assert (result.status, result.id, result.title) == ("ok", "roe", "Budget news")
    assert any("Jane Roe" in name for name in _claimants(result))


def test_an_article_needs_only_id_and_text() -> None:
    article = Article(id="a1", text=NEWS)
    assert article.source == "<text>" and article.body_start == 0
    with Extractor(strategy="baseline") as ex:
        assert any("Jane Roe" in name for name in _claimants(ex.extract(article)))


def test_one_sentence_on_standard_input_is_an_article(tmp_path: Path) -> None:
    """`echo "<one sentence>" | extractor extract - -o -` was 'empty article (no text)'."""
    done = _run_cli(["-", "-o", "-", "--strategy", "baseline", "--cache-dir", str(tmp_path)], input=ROE + "\n")
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]  # type: ignore[attr-defined]
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0]["status"] == "ok" and lines[0]["body_start"] == 0
    assert any("Jane Roe" in claim["claimant"]["name"] for claim in lines[0]["claims"])


def test_one_sentence_to_the_service_is_an_article(tmp_path: Path) -> None:
    """`POST /v1/extract {"text": "<one sentence>"}` answered 'empty article (no text)'."""
    with TestClient(create_app(service_settings(tmp_path))) as client:
        answer = client.post("/v1/extract", json={"text": ROE})
    assert answer.status_code == 200, answer.text
    line = answer.json()
    assert line["status"] == "ok", line["error"]
    assert line["body_start"] == 0 and any("Jane Roe" in c["claimant"]["name"] for c in line["claims"])


def test_header_detection_when_asked_says_what_it_left_out() -> None:
    text = f"Budget news\n\n{NEWS}"
    with Extractor(strategy="baseline") as ex:
        kept = ex.extract(text)
        detected = ex.extract(text, detect_header=True)
    assert kept.body_start == 0 and kept.warnings == []
    assert detected.title == "Budget news"
    assert detected.body_start == text.index(ROE)
    assert len(detected.warnings) == 1 and "a title line" in detected.warnings[0]
    assert "Budget news" in detected.warnings[0]
    assert any("Jane Roe" in name for name in _claimants(detected))


def test_a_text_file_keeps_its_documented_header_and_says_so(tmp_path: Path) -> None:
    """Files whose header the reader documents keep it, and the line now names what was skipped."""
    (tmp_path / "a.txt").write_text(f"Budget news\n\n{NEWS}", encoding="utf-8")
    (article,) = read_articles([tmp_path / "a.txt"])
    assert isinstance(article, Article)
    assert article.title == "Budget news" and article.body_start == article.text.index(ROE)
    assert article.warnings and "a title line" in article.warnings[0]
    (kept,) = read_articles([tmp_path / "a.txt"], detect_header=False)
    assert isinstance(kept, Article) and kept.body_start == 0 and kept.warnings == []


def test_json_text_fields_and_standard_input_are_kept_whole(tmp_path: Path) -> None:
    """A JSON text field once lost template and date lines; standard input its first line."""
    text = "{{page.date}}\ndate 2024-02-14\nBudget news\n\n" + NEWS
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "j", "text": text}) + "\n", encoding="utf-8")
    (record,) = read_articles([tmp_path / "a.jsonl"])
    assert isinstance(record, Article) and record.body_start == 0 and record.warnings == []
    (asked,) = read_articles([tmp_path / "a.jsonl"], detect_header=True)
    assert isinstance(asked, Article) and asked.body_start > 0
    assert "a template placeholder line" in asked.warnings[0] and "a date line" in asked.warnings[0]


class _NoClaims:
    """A strategy that finds nothing: the property below is about reading, not extraction."""

    name = "none"
    uses_llm = False

    def extract(self, article: Article, llm: object) -> StrategyOutput:
        return StrategyOutput(claims=[])


_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.one_of(_LINE, st.sampled_from(["", "{{x}}", "date 2024-01-02", "Title", "A."])), max_size=6),
       detect=st.booleans(), title=st.one_of(st.none(), st.sampled_from(["Title", "Other"])))  # fmt: skip
def test_no_character_of_a_string_is_lost_unreported(lines: list[str], detect: bool, title: str | None) -> None:
    """Every character of the input is in the body or in the front matter the line reports; by default all are
    in the body."""
    text = "\n".join(lines)
    result = Pipeline(_NoClaims()).extract(text, title=title, **({"detect_header": True} if detect else {}))
    if result.status == "error":  # nothing left to read: the error says so when there was text
        assert result.error is not None and result.error.startswith("empty article (no text)")
        assert not detect or not normalise_text(text).strip() or "header matter" in result.error
        assert detect or not normalise_text(text).strip()
        return
    assert result.text == normalise_text(text)  # the line carries the text as given (normalised only)
    if not detect:
        assert result.body_start == 0 and result.warnings == []
    left_out = result.text[: result.body_start]
    if left_out.strip():
        assert len(result.warnings) == 1 and f"first {result.body_start} characters" in result.warnings[0]
    else:
        assert result.warnings == []
    assert left_out + result.text[result.body_start :] == result.text


# -- 3. any record shape -----------------------------------------------------------------------------

SCRAPED = [
    {"id": "s1", "headline": "Budget passes", "body": NEWS, "date": "Sep 12, 2016", "link": "https://ex/1",
     "publisher": "Gazette", "author": "A. Writer"},
    {"id": "s2", "headline": "Council meets", "content": f"{MAYOR}\n", "published_at": "2016-09-13T08:00:00Z",
     "section": "city"},
    {"id": "s3", "headline": "Odd date", "body": NEWS, "date": "the day after the storm"},
]  # fmt: skip


def test_scraper_field_names_are_read_by_default(tmp_path: Path) -> None:
    (tmp_path / "s.jsonl").write_text("".join(json.dumps(r) + "\n" for r in SCRAPED), encoding="utf-8")
    first, second, third = read_articles([tmp_path / "s.jsonl"])
    assert isinstance(first, Article) and isinstance(second, Article) and isinstance(third, Article)
    assert (first.title, str(first.published), first.url) == ("Budget passes", "2016-09-12", "https://ex/1")
    assert first.meta == {"publisher": "Gazette", "author": "A. Writer"}
    assert (second.title, str(second.published), second.meta) == ("Council meets", "2016-09-13", {"section": "city"})
    # A date that names no day is a warning, never an error line.
    assert third.published is None and "the day after the storm" in third.warnings[0]


def test_a_numeric_date_is_read_in_the_order_asked(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text(json.dumps({"text": NEWS, "date": "03/04/2016"}) + "\n", encoding="utf-8")
    (us,) = read_articles([tmp_path / "d.jsonl"])
    (eu,) = read_articles([tmp_path / "d.jsonl"], date_order="DMY")
    assert isinstance(us, Article) and isinstance(eu, Article)
    assert (str(us.published), str(eu.published)) == ("2016-03-04", "2016-04-03")


def test_a_named_text_field_wins_over_a_text_field(tmp_path: Path) -> None:
    """A record holding both `text` and the field --text-field names is read from the named one (issue #23)."""
    record = {"id": "x", "text": "A teaser the scraper kept.", "body": NEWS}
    (tmp_path / "x.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    (article,) = read_articles([tmp_path / "x.jsonl"], fields=FieldMap.with_overrides(text_field="body"))
    assert isinstance(article, Article) and article.text == NEWS and article.meta == {"text": record["text"]}
    (by_default,) = read_articles([tmp_path / "x.jsonl"])
    assert isinstance(by_default, Article) and by_default.text == record["text"]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_crlf_in_json_and_jsonl_is_normalised_as_in_a_text_file(tmp_path: Path, newline: str) -> None:
    """The same text as .txt, JSON and JSONL with \\r\\n gives equal text_sha256, offsets and claims (issue #23)."""
    text = NEWS.replace("\n", newline)
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "b.json").write_text(json.dumps({"id": "b", "text": text}), encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": text}) + "\n", encoding="utf-8")
    articles = list(read_articles([tmp_path / "a.txt", tmp_path / "b.json", tmp_path / "c.jsonl"], detect_header=False))
    with Extractor(strategy="baseline") as ex:
        results = [ex.extract(article) for article in articles]  # type: ignore[arg-type]
    assert all(result.status == "ok" for result in results)
    assert len({result.text_sha256 for result in results}) == 1
    assert "\r" not in articles[1].text and "\r" not in articles[2].text  # type: ignore[union-attr]
    claims = [[(c.evidence.start, c.evidence.end, c.claim) for c in result.claims] for result in results]
    assert claims[0] and claims[0] == claims[1] == claims[2]


def test_a_scraper_job_file_runs_the_same_through_the_cli_and_the_service(tmp_path: Path) -> None:
    """Same ids, titles, dates, meta and claims; the service never answers 422 for an extra field."""
    job = tmp_path / "scraped.jsonl"
    job.write_text("".join(json.dumps(r) + "\n" for r in SCRAPED), encoding="utf-8")
    done = _run_cli([str(job), "-o", str(tmp_path / "out.jsonl"), "--strategy", "baseline", "--progress", "none",
                     "--cache-dir", str(tmp_path / "cache")])  # fmt: skip
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    cli = {line["id"]: line for line in map(json.loads, (tmp_path / "out.jsonl").read_text().splitlines())}
    with TestClient(create_app(service_settings(tmp_path))) as client:
        accepted = client.post("/v1/jobs", content=job.read_bytes(), headers={"Content-Type": "application/x-ndjson"})
        assert accepted.status_code == 202, accepted.text
        wait_for_job(client, accepted.json()["id"])
        lines = client.get(accepted.json()["results_url"]).text.splitlines()
    served = {line["id"]: line for line in map(json.loads, lines)}
    assert set(served) == set(cli) == {"s1", "s2", "s3"}
    for article_id, line in cli.items():
        other = served[article_id]
        for key in ("title", "published", "url", "meta", "text_sha256", "body_start", "warnings", "claims"):
            assert other[key] == line[key], (article_id, key)
    assert cli["s1"]["claims"] and cli["s3"]["published"] is None and cli["s3"]["warnings"]


def test_the_service_maps_fields_by_query_or_by_a_fields_object(tmp_path: Path) -> None:
    record = {"uid": "q1", "story": NEWS, "heading": "Budget passes", "when": "12 September 2016"}
    with TestClient(create_app(service_settings(tmp_path))) as client:
        by_query = client.post(
            "/v1/jobs?id_field=uid&text_field=story&title_field=heading&published_field=when", json=[record]
        )
        names = {"id": "uid", "text": "story", "title": "heading", "published": "when"}
        by_object = client.post("/v1/jobs", json={"articles": [record], "fields": names})
        unknown = client.post("/v1/jobs", json={"articles": [record], "fields": {"body": "story"}})
        no_text = client.post("/v1/jobs", json=[record])
        results = []
        for accepted in (by_query, by_object):
            assert accepted.status_code == 202, accepted.text
            wait_for_job(client, accepted.json()["id"])
            results.append(json.loads(client.get(accepted.json()["results_url"]).text.splitlines()[0]))
    assert unknown.status_code == 422 and "body" in unknown.text
    assert no_text.status_code == 422 and "text" in no_text.text
    for line in results:
        assert (line["id"], line["title"], line["published"]) == ("q1", "Budget passes", "2016-09-12")
        assert line["meta"] is None


# -- 2. the rough edges ------------------------------------------------------------------------------


def _sample_dir(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(count):
        (folder / f"a{k}.txt").write_text(f"Headline {k}\n\n{NEWS}", encoding="utf-8")
    return folder


def test_a_clean_end_leaves_no_lock_file(tmp_path: Path) -> None:
    folder = _sample_dir(tmp_path, 2)
    out = tmp_path / "out.jsonl"
    for extra in ([], ["--resume"]):
        done = _run_cli([str(folder), "-o", str(out), "--strategy", "baseline", "--progress", "none", *extra])
        assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.jsonl"]


def test_the_lock_still_refuses_a_second_writer_and_survives_removal_races(tmp_path: Path) -> None:
    from extractor.errors import OutputError
    from extractor.identity import RunIdentity
    from extractor.output import BatchOutput, lock_path

    out = tmp_path / "out.jsonl"
    first = BatchOutput(out, resume=False, identity=RunIdentity("baseline", None, None))
    first.open()
    with pytest.raises(OutputError, match="another extractor run"):
        BatchOutput(out, resume=False, identity=RunIdentity("baseline", None, None)).open()
    first.finish()
    assert not lock_path(out).exists()
    second = BatchOutput(out, resume=True, identity=RunIdentity("baseline", None, None))
    second.open()
    assert lock_path(out).exists()
    second.finish()


def test_the_resume_summary_counts_everything_in_out(tmp_path: Path) -> None:
    """After --resume the summary counted only the new claims (3,121 of 3,212)."""
    folder = _sample_dir(tmp_path, 3)
    out, summary = tmp_path / "out.jsonl", tmp_path / "summary.json"
    common = ["-o", str(out), "--strategy", "baseline", "--progress", "none", "--summary-json", str(summary)]
    assert _run_cli([str(folder / "a0.txt"), str(folder / "a1.txt"), *common]).exit_code == 0  # type: ignore[attr-defined]
    before = json.loads(summary.read_text())
    done = _run_cli([str(folder), *common, "--resume"])
    after = json.loads(summary.read_text())
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert after["articles"] == 1 and after["kept_articles"] == 2 and after["articles_in_output"] == len(lines) == 3
    assert after["claims_in_output"] == sum(len(line["claims"]) for line in lines) == before["claims"] + after["claims"]
    assert "claims in OUT" in done.output  # type: ignore[attr-defined]


def test_the_job_store_lives_in_the_state_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` wrote jobs.sqlite3 into the parent of EXTRACTOR_CACHE_DIR."""
    from extractor.config import ExtractorConfig
    from extractor.service.settings import ServiceSettings

    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(tmp_path / "cache" / "responses"))
    monkeypatch.setenv("EXTRACTOR_STATE_DIR", str(tmp_path / "state"))
    assert ServiceSettings().jobs_path() == tmp_path / "state" / "jobs.sqlite3"
    monkeypatch.delenv("EXTRACTOR_STATE_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    cached = ServiceSettings(extraction=ExtractorConfig(cache_dir=tmp_path / "cache" / "responses"))
    assert cached.jobs_path() == tmp_path / "xdg" / "extractor" / "jobs.sqlite3"
    assert ServiceSettings(state_dir=tmp_path / "s").jobs_path() == tmp_path / "s" / "jobs.sqlite3"


@pytest.mark.parametrize("command", [["extract"], ["serve"], ["eval"]])
def test_help_is_readable_at_80_columns(command: list[str]) -> None:
    """At 80 columns rich cut option names (`--published-fie…`)."""
    done = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80", "TERM": "dumb"}, terminal_width=80)
    assert done.exit_code == 0
    assert "…" not in done.output
    assert max(len(line) for line in done.output.splitlines()) <= 80
    if command == ["extract"]:
        options = ("--published-field", "--title-field", "--detect-header", "--progress-every", "--max-article-chars")
        for option in options:
            assert option in done.output


def test_a_fully_cached_rerun_does_not_start_the_embedded_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded server starts at the first article the result memo does not hold, so never on a cached re-run."""
    from extractor.local_model import LocalServer
    from support.endpoint import FakeEndpoint

    with FakeEndpoint() as endpoint:
        starts: list[int] = []
        monkeypatch.setattr(LocalServer, "base_url", property(lambda self: endpoint.base_url))
        monkeypatch.setattr(LocalServer, "start", lambda self: starts.append(1) or self)
        monkeypatch.setattr(LocalServer, "stop", lambda self: None)
        config = {"strategy": "whole_article", "cache_dir": tmp_path / "cache", "base_url": None}
        with Extractor(**config) as ex:
            assert ex.embedded
            first = ex.extract(NEWS, id="n")
        assert first.status == "ok" and starts == [1] and endpoint.requests
        requests = endpoint.requests
        with Extractor(**config) as ex:
            again = ex.extract(NEWS, id="n")
        assert again.status == "ok" and again.claims == first.claims
        assert starts == [1] and endpoint.requests == requests  # no start, no request


# -- 4. honest progress ------------------------------------------------------------------------------


def test_the_total_is_counted_before_the_run(tmp_path: Path) -> None:
    from extractor.progress import count_articles

    folder = _sample_dir(tmp_path, 3)
    records = "\n".join(json.dumps({"text": NEWS}) for _ in range(5)) + "\n\n"
    (folder / "many.jsonl").write_text(records, encoding="utf-8")
    (folder / "one.json").write_text(json.dumps({"text": NEWS}), encoding="utf-8")
    assert count_articles([folder]) == 3 + 5 + 1
    (folder / "list.json").write_text(json.dumps([{"text": NEWS}]), encoding="utf-8")
    assert count_articles([folder]) is None  # a JSON list is parsed to be counted: not cheap, so unknown
    assert count_articles(["-"]) is None


def test_a_run_without_a_terminal_prints_progress_lines(tmp_path: Path) -> None:
    """Without a terminal (nohup, CI) nothing was printed until the summary."""
    import subprocess
    import sys

    records = tmp_path / "many.jsonl"
    records.write_text("".join(json.dumps({"id": f"r{k}", "text": NEWS}) + "\n" for k in range(60)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "extract", str(records), "-o", str(tmp_path / "out.jsonl"),
         "--strategy", "baseline", "--workers", "1", "--progress-every", "0.1", "--cache-dir", str(tmp_path / "c")],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("progress: ")]
    assert lines[0] == "progress: starting, 60 articles"
    counted = [line for line in lines[1:] if "/60 articles" in line]
    assert len(counted) >= 2, done.stderr  # some along the way, and the last one
    assert counted[-1].startswith("progress: 60/60 articles (100.0%), 0 errors,") and "articles/s" in counted[-1]
    assert "ETA" in counted[0]


def test_a_job_status_reports_the_same_progress_figures(tmp_path: Path) -> None:
    with TestClient(create_app(service_settings(tmp_path))) as client:
        accepted = client.post("/v1/jobs", json=[{"id": "a", "text": NEWS}, {"id": "b", "text": ROE}])
        job = wait_for_job(client, accepted.json()["id"])
        lines = [json.loads(line) for line in client.get(accepted.json()["results_url"]).text.splitlines()]
    progress = job["progress"]
    assert (progress["done"], progress["total"], progress["errors"]) == (2, 2, 0)
    assert progress["claims"] == sum(len(line["claims"]) for line in lines) >= 2
    assert progress["rate_per_s"] > 0 and progress["eta_s"] == 0


def test_a_deeply_nested_job_record_is_a_422_never_a_500(tmp_path: Path) -> None:
    """Reading records itself, the job route must not let a depth limit (json, pydantic, recursion) become a 500."""
    with TestClient(create_app(service_settings(tmp_path)), raise_server_exceptions=False) as client:
        for depth in (300, 900, 5000):
            body = '[{"text": "Anna Smith said it rained.", "extra": ' + "[" * depth + "]" * depth + "}]"
            answer = client.post("/v1/jobs", content=body)
            assert answer.status_code == 422, (depth, answer.text[:200])
