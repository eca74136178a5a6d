"""The local side-by-side benchmark still reads its articles as the library and the eval do.

Benchmarks are not run in CI (they take hours or write bench/results/), so this checks only
how ``bench/local_side_by_side.py`` chooses its articles: twice the library moved under it
(gold paths became relative to the gold file; a file's id became its path) and the benchmark
stopped before its first article.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import POLNEAR

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def side_by_side():
    if not (POLNEAR / "dev" / "text").is_dir():
        pytest.fail(f"PolNeAR dev texts missing under {POLNEAR}: CI runs with ../shared beside the checkout")
    sys.path.insert(0, str(BENCH))
    try:
        import local_side_by_side
    finally:
        sys.path.remove(str(BENCH))
    return local_side_by_side


def test_side_by_side_reads_the_seeds_and_spread_dev_articles_under_their_gold_ids(side_by_side) -> None:
    articles, gold = side_by_side.choose_articles(3)
    assert len(articles) == len(gold) == 5 + 3
    assert [a.id for a in articles] == [g["id"] for g in gold]
    assert all(Path(g["source"]).is_file() for g in gold)
    assert {a.source for a in articles} == {g["source"] for g in gold}
    # The seeds first, then dev articles spread over the sorted dev ids.
    assert all(a.id[:3].isdigit() for a in articles[:5])
    assert [a.id for a in articles[5:]] == sorted(a.id for a in articles[5:])
