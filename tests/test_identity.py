"""One run identity (issue #22): the pipeline's lines, the batch writer's resume and Ray's ``completed``
all read strategy, model and prompt version through ``RunIdentity``, so they never disagree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor import Article, Extractor, ExtractorConfig, RunIdentity
from extractor.api import run_identity
from extractor.batch import BatchRunner

TEXT = 'Kremlin spokesman Dmitry Peskov said on Monday that "the talks will go on".'

CONFIGS = {
    "baseline": ExtractorConfig(strategy="baseline"),
    "guided, embedded model": ExtractorConfig(strategy="guided"),
    "guided, remote model": ExtractorConfig(strategy="guided", base_url="http://127.0.0.1:9/v1", model="m-1"),
    "whole_article, remote default model": ExtractorConfig(strategy="whole_article", base_url="http://127.0.0.1:9/v1"),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_identity_a_config_names_is_the_one_its_extractor_stamps(name: str) -> None:
    """Connecting builds the model client without a request (the embedded server is not started)."""
    config = CONFIGS[name]
    extractor = Extractor(config)
    try:
        stamped = extractor.run_identity()
    finally:
        extractor.close()
    assert stamped == run_identity(config)
    assert stamped.strategy == config.strategy
    if config.strategy == "baseline":
        assert stamped.model is None and stamped.prompt_version is None
    else:
        assert stamped.model and stamped.prompt_version


def test_a_line_reads_back_as_the_identity_that_made_it() -> None:
    config = ExtractorConfig(strategy="baseline")
    with Extractor(config) as extractor:
        line = json.loads(extractor.extract(TEXT, id="a").model_dump_json())
    assert RunIdentity.of_line(line) == run_identity(config)
    assert RunIdentity.of_line({"strategy": 3}) == RunIdentity("", None, None), "mistyped fields read as unknown"


def test_resume_and_ray_completed_agree_on_what_is_done(tmp_path: Path) -> None:
    """The batch writer keeps exactly the lines ``completed`` counts as done, for the same config."""
    pytest.importorskip("ray", reason="extractor[ray] is part of make test's setup")
    from extractor.ray import completed

    out = tmp_path / "claims.jsonl"
    baseline = ExtractorConfig(strategy="baseline")
    with Extractor(baseline) as extractor:
        BatchRunner(extractor, show_progress=False).run([Article(id="a", text=TEXT)], out)
    [line] = [json.loads(raw) for raw in out.read_text(encoding="utf-8").splitlines()]
    assert completed(out, baseline) == {("a", line["text_sha256"])}

    # A line another prompt version made: completed() redoes it, and so does the writer's resume.
    line["prompt_version"] = "other@000000000000"
    out.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert completed(out, baseline) == set()
    with Extractor(baseline) as extractor:
        summary = BatchRunner(extractor, show_progress=False).run([Article(id="a", text=TEXT)], out, resume=True)
    assert summary.skipped_resumed == 0 and sum(summary.redone.values()) == 1
    assert completed(out, baseline) == {("a", line["text_sha256"])}
