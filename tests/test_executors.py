"""The executor seam: one batch loop over every engine, and a new engine in a few lines.

The loop's promises are checked against real executors (threads of this process, a plugin's
process pool written from docs/executors.md) with the no-model ``baseline`` strategy: the
same claims from every engine; an input that fails after some articles were taken loses none
of their results; an article an engine lost becomes its error line; the budget stops input.
The Ray engine is checked in tests/test_ray.py, worker processes in tests/test_workers.py.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar

import pytest

from extractor import (
    Article,
    ArticleLost,
    ArticleResult,
    ConfigError,
    Extractor,
    InputError,
    available_engines,
    register_engine,
)
from extractor.executors import registry

REPO = Path(__file__).resolve().parent.parent


def _texts(articles_dir: Path) -> list[Article]:
    return [
        Article(id=path.stem, source=str(path), text=path.read_text(encoding="utf-8"))
        for path in sorted(articles_dir.glob("*.txt"))
    ]


def _claims(results: list[ArticleResult]) -> dict[str, list[tuple[str, str, int, int]]]:
    return {
        r.id: [(c.claimant.name, c.stance.value, c.evidence.start, c.evidence.end) for c in r.claims]
        for r in results
    }


@pytest.fixture
def local_claims(articles_dir: Path) -> dict[str, list[tuple[str, str, int, int]]]:
    with Extractor(strategy="baseline", cache=False) as ex:
        results = list(ex.extract_many(_texts(articles_dir)))
    assert all(r.status == "ok" for r in results) and sum(len(r.claims) for r in results) > 20
    return _claims(results)


class _Recording:
    """An engine that runs articles on threads here and remembers them; it can lose one on purpose."""

    instances: ClassVar[list[_Recording]] = []

    def __init__(self, extractor: Extractor, *, workers: int, threads: int, lose: str | None = None) -> None:
        from extractor.executors import ThreadExecutor

        self.inner = ThreadExecutor(extractor.pipeline(), threads)
        self.workers = workers
        self.submitted: list[str] = []
        self.lose = lose
        self.closed = threading.Event()
        _Recording.instances.append(self)

    @property
    def budget_exhausted(self) -> bool:
        return False

    def submit(self, article: Article) -> Future[ArticleResult]:
        self.submitted.append(article.id)
        if article.id == self.lose:
            lost: Future[ArticleResult] = Future()
            lost.set_exception(ArticleLost("the machine running it was switched off"))
            return lost
        return self.inner.submit(article)

    def close(self) -> None:
        self.inner.close()
        self.closed.set()


@pytest.fixture
def recording_engine() -> Iterator[type[_Recording]]:
    _Recording.instances.clear()
    register_engine("recording", _Recording, replace=True)
    yield _Recording
    registry._registered.pop("recording", None)


def test_a_plugin_engine_runs_the_same_loop_with_the_same_claims(
    articles_dir: Path, recording_engine: type[_Recording], local_claims: dict[str, Any]
) -> None:
    assert "recording" in available_engines()
    with Extractor(strategy="baseline", engine="recording", cache=False) as ex:
        results = list(ex.extract_many(_texts(articles_dir)))
        engine = recording_engine.instances[-1]
        assert sorted(engine.submitted) == sorted(local_claims)
    assert engine.closed.is_set()  # closing the extractor closes its engine
    assert _claims(results) == local_claims


def test_an_article_the_engine_lost_is_an_error_line_with_its_provenance(
    articles_dir: Path, recording_engine: type[_Recording]
) -> None:
    articles = _texts(articles_dir)
    lost_id = articles[2].id
    register_engine("recording", lambda ex, **sizes: _Recording(ex, lose=lost_id, **sizes), replace=True)
    with Extractor(strategy="baseline", engine="recording", cache=False) as ex:
        results = {r.id: r for r in ex.extract_many(articles)}
    assert len(results) == len(articles)
    lost = results[lost_id]
    assert lost.status == "error" and "switched off" in (lost.error or "")
    assert lost.text_sha256 is not None and lost.strategy == "baseline"
    assert all(r.status == "ok" for i, r in results.items() if i != lost_id)


@pytest.mark.parametrize("failure", ["raises", "none"])
def test_finished_work_is_yielded_before_an_input_error(articles_dir: Path, failure: str) -> None:
    articles = _texts(articles_dir)[:3]

    def inputs() -> Iterator[Any]:
        yield from articles
        if failure == "raises":
            raise OSError("the scraper's connection dropped")
        yield None

    seen: list[str] = []
    expected = OSError if failure == "raises" else InputError
    with Extractor(strategy="baseline", cache=False, concurrency=4) as ex, pytest.raises(expected):
        for result in ex.extract_many(inputs(), concurrency=4):
            seen.append(result.id)
    assert sorted(seen) == sorted(a.id for a in articles)


def test_an_unknown_engine_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"unknown engine 'warp'.*local, processes, ray"):
        Extractor(strategy="baseline", engine="warp").extract_many(["text"])


def test_the_documented_engine_example_runs(articles_dir: Path, tmp_path: Path, local_claims: dict[str, Any]) -> None:
    """docs/executors.md's example, written to a module as a user would, gives the local claims."""
    doc = (REPO / "docs" / "executors.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(example.splitlines()) < 50
    module_path = tmp_path / "futures_pool_engine.py"
    module_path.write_text(example, encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        spec = importlib.util.spec_from_file_location("futures_pool_engine", module_path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["futures_pool_engine"] = module
        spec.loader.exec_module(module)
        with Extractor(strategy="baseline", engine="futures-pool", workers=2, cache=False) as ex:
            results = list(ex.extract_many(_texts(articles_dir)))
            assert ex.running_workers == 2
        assert _claims(results) == local_claims
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("futures_pool_engine", None)
        registry._registered.pop("futures-pool", None)
