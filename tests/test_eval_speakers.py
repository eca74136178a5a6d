"""Who said it in the eval (issue #19, part 5): full names, fragments, non-speakers, alias splits, key merges.

Hand-made inputs with values worked out by hand (docs/evaluation.md, "Who said it").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from extractor.evaluation.names import ambiguous_speaker, fragment_of, gold_speakers, is_full_name, mention_runs
from extractor.evaluation.reports import render_markdown
from extractor.evaluation.speakers import non_speaker
from tests.test_eval_metrics import gold_claim, predicted_claim, run

TEXT = (
    "Republican nominee Donald J. Trump said the wall will be built. Trump said Mexico will pay.\n\n"
    "Hillary Clinton said the plan is absurd. Mr. Trump disagreed with Clinton and said it works."
)
WALL = "the wall will be built"
PAY = "Mexico will pay"
ABSURD = "the plan is absurd"
WORKS = "it works"


def test_mention_runs_are_the_capitalised_words_before_the_head() -> None:
    assert mention_runs(TEXT, "Trump") == [("donald", "j", "trump"), ("trump",), ("mr", "trump")]
    assert mention_runs("Denies contacting Putin\n\nMoscow insists.", "Moscow") == [("moscow",)]  # a title above


@pytest.mark.parametrize(
    ("predicted", "full"),
    [
        ("Donald J. Trump", True),
        ("Donald Trump", True),
        ("Mr. Donald Trump", True),  # every word is in a mention of the name
        ("Trump", False),  # a bare surname where the article gives more
        ("Mr. Trump", False),
        ("Republican nominee Donald J. Trump", False),  # "nominee" is not in a mention of the name
        ("Washington Post Trump", False),
        ("Hillary Clinton", False),  # not the gold speaker's head word
    ],
)
def test_full_name(predicted: str, full: bool) -> None:
    assert is_full_name(predicted, TEXT, ["Trump"]) is full


def test_a_bare_surname_is_full_where_the_article_gives_no_more() -> None:
    assert is_full_name("Lynch", "Lynch said so. Lynch left.", ["Lynch"])


@pytest.mark.parametrize(
    ("predicted", "text", "head"),
    [
        ("the Roper Center for Public Opinion Research", "the Roper Center for Public Opinion Research", "Research"),
        ("Commission on Presidential Debates", "The nonpartisan Commission on Presidential Debates said", "Debates"),
        ("G.K. Butterfield", "Rep. G.K. Butterfield (D-N.C.) said", "Butterfield"),
    ],
)
def test_organisations_and_joined_initials_are_full_names(predicted: str, text: str, head: str) -> None:
    assert is_full_name(predicted, text, [head])


@pytest.mark.parametrize(
    ("predicted", "longer"),
    [
        ("Clinton", ("hillary", "clinton")),
        ("Mr. Trump", ("donald", "trump")),
        ("Donald Trump", None),
        ("Mexico", None),
    ],
)
def test_fragments(predicted: str, longer: tuple[str, ...] | None) -> None:
    assert fragment_of(predicted, TEXT) == longer


def test_gold_speakers_join_short_forms_in_the_article_and_the_batch_but_not_two_people() -> None:
    speakers = gold_speakers(
        [
            ("a", ["Trump", "Donald Trump", "Hillary Clinton"]),
            ("b", ["Trump", "Mr. Obama"]),
            ("c", ["Clinton", "Bill Clinton"]),
            ("d", ["President Barack Obama"]),
        ]
    )
    assert speakers[("a", "Trump")] == speakers[("b", "Trump")] == speakers[("a", "Donald Trump")]
    assert speakers[("b", "Mr. Obama")] == speakers[("d", "President Barack Obama")]
    assert speakers[("c", "Clinton")] == speakers[("c", "Bill Clinton")]  # in its article there is one Clinton
    assert speakers[("a", "Hillary Clinton")] != speakers[("c", "Bill Clinton")]
    assert len(set(speakers.values())) == 4


@pytest.mark.parametrize(
    ("name", "named", "why"),
    [
        ("Trump avoids", True, "no name"),
        ("things", True, "no name"),
        ("Hillary Clinton", True, None),
        ("if the deal fails", False, "clause or quantity"),
        ("not enough", False, "clause or quantity"),
        ("the spike", False, "a thing"),
        ("a senior official", False, None),
    ],
)
def test_non_speakers(name: str, named: bool, why: str | None) -> None:
    found = non_speaker(name, named)
    assert (found is None) if why is None else (found is not None and why in found)


def predicted(quote: str, name: str, key: str, named: bool = True) -> dict[str, Any]:
    claim = predicted_claim(TEXT, quote, name=name)
    claim["claimant"] |= {"key": key, "named": named}
    return claim


def test_the_report_counts_full_names_fragments_splits_and_merges(tmp_path: Path) -> None:
    gold = [
        gold_claim(TEXT, WALL, name="Donald J. Trump"),
        gold_claim(TEXT, PAY, name="Trump"),
        gold_claim(TEXT, ABSURD, name="Hillary Clinton"),
        gold_claim(TEXT, WORKS, name="Mr. Trump"),
    ]
    predictions = [
        predicted(WALL, "Donald J. Trump", "donald-trump"),  # full name
        predicted(PAY, "Trump", "trump"),  # fragment, and a split from "donald-trump"
        predicted(ABSURD, "Hillary Clinton", "donald-trump"),  # full name, merged into Trump's key
        predicted(WORKS, "Donald Trump", "donald-trump"),  # full name
    ]
    report = run(tmp_path, {"a": (TEXT, gold, predictions)})
    assert report.metrics["claimant_full_name"] == pytest.approx(3 / 4)
    group = [*predictions[:3], predicted(WORKS, "Hillary Clinton and Donald Trump", "donald-trump+hillary-clinton")]
    (tmp_path / "group").mkdir()
    grouped = run(tmp_path / "group", {"a": (TEXT, gold, group)}).speakers
    assert grouped.alias_splits == 1  # the group is not Trump under another key; "Trump" still is
    speakers = report.speakers
    assert (speakers.named_claimants, speakers.fragments) == (4, 1)
    assert speakers.fragment_rate == pytest.approx(1 / 4)
    # "Donald J. Trump"/"Trump" and "Donald Trump"/"Trump": two pairs of strings, two keys, in one article.
    assert (speakers.alias_splits, speakers.alias_splits_within_articles) == (2, 2)
    assert speakers.key_merges == 1
    assert (speakers.distinct_keys, speakers.distinct_gold_speakers) == (2, 2)
    assert report.counts["alias_splits"] == 2
    markdown = render_markdown(report)
    assert "| claimant full name (gold source a name) | 0.750 | 4 | 1 not the full name |" in markdown
    assert "| alias splits: in the batch / within an article | 2 / 2 |" in markdown


def test_one_key_per_speaker_scores_no_split_and_no_merge(tmp_path: Path) -> None:
    gold = [gold_claim(TEXT, WALL, name="Trump"), gold_claim(TEXT, ABSURD, name="Hillary Clinton")]
    predictions = [
        predicted(WALL, "Donald J. Trump", "donald-trump"),
        predicted(ABSURD, "Hillary Clinton", "hillary-clinton"),
    ]
    report = run(tmp_path, {"a": (TEXT, gold, predictions)})
    assert (report.speakers.alias_splits, report.speakers.key_merges) == (0, 0)
    assert report.metrics["claimant_full_name"] == 1.0


def test_a_bare_gold_name_is_its_commonest_bearer_only_where_it_dominates() -> None:
    dominated = gold_speakers([("a", ["Donald Trump"] * 3), ("b", ["Ivanka Trump"]), ("c", ["Trump"])])
    assert dominated[("c", "Trump")] == ("donald", "trump")
    even = gold_speakers([("a", ["Donald Trump"] * 2), ("b", ["Ivanka Trump"]), ("c", ["Trump"])])
    assert even[("c", "Trump")] == ("trump",)
    assert ambiguous_speaker(("trump",), even.values())
    assert gold_speakers([("a", ["Rival Hillary Clinton", "Former President Bill Clinton"])]) == {
        ("a", "Rival Hillary Clinton"): ("hillary", "clinton"),
        ("a", "Former President Bill Clinton"): ("bill", "clinton"),
    }
