"""The trained reader: its shipped model, what it changes in the pass, and deterministic training."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from extractor.cache import package_fingerprint
from extractor.nlp import find_candidates, load_nlp
from extractor.nlp.cues import CueFinder
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import TokenSpans
from extractor.nlp.trained import MODEL_FORMAT, ReaderModel, TrainedReader, shipped_model
from extractor.records import Article
from extractor.training.corpus import read_annotated
from extractor.training.reader import examples, main, train
from tests.conftest import POLNEAR


def article(text: str) -> Article:
    return Article(id="t", text=text, source="test")


def found(text: str, **options: object) -> list[tuple[str | None, str | None, str]]:
    """(cue lemma, claimant, content) of every candidate, with or without the reader."""
    item = article(text)
    return [
        (c.cue_lemma, c.claimant_name, text[c.content.start : c.content.end])
        for c in find_candidates(item, **options)  # type: ignore[arg-type]
    ]


def test_shipped_model_loads_with_its_thresholds_and_provenance() -> None:
    model = shipped_model()
    assert 0.0 < model.veto_threshold < model.add_threshold < 1.0
    assert len(model.weights) > 10_000
    assert model.meta["trained_on"] == "train"
    assert model.meta["articles"] == 840
    # Readings the rules chose are likelier attributions, all else equal.
    assert model.weights["by_rules"] > 0


@pytest.fixture
def every_attribution(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pass without its claim filter (``extractor.nlp.claimness``): what the reader itself keeps and adds."""
    monkeypatch.setattr("extractor.nlp.candidates.is_claim", lambda doc, item: True)


@pytest.mark.usefixtures("every_attribution")
def test_reader_adds_an_attribution_through_a_noun_the_rules_do_not_read() -> None:
    text = "Donald Trump has been a vocal critic of the trade deal."
    assert found(text, rules_only=True) == []
    assert found(text) == [("critic", "Donald Trump", "the trade deal")]


@pytest.mark.parametrize(
    "text",
    [
        # A participle inside a description, not a report: "black artists write songs".
        "While Obama had black artists writing songs about him, Clinton did not.",
        # A passive participle on a noun: the debate portion "focused on" a topic.
        "Trump made this statement during a portion of the debate focused on the racial divide in America.",
    ],
)
@pytest.mark.usefixtures("every_attribution")
def test_reader_vetoes_a_rule_cue_it_scores_as_no_attribution(text: str) -> None:
    assert len(found(text, rules_only=True)) == 1
    assert found(text) == []


def test_reader_keeps_what_the_rules_and_the_model_agree_on() -> None:
    text = "Mike Pence insisted on Sunday that the campaign is on track."
    assert found(text) == found(text, rules_only=True) == [("insist", "Mike Pence", "that the campaign is on track")]


def test_thresholds_decide_what_is_added_and_vetoed() -> None:
    strict = dataclasses.replace(shipped_model(), add_threshold=1.0, veto_threshold=0.0)
    text = "Donald Trump is a vocal critic of the trade deal. While Obama had black artists writing songs, he won."
    assert found(text, reader=strict) == found(text, rules_only=True)


def test_model_json_round_trips_and_rejects_another_format() -> None:
    model = ReaderModel(weights={"a": 0.5, "b": -1.25}, bias=-0.25, add_threshold=0.4, veto_threshold=0.2, meta={})
    again = ReaderModel.from_json(model.to_json())
    assert again == model
    assert again.probability({"a": 1.0}) == pytest.approx(1 / (1 + 2.718281828459045**-0.25))
    with pytest.raises(ValueError, match=MODEL_FORMAT):
        ReaderModel.from_json('{"format": "something-else/1"}')


