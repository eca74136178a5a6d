"""The Ray engine on a local Ray instance started here: the output equals the single-process run's.

The instance has 2 CPUs and lives in the test's temporary folder. The inputs are the
five sample articles and 20 PolNeAR dev articles spread over the sorted ids, with
``baseline``: ``extractor extract --engine ray --ray-address ADDR`` (a CLI process
joining the instance as a client would join a cluster) and the Python entry
``extract_dataset`` over ``read_articles`` must give the lines ``--workers 1`` gives
(same ids, same claims, order aside). Around that: a bad input is an error record and
never a failed job, Parquet output has the JSONL line's schema, ``completed`` +
``skip`` resumes, and with the embedded model one server starts per node (a fake
endpoint process standing in for llama.cpp), never one per actor. Every engine (``local``,
``processes``, ``ray`` on this instance) gives those lines through ``Extractor.extract_many``
and through a service job on ``extractor serve --engine ENGINE`` (issue #22: one batch loop).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray  # the ray extra: `make test` installs it, so this test runs (never skips) in CI

from extractor import ArticleResult, Extractor, ExtractorConfig, assign_keys
from extractor.articles import read_articles as read_locally
from extractor.ray import completed, extract_dataset, read_articles
from extractor.records import Article
from support.endpoint import FakeEndpointProcess
from tests.reliability import by_id, read_lines, run_cli
from tests.service_helpers import ServerProcess, jsonl, wait_for_job
from tests.test_workers import comparable, dev_sample


@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Ray instance (2 CPUs, no dashboard) whose files stay in a temporary folder; yields its address."""
    os.environ["RAY_AUTH_MODE"] = "disabled"  # no token written under the home folder
    temp = tmp_path_factory.mktemp("ray")
    context = ray.init(
        num_cpus=2, include_dashboard=False, log_to_driver=False, namespace="extractor", _temp_dir=str(temp)
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield context.address_info["address"]
    finally:
        ray.shutdown()
        os.environ.pop("RAY_AUTH_MODE", None)


@pytest.fixture(scope="module")
def inputs(articles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    for path in [*sorted(articles_dir.glob("*.txt")), *dev_sample()]:
        shutil.copyfile(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def single_process(inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("single")
    out = folder / "out.jsonl"
    done = run_cli([str(inputs), "-o", str(out), "--strategy", "baseline", "--workers", "1"], folder / "cache")
    assert done.returncode == 0, done.stderr
    lines = by_id(read_lines(out))
    assert len(lines) == 25 and sum(len(line["claims"]) for line in lines.values()) > 100
    return lines


def test_cli_on_ray_gives_the_single_process_lines(
    ray_instance: str, inputs: Path, single_process: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    out, summary = tmp_path / "out.jsonl", tmp_path / "summary.json"
    args = [str(inputs), "-o", str(out), "--strategy", "baseline", "--engine", "ray", "--ray-address", ray_instance,
            "--summary-json", str(summary)]  # fmt: skip
    done = run_cli(args, tmp_path / "cache", timeout=600, RAY_AUTH_MODE="disabled")
    assert done.returncode == 0, done.stderr
    assert "Extracting on Ray with 2 actors" in done.stderr
    assert comparable(by_id(read_lines(out))) == comparable(single_process)
    assert json.loads(summary.read_text())["ok"] == 25


@pytest.mark.parametrize("engine", ["local", "processes", "ray"])
def test_every_engine_gives_the_single_process_lines_through_extract_many_and_a_service_job(
    engine: str, ray_instance: str, inputs: Path, single_process: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    articles = [item for item in read_locally([inputs]) if isinstance(item, Article)]
    assert len(articles) == 25
    address = ray_instance if engine == "ray" else None
    config = ExtractorConfig(strategy="baseline", cache=False, engine=engine, workers=2, ray_address=address)
    with Extractor(config) as extractor:
        results = list(extractor.extract_many(articles))
    # extract_many gives each article the keys it decides alone; assign_keys gives the batch's, as extract writes.
    lines = [result.model_dump(mode="json") for result in assign_keys(results)]
    assert comparable(by_id(lines)) == comparable(single_process)

    # A service job on the same engine, each record carrying what the CLI read from its .txt file: a JSON
    # record's own title is what marks the line repeating it as the headline (detect_header).
    records = [
        {"id": a.id, "text": a.text, "title": a.title, "detect_header": True}
        | ({"published": a.published.isoformat()} if a.published else {})
        for a in articles
    ]
    ray_args = ["--ray-address", ray_instance] if engine == "ray" else []
    serve = ["--strategy", "baseline", "--engine", engine, "--workers", "2", *ray_args]
    with ServerProcess(tmp_path, *serve, env={"RAY_AUTH_MODE": "disabled"}) as server, server.client() as client:
        accepted = client.post("/v1/jobs", json=records)
        assert accepted.status_code == 202, accepted.text
        job = wait_for_job(client, accepted.json()["id"], timeout_s=300)
        assert job["counts"]["ok"] == 25, job
        job_lines = jsonl(client.get(f"/v1/jobs/{job['id']}/results", params={"wait": "false"}).text)
    assert len(job_lines) == 25
    assert comparable(by_id(job_lines)) == comparable(single_process)


def test_extract_dataset_gives_the_single_process_records_and_resumes(
    ray_instance: str, inputs: Path, single_process: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    config = ExtractorConfig(strategy="baseline", cache=False)
    results = extract_dataset(read_articles([inputs]), config, actors=2)
    parquet = tmp_path / "claims"
    results.write_parquet(str(parquet))
    records = ray.data.read_parquet(str(parquet)).take_all()
    # The Parquet records are the JSONL lines: same fields, same values.
    assert {key for record in records for key in record} == set(next(iter(single_process.values())))
    # Each record carries the speaker keys its article decides; the batch's keys (what the CLI writes) are
    # one library call away.
    keyed = [r.model_dump(mode="json") for r in assign_keys(ArticleResult.model_validate(x) for x in _as_json(records))]
    assert comparable(by_id(keyed)) == comparable(single_process)

    # Resume: what the output holds is skipped; only a new article is extracted.
    extra = inputs.parent / "more"
    extra.mkdir()
    (extra / "new.txt").write_text("Officials said on Monday that the bridge would reopen.\n", encoding="utf-8")
    done = completed(parquet, config)
    assert len(done) == 25
    assert completed(parquet, ExtractorConfig(strategy="guided")) == set(), "lines of another run are redone"
    again = extract_dataset(read_articles([inputs, extra]), config, actors=2, skip=done).take_all()
    assert [r["id"] for r in again] == [a.id for a in read_locally([extra])]


def test_a_bad_input_is_an_error_record_not_a_failed_job(ray_instance: str, articles_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(next(iter(sorted(articles_dir.glob("*.txt")))), folder / "good.txt")
    (folder / "binary.txt").write_bytes(b"\x00\x01 not text")
    rows = [{"id": "row-1", "text": "Mayor Ann Lee said the budget was balanced."}, {"id": "row-2", "text": None}]
    config = ExtractorConfig(strategy="baseline", cache=False)
    from_files = extract_dataset(read_articles([folder, tmp_path / "missing.txt"]), config, actors=1).take_all()
    from_rows = extract_dataset(ray.data.from_items(rows), config, actors=1).take_all()
    status = {r["id"]: (r["status"], r["error"]) for r in [*from_files, *from_rows]}
    good, binary, missing = str(folder / "good.txt"), str(folder / "binary.txt"), str(tmp_path / "missing.txt")
    assert status[good][0] == "ok" and status["row-1"][0] == "ok"
    assert status[binary][0] == "error" and "binary" in status[binary][1]
    assert status[missing][0] == "error" and "no such file" in status[missing][1]
    assert status["row-2"][0] == "error" and "text" in status["row-2"][1]


def test_the_embedded_model_runs_one_server_per_node_never_per_actor(ray_instance: str, tmp_path: Path) -> None:
    started = tmp_path / "servers"
    started.mkdir()
    rows = [{"id": f"a{k}", "text": f"Officials said on day {k} that the bridge would reopen."} for k in range(12)]
    config = ExtractorConfig(strategy="whole_article", cache=False)  # no base_url: the embedded model
    assert not config.remote
    records = extract_dataset(ray.data.from_items(rows), config, actors=2, server_factory=_FakeServer(started))
    records = records.take_all()
    assert sorted(r["id"] for r in records) == sorted(row["id"] for row in rows)
    assert all(r["status"] == "ok" for r in records), [r["error"] for r in records]
    assert len({r["endpoint"] for r in records}) == 1
    assert len(list(started.iterdir())) == len([n for n in ray.nodes() if n["Alive"]]) == 1


class _FakeServer:
    """Builds a fake endpoint process in place of llama.cpp's server, noting each one started."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self) -> FakeEndpointProcess:
        server = FakeEndpointProcess(latency_s=0.01)
        (self.folder / str(server.port)).touch()
        return server


def _as_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Parquet rows as the JSONL lines would parse (nested values round-tripped through JSON)."""
    return [json.loads(json.dumps(record, default=_plain)) for record in records]


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(type(value).__name__)


def test_an_actor_that_dies_on_an_article_gives_error_lines_never_lost_articles_and_exit_1(
    ray_instance: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractor import Extractor
    from extractor.batch import BatchRunner
    from extractor.cli import EXIT_ARTICLE_ERRORS, exit_code
    from extractor.ray import executor as ray_executor
    from extractor.ray.dataset import ArticleExtractor

    class DyingExtractor(ArticleExtractor):  # local: pickled by value, so the actor runs it
        def extract_articles(self, articles: list[Any]) -> list[Any]:
            if any(article.id == "poison" for article in articles):
                os._exit(1)  # the actor process dies mid-call
            return super().extract_articles(articles)

    monkeypatch.setattr(ray_executor, "ArticleExtractor", DyingExtractor)
    ids = ["a1", "a2", "poison", "a4", "a5", "a6"]
    text = "Bridge news.\nOfficials said on day {} that the bridge would reopen.\n"
    items = [Article(id=name, source=name, text=text.format(k), body_start=13) for k, name in enumerate(ids)]
    config = ExtractorConfig(strategy="baseline", cache=False, engine="ray", workers=1, ray_address=ray_instance)
    with Extractor(config) as engine:
        summary = BatchRunner(engine, show_progress=False).run(items, tmp_path / "out.jsonl")
    lines = by_id(read_lines(tmp_path / "out.jsonl"))
    assert sorted(lines) == sorted(ids), "every article has its line"
    failed = sorted(name for name, line in lines.items() if line["status"] == "error")
    # The poison fails (calls queued on the dying actor may fail with it); none vanishes and each
    # failure says why.
    assert "poison" in failed, failed
    assert all("Ray actor" in lines[name]["error"] for name in failed)
    assert summary.errors == len(failed) and exit_code(summary) == EXIT_ARTICLE_ERRORS == 1

