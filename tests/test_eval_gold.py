"""The gold loader: valid files load, and every kind of malformed line names file, line and field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from extractor.evaluation.errors import EvalInputError
from extractor.evaluation.gold import gold_line, load_gold

TEXT = "Ana López said: “Prices will fall.” The bank denied it.\n"


def article_line(**overrides: Any) -> dict[str, Any]:
    start = TEXT.index("Prices")
    line = {
        "id": "a1",
        "source": "a1.txt",
        "text_sha256": hashlib.sha256(TEXT.encode("utf-8")).hexdigest(),
        "published": "2024-02-14",
        "claims": [
            {
                "claimant": {"name": "Ana López", "mention": "Ana López", "aliases": ["López"]},
                "stance": "asserts",
                "claim": "Prices will fall.",
                "evidence": {"quote": "Prices will fall", "start": start, "end": start + 16},
                "evidence_parts": None,
                "said_on": None,
                "attribution": "direct_quote",
                "cue": "said",
            }
        ],
    }
    line.update(overrides)
    return line


def write_gold(tmp_path: Path, *lines: dict[str, Any] | str) -> Path:
    (tmp_path / "a1.txt").write_bytes(TEXT.encode("utf-8"))
    path = tmp_path / "gold.jsonl"
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def load_error(tmp_path: Path, *lines: dict[str, Any] | str) -> str:
    path = write_gold(tmp_path, *lines)
    with pytest.raises(EvalInputError) as caught:
        load_gold(path, base_dir=tmp_path)
    return str(caught.value)


def test_a_valid_gold_file_loads_with_its_article_text(tmp_path: Path) -> None:
    gold = load_gold(write_gold(tmp_path, article_line()), base_dir=tmp_path)
    loaded = gold.articles["a1"]
    assert loaded.text == TEXT
    claim = loaded.article.claims[0]
    assert loaded.text[claim.evidence.start : claim.evidence.end] == "Prices will fall"
    assert claim.claimant is not None and claim.claimant.aliases == ["López"]
    assert gold.claim_count == 1


def test_nullable_fields_may_be_null_as_polnear_needs(tmp_path: Path) -> None:
    line = article_line()
    line["claims"][0] |= {"claimant": None, "stance": None, "attribution": None, "cue": None}
    gold = load_gold(write_gold(tmp_path, line), base_dir=tmp_path)
    assert gold.articles["a1"].article.claims[0].claimant is None


def test_annotator_notes_are_optional_and_kept_on_claims_and_articles(tmp_path: Path) -> None:
    line = article_line(notes="Headline left out: front matter.")
    line["claims"][0]["notes"] = "Borderline: a forecast, stated declaratively."
    article = load_gold(write_gold(tmp_path, line), base_dir=tmp_path).articles["a1"].article
    assert article.notes == "Headline left out: front matter."
    assert article.claims[0].notes == "Borderline: a forecast, stated declaratively."
    assert load_gold(write_gold(tmp_path, article_line()), base_dir=tmp_path).articles["a1"].article.notes is None


def test_gold_line_writes_notes_only_where_given(tmp_path: Path) -> None:
    line = article_line()
    line["claims"][0]["notes"] = "A forecast, stated declaratively."
    article = load_gold(write_gold(tmp_path, line), base_dir=tmp_path).articles["a1"].article
    written = json.loads(gold_line(article))
    assert "notes" not in written
    assert written["claims"][0]["notes"] == "A forecast, stated declaratively."
    assert written["claims"][0]["cue"] == "said" and "evidence_parts" in written["claims"][0]


def test_notes_must_be_text(tmp_path: Path) -> None:
    line = article_line()
    line["claims"][0]["notes"] = ["not", "a", "string"]
    assert ":1: field claims[0].notes:" in load_error(tmp_path, line)


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    message = load_error(tmp_path, article_line(), '{"id": "a2", ')
    assert f"{tmp_path / 'gold.jsonl'}:2: invalid JSON" in message


def test_a_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    line = article_line(id="a2")
    line["claims"][0]["stance"] = "maybe"
    message = load_error(tmp_path, article_line(), line)
    assert ":2: field claims[0].stance:" in message


def test_unknown_fields_are_rejected(tmp_path: Path) -> None:
    line = article_line()
    line["claims"][0]["claimant"]["nickname"] = "Ana"
    assert ":1: field claims[0].claimant.nickname: Extra inputs are not permitted" in load_error(tmp_path, line)


def test_a_missing_required_field_is_named(tmp_path: Path) -> None:
    line = article_line()
    del line["text_sha256"]
    assert ":1: field text_sha256: Field required" in load_error(tmp_path, line)


def test_evidence_that_is_not_the_article_text_is_rejected(tmp_path: Path) -> None:
    line = article_line()
    line["claims"][0]["evidence"]["start"] += 1
    line["claims"][0]["evidence"]["end"] += 1
    message = load_error(tmp_path, line)
    assert ":1: field claims[0].evidence: quote is not the article text" in message


def test_a_changed_article_is_detected_by_its_hash(tmp_path: Path) -> None:
    message = load_error(tmp_path, article_line(text_sha256="0" * 64))
    assert ":1: field text_sha256:" in message


def test_a_missing_article_file_is_named(tmp_path: Path) -> None:
    assert ":1: field source: article file not found" in load_error(tmp_path, article_line(source="nope.txt"))


def test_duplicate_article_ids_are_rejected(tmp_path: Path) -> None:
    assert ":2: field id: duplicate article id 'a1' (first on line 1)" in load_error(
        tmp_path, article_line(), article_line()
    )


def test_evidence_parts_must_cover_the_evidence_in_order(tmp_path: Path) -> None:
    start = TEXT.index("Ana")
    end = TEXT.index(" The bank")
    parts = [
        {"quote": "Ana López", "start": start, "end": start + 9},
        {"quote": "Prices will fall.”", "start": TEXT.index("Prices"), "end": end},
    ]
    good = article_line()
    good["claims"][0] |= {"evidence": {"quote": TEXT[start:end], "start": start, "end": end}, "evidence_parts": parts}
    assert load_gold(write_gold(tmp_path, good), base_dir=tmp_path).articles["a1"].article.claims[0].spans == [
        (start, start + 9),
        (TEXT.index("Prices"), end),
    ]
    reversed_parts = article_line()
    reversed_parts["claims"][0] |= {"evidence": good["claims"][0]["evidence"], "evidence_parts": parts[::-1]}
    assert "field claims[0]: Value error, evidence_parts must be in text order" in load_error(tmp_path, reversed_parts)


def test_an_empty_gold_file_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(EvalInputError, match="holds no articles"):
        load_gold(path)