def test_readings_cover_every_frame_of_a_verb_and_the_features_are_what_training_sees() -> None:
    doc = load_nlp()("Warren accused the bank of fraud and said that it lied, a critic of Wall Street.")
    spans = TokenSpans(doc)
    quotations = Quotations(doc, spans)
    cues = CueFinder(doc, spans, quotations)
    reader = TrainedReader(doc, cues, quotations, spans)
    sentence = next(iter(doc.sents))
    rule_items = list(cues.in_sentence(sentence))
    scored = reader.featured_readings(sentence, rule_items)
    frames = {(reading.token.lemma_, reading.frame) for reading, _ in scored}
    # Every frame that fits, whether or not the lexicon lists it ("said" + object), and noun readings.
    assert {("accuse", "object"), ("say", "clause"), ("say", "object"), ("critic", "noun_prep:of")} <= frames
    said = next(f for r, f in scored if (r.token.lemma_, r.frame) == ("say", "clause"))
    assert said["by_rules"] == 1.0 and said["lexicon_frame"] == 1.0 and said["that"] == 1.0
    critic = next(f for r, f in scored if r.token.lemma_ == "critic")
    assert critic["by_rules"] == 0.0 and critic["in_lexicon"] == 0.0


def _brat_corpus(root: Path) -> Path:
    """A two-article brat split: an attribution through "said", and one through "slammed"."""
    (root / "text").mkdir(parents=True)
    (root / "attributions").mkdir()
    texts = {
        "a1": "Title one\n\nJohn Smith said that officials expect taxes to rise next year.\n",
        "a2": "Title two\n\nMary Jones slammed the new tax plan. The weather was fine.\n",
    }
    anns = {
        "a1": [("Source", "John Smith"), ("Cue", "said"), ("Content", "that officials expect taxes to rise next year")],
        "a2": [("Source", "Mary Jones"), ("Cue", "slammed"), ("Content", "the new tax plan")],
    }
    for stem, text in texts.items():
        (root / "text" / f"{stem}.txt").write_text(text, encoding="utf-8")
        lines, roles = [], []
        for number, (label, words) in enumerate(anns[stem], start=1):
            start = text.index(words)
            lines.append(f"T{number}\t{label} {start} {start + len(words)}\t{words}")
            roles.append(f"{label}:T{number}")
            if label == "Cue":
                lines.append(f"T9\tAttribution {start} {start + len(words)}\t{words}")
        lines.append("E1\tAttribution:T9 " + " ".join(roles))
        (root / "attributions" / f"{stem}_x1.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_examples_are_labelled_by_annotated_cue_and_content(tmp_path: Path) -> None:
    corpus = read_annotated(_brat_corpus(tmp_path / "split") / "text", tmp_path / "split" / "attributions")
    assert [len(item.attributions) for item in corpus] == [1, 1]
    labelled = list(examples(corpus))
    positive = {
        (e.article_id, next(k for k in e.features if k.startswith("lemma_frame="))) for e in labelled if e.positive
    }
    assert positive == {("a1", "lemma_frame=say|clause"), ("a2", "lemma_frame=slam|object")}
    # A verb inside the content is no cue of it: its readings overlap the content but are negatives.
    assert any(not e.positive and "lemma=expect" in e.features for e in labelled)


def test_training_is_deterministic_on_a_small_subset(tmp_path: Path) -> None:
    split = POLNEAR / "train"
    if not split.is_dir():
        pytest.fail(f"PolNeAR train not found at {split}: CI needs ../shared beside the checkout")
    first = train(split, limit=4)
    second = train(split, limit=4)
    assert first.to_json() == second.to_json()
    assert first.meta["articles"] == 4 and 0 < first.meta["positive_examples"] < first.meta["examples"]
    # The command writes the same bytes the library returns.
    output = tmp_path / "reader.json"
    main(split, output, limit=4)
    assert output.read_text(encoding="utf-8") == first.to_json() + "\n"


def test_retrained_weights_change_the_code_fingerprint(tmp_path: Path) -> None:
    package = tmp_path / "extractor"
    (package / "nlp" / "data").mkdir(parents=True)
    (package / "nlp" / "trained.py").write_text("WEIGHTS = 'data/reader.json'\n")
    weights = package / "nlp" / "data" / "reader.json"
    weights.write_text('{"bias": 0.0}\n')
    (package / "notes.txt").write_text("not code\n")
    before = package_fingerprint(package)
    (package / "notes.txt").write_text("still not code\n")
    assert package_fingerprint(package) == before
    weights.write_text('{"bias": 0.5}\n')
    assert package_fingerprint(package) != before
