"""Train the trained reader (``extractor.nlp.trained``) on an annotated split and write its artefact.

    python -m extractor.training.reader ../shared/polnear/train -o extractor/nlp/data/reader.json

Every reading of every sentence (each verb through each frame, each noun or
adjective through its clause or prepositional object) becomes one example,
with the features the pass computes at extraction time. An example is positive
when an annotated attribution has the reading's token inside its cue and a
content sharing a word with the reading's content. A logistic regression
(scikit-learn, L2, lbfgs) is fitted on all examples; its weights, rounded to
six decimals, and the two thresholds (chosen on PolNeAR dev, given here) are
written as sorted JSON. Deterministic: files are read in id order, features are
sorted, the solver has no randomness, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from extractor.nlp.cues import CueFinder
from extractor.nlp.parsing import body_text, load_nlp
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import TokenSpans
from extractor.nlp.trained import ReaderModel, TrainedReader
from extractor.training.corpus import AnnotatedArticle, read_annotated

# Chosen on PolNeAR dev (docs/trained-pass.md): add a reading at probability 0.4, veto a rule cue below 0.2.
ADD_THRESHOLD = 0.4
VETO_THRESHOLD = 0.2
# Inverse L2 strength; 0.3, 1 and 3 scored alike on a held-out fifth of train.
REGULARISATION_C = 1.0
WEIGHT_DECIMALS = 6
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Example:
    """One reading: its features and whether it is an annotated attribution."""

    article_id: str
    features: dict[str, float]
    positive: bool


def _words(text: str, spans: tuple[tuple[int, int], ...]) -> set[int]:
    return {match.start() for start, end in spans for match in _WORD.finditer(text, start, end)}


def examples(corpus: list[AnnotatedArticle]) -> Iterator[Example]:
    """The labelled readings of every article, in article, sentence, token and frame order."""
    nlp = load_nlp()
    docs = nlp.pipe((body_text(item.article) for item in corpus), batch_size=16)
    for item, doc in zip(corpus, docs, strict=True):
        article, offset = item.article, item.article.body_start
        annotated = [(attribution.cue, _words(article.text, attribution.content)) for attribution in item.attributions]
        spans = TokenSpans(doc)
        quotations = Quotations(doc, spans)
        cues = CueFinder(doc, spans, quotations)
        reader = TrainedReader(doc, cues, quotations, spans)
        for sentence in doc.sents:
            if not sentence.text.strip():
                continue
            found = list(cues.in_sentence(sentence))
            for reading, features in reader.featured_readings(sentence, found):
                cue_at = reading.token.idx + offset
                content = _words(article.text, ((reading.content[0] + offset, reading.content[1] + offset),))
                positive = any(
                    any(start <= cue_at < end for start, end in cue) and bool(words & content)
                    for cue, words in annotated
                )
                yield Example(article.id, features, positive)


def fit(
    training: list[Example],
    *,
    c: float = REGULARISATION_C,
    add_threshold: float = ADD_THRESHOLD,
    veto_threshold: float = VETO_THRESHOLD,
    meta: dict[str, object] | None = None,
) -> ReaderModel:
    """A logistic regression over the examples' features, as a ``ReaderModel``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer(sort=True)
    matrix = vectorizer.fit_transform([example.features for example in training])
    labels = [int(example.positive) for example in training]
    if len(set(labels)) < 2:
        raise ValueError("the training examples need both positive and negative readings")
    classifier = LogisticRegression(C=c, max_iter=5000, solver="lbfgs")
    classifier.fit(matrix, labels)
    weights = {
        name: round(float(weight), WEIGHT_DECIMALS)
        for name, weight in zip(vectorizer.get_feature_names_out(), classifier.coef_[0], strict=True)
    }
    return ReaderModel(
        weights={name: weight for name, weight in weights.items() if weight != 0.0},
        bias=round(float(classifier.intercept_[0]), WEIGHT_DECIMALS),
        add_threshold=add_threshold,
        veto_threshold=veto_threshold,
        meta={
            **(meta or {}),
            "examples": len(labels),
            "positive_examples": sum(labels),
            "features": len(weights),
            "regularisation_c": c,
            "learner": "sklearn LogisticRegression(lbfgs, L2)",
        },
    )


def train(
    split: Path, *, limit: int | None = None, c: float = REGULARISATION_C, add_threshold: float = ADD_THRESHOLD,
    veto_threshold: float = VETO_THRESHOLD,
) -> ReaderModel:
    """Read ``split`` (a folder with ``text/`` and ``attributions/``), build its examples and fit the model."""
    corpus = read_annotated(split / "text", split / "attributions", limit=limit)
    training = list(examples(corpus))
    meta: dict[str, object] = {"trained_on": split.name, "articles": len(corpus)}
    return fit(training, c=c, add_threshold=add_threshold, veto_threshold=veto_threshold, meta=meta)


def main(
    split: Annotated[Path, typer.Argument(help="An annotated split: a folder with text/ and attributions/.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model (JSON).")],
    limit: Annotated[int | None, typer.Option(help="Use only the first N articles (by id).")] = None,
    c: Annotated[float, typer.Option("--c", help="Inverse L2 regularisation strength.")] = REGULARISATION_C,
    add_threshold: Annotated[float, typer.Option(help="Add a reading the rules missed at this probability.")] = (
        ADD_THRESHOLD
    ),
    veto_threshold: Annotated[float, typer.Option(help="Drop a rule cue whose reading scores below this.")] = (
        VETO_THRESHOLD
    ),
) -> None:
    """Train the reader on SPLIT and write its model to OUTPUT."""
    for folder in (split / "text", split / "attributions"):
        if not folder.is_dir():
            typer.echo(f"error: {folder}: not a folder", err=True)
            raise typer.Exit(2)
    started = time.perf_counter()
    model = train(split, limit=limit, c=c, add_threshold=add_threshold, veto_threshold=veto_threshold)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(model.to_json() + "\n", encoding="utf-8")
    meta = model.meta
    typer.echo(
        f"{output}: {meta['articles']} articles, {meta['examples']} readings ({meta['positive_examples']} positive), "
        f"{len(model.weights)} weights, {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    typer.run(main)
