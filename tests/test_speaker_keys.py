"""One key per speaker across a batch (issue #19, part 2): names, articles, batches, the batch writer, resume."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from extractor.batch import BatchRunner
from extractor.claimants.keys import BatchKeys, article_keys, assign_keys, name_key, name_tokens
from extractor.identity import RunIdentity
from extractor.records import (
    Article,
    ArticleResult,
    AttributionKind,
    Claim,
    Claimant,
    Evidence,
    Stance,
)


def claim(name: str, *, named: bool = True) -> Claim:
    return Claim(
        claimant=Claimant(name=name, named=named),
        stance=Stance.ASSERTS,
        claim="x",
        evidence=Evidence(quote="x", start=0, end=1),
        attribution=AttributionKind.REPORTED,
    )


def result(article_id: str, *names: str | tuple[str, bool]) -> ArticleResult:
    claims = [claim(n) if isinstance(n, str) else claim(n[0], named=n[1]) for n in names]
    return ArticleResult(id=article_id, source=article_id, status="ok", claims=claims, strategy="test")


def keys_of(results: Iterable[ArticleResult]) -> dict[tuple[str, str], str]:
    return {(r.id, c.claimant.name): str(c.claimant.key) for r in results for c in r.claims}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Donald Trump", "donald-trump"),
        ("Donald J. Trump", "donald-trump"),
        ("Mr. Trump", "trump"),
        ("President Barack Obama", "barack-obama"),
        ("Kremlin spokesman Dmitry Peskov", "dmitry-peskov"),
        ("Democratic nominee Hillary Clinton", "hillary-clinton"),
        ("Crooked Hillary Clinton", "hillary-clinton"),
        ("Sen. Elizabeth Warren", "elizabeth-warren"),
        ("Slavoj Žižek", "slavoj-zizek"),
        ("Trump’s", "trump"),
        ("Charles de Gaulle", "charles-de-gaulle"),
        ("Ban Ki-moon", "ban-ki-moon"),
        ("State Department", "state-department"),
        ("Donald Trump Jr.", "donald-trump-jr"),
        ("Donald Trump and Hillary Clinton", "donald-trump+hillary-clinton"),
        ("Hillary Clinton and Donald J. Trump", "donald-trump+hillary-clinton"),
        ("Heidi Cruz and Heidi Cruz", "heidi-cruz"),
        ("the Department of Health and Human Services", "department-of-health-and-human-services"),
        ("Secretary of State John Kerry", "john-kerry"),
        ("Bank of America", "bank-of-america"),
        ("a spokesman for the Kremlin", "kremlin"),
    ],
)
def test_a_name_normalises_to_its_proper_words(name: str, key: str) -> None:
    assert name_key(name_tokens(name)) == key


def test_in_an_article_the_short_forms_of_one_name_share_its_key() -> None:
    keyed = article_keys("a", [claim("Donald Trump"), claim("Trump"), claim("Mr. Trump"), claim("Donald J. Trump")])
    assert {c.claimant.key for c in keyed} == {"donald-trump"}
    assert [c.claimant.name for c in keyed] == ["Donald Trump", "Trump", "Mr. Trump", "Donald J. Trump"]


def test_conjoined_speakers_are_a_group_that_never_takes_a_members_key() -> None:
    keyed = article_keys("a", [claim("Trump and Clinton"), claim("Hillary Clinton"), claim("Clinton")])
    assert [c.claimant.key for c in keyed] == ["clinton+trump", "hillary-clinton", "hillary-clinton"]


def test_two_clintons_get_two_keys_and_a_bare_surname_between_them_a_third() -> None:
    keyed = article_keys("a", [claim("Bill Clinton"), claim("Hillary Clinton"), claim("Clinton")])
    assert [c.claimant.key for c in keyed] == ["bill-clinton", "hillary-clinton", "clinton"]


def test_descriptions_are_keyed_per_article_and_never_merge_with_names() -> None:
    first = article_keys(
        "a", [claim("officials", named=False), claim("Officials"), claim("the officials", named=False)]
    )
    second = article_keys("b", [claim("officials", named=False)])
    assert first[0].claimant.key == first[2].claimant.key  # "the officials" and "officials": one description
    assert first[0].claimant.key.startswith("desc:officials:")
    assert first[1].claimant.key == "officials"  # the name is not the description
    assert second[0].claimant.key != first[0].claimant.key  # another article's officials are other people


def test_across_a_batch_a_bare_surname_joins_the_name_other_articles_resolve_it_to() -> None:
    results = [
        result("a", "Donald Trump", "Trump"),
        result("b", "Trump"),
        result("c", "Mr. Trump", "Hillary Clinton"),
        result("d", "Clinton"),
        result("e", "Bill Clinton", "Hillary Clinton", "Clinton"),
    ]
    keys = keys_of(assign_keys(results))
    assert keys[("b", "Trump")] == keys[("c", "Mr. Trump")] == keys[("a", "Trump")] == "donald-trump"
    # "Clinton" alone was never resolved in an article, and two Clintons are in the batch: no merge.
    assert keys[("d", "Clinton")] == "clinton"
    assert keys[("e", "Clinton")] == "clinton"  # ambiguous where it stands
    assert keys[("c", "Hillary Clinton")] == keys[("e", "Hillary Clinton")] == "hillary-clinton"


def test_a_surname_resolved_to_two_people_in_the_batch_stays_apart() -> None:
    results = [
        result("a", "Donald Trump", "Trump"),
        result("b", "Melania Trump", "Trump"),
        result("c", "Trump"),
    ]
    keys = keys_of(assign_keys(results))
    assert keys[("a", "Trump")] == "donald-trump"  # decided in its own article
    assert keys[("b", "Trump")] == "melania-trump"
    assert keys[("c", "Trump")] == "trump"  # the batch cannot tell which


def test_with_no_article_evidence_a_name_joins_the_one_fuller_name_of_the_batch() -> None:
    keys = keys_of(assign_keys([result("a", "Hillary Rodham Clinton"), result("b", "Hillary Clinton")]))
    assert keys[("b", "Hillary Clinton")] == "hillary-rodham-clinton"


def test_keys_do_not_depend_on_the_order_of_the_articles() -> None:
    results = [
        result("a", "Donald Trump", "Trump"),
        result("b", "Trump", ("a campaign aide", False)),
        result("c", "Hillary Clinton"),
        result("d", "Clinton", "Sanders"),
        result("e", "Bernie Sanders"),
    ]
    expected = keys_of(assign_keys(results))
    for order in itertools.permutations(results):
        assert keys_of(assign_keys(order)) == expected


def test_batch_keys_leave_error_lines_and_results_in_order() -> None:
    failed = ArticleResult(id="x", source="x", status="error", error="boom", strategy="test")
    results = [result("a", "Trump"), failed, result("b", "Donald Trump")]
    out = assign_keys(results)
    assert [r.id for r in out] == ["a", "x", "b"]
    assert out[1] is failed
    assert out[0].claims[0].claimant.key == "donald-trump"


class FakeEngine:
    """Gives prepared results for the articles it is given (the batch writer's side is what is tested)."""

    budget_exhausted = False
    budget_limit = None
    server_restarts = 0

    def __init__(self, prepared: dict[str, ArticleResult]) -> None:
        self.prepared = prepared

    def run_identity(self) -> RunIdentity:
        return RunIdentity("test", None, None)

    def extract_many(self, items: Iterable[Article], *, concurrency: int) -> Iterator[ArticleResult]:
        for item in items:
            prepared = self.prepared[item.id]
            yield prepared.model_copy(update={"claims": article_keys(f"id:{item.id}", prepared.claims)})


def article(article_id: str) -> Article:
    return Article(id=article_id, text=f"text of {article_id}", source=article_id)


PREPARED = {
    "a": result("a", "Donald Trump", "Trump"),
    "b": result("b", "Trump", "Hillary Clinton"),
    "c": result("c", "Mr. Trump", ("a senior aide", False)),
}


def written_keys(path: Path) -> dict[tuple[str, str], str]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {(line["id"], c["claimant"]["name"]): c["claimant"]["key"] for line in lines for c in line["claims"]}


def test_the_batch_writer_gives_batch_keys_when_the_batch_ends(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    BatchRunner(FakeEngine(PREPARED), show_progress=False).run([article(i) for i in "abc"], out)
    keys = written_keys(out)
    assert keys[("b", "Trump")] == keys[("c", "Mr. Trump")] == "donald-trump"  # article-level: "trump"
    assert keys[("c", "a senior aide")].startswith("desc:senior-aide:")
    assert not (tmp_path / "out.jsonl.compact").exists()


def test_a_resumed_batch_ends_with_the_keys_of_a_single_run(tmp_path: Path) -> None:
    whole = tmp_path / "whole.jsonl"
    BatchRunner(FakeEngine(PREPARED), show_progress=False).run([article(i) for i in "abc"], whole)
    resumed = tmp_path / "resumed.jsonl"
    BatchRunner(FakeEngine(PREPARED), show_progress=False).run([article("c")], resumed)
    assert written_keys(resumed)[("c", "Mr. Trump")] == "trump"  # alone, nothing says which Trump
    BatchRunner(FakeEngine(PREPARED), show_progress=False).run([article(i) for i in "abc"], resumed, resume=True)
    assert written_keys(resumed) == written_keys(whole)


def test_batch_keys_are_the_same_fed_from_records_or_from_names() -> None:
    results = list(PREPARED.values())
    from_records, from_names = BatchKeys(), BatchKeys()
    for r in results:
        from_records.add(r.id, r.claims)
        from_names.add_names(r.id, [c.claimant.name for c in r.claims if c.claimant.named])
    for r in results:
        for c in r.claims:
            assert from_records.key(r.id, c.claimant) == from_names.key(r.id, c.claimant)
