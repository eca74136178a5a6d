"""Prompt templates and few-shot examples are validated on load; the version is a content hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.prompts import PromptError, PromptTemplate, load_prompt


def _write_prompt(folder: Path, template: str, examples: list[dict[str, object]]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "template.md").write_text(template, encoding="utf-8")
    (folder / "examples.json").write_text(json.dumps(examples), encoding="utf-8")
    return str(folder)


EXAMPLE = {
    "source": "test",
    "text": "Smith said the bridge is safe.",
    "claims": [
        {"claimant": "Smith", "stance": "asserts", "claim": "The bridge is safe.", "quote": "the bridge is safe"}
    ],
}


def test_packaged_prompts_load_and_are_versioned() -> None:
    for name in ("whole_article", "guided"):
        prompt = load_prompt(name)
        assert prompt.version.startswith(f"{name}@") and len(prompt.version) == len(name) + 13
        assert prompt.examples, "few-shot examples are expected"
        for example in prompt.examples:
            for claim in example.claims:
                assert claim.quote in example.text


def test_render_fails_on_missing_or_unknown_variables() -> None:
    template = PromptTemplate(name="t", source="Article: $article ($published)")
    assert template.render(article="A", published="2020") == "Article: A (2020)"
    with pytest.raises(PromptError, match="missing variable"):
        template.render(article="A")
    with pytest.raises(PromptError, match="unknown variable"):
        template.render(article="A", published="x", extra="y")


def test_example_quote_must_occur_in_its_text(tmp_path: Path) -> None:
    bad = {**EXAMPLE, "claims": [{**EXAMPLE["claims"][0], "quote": "the tunnel is safe"}]}  # type: ignore[index]
    folder = _write_prompt(tmp_path / "bad", "$x", [bad])
    with pytest.raises(PromptError, match="does not occur in its text"):
        load_prompt("bad", folder)


def test_version_changes_with_content(tmp_path: Path) -> None:
    first = load_prompt("p", _write_prompt(tmp_path / "a", "Say $x", [EXAMPLE]))
    second = load_prompt("p", _write_prompt(tmp_path / "b", "Say $x!", [EXAMPLE]))
    same = load_prompt("p", _write_prompt(tmp_path / "c", "Say $x", [EXAMPLE]))
    assert first.version != second.version
    assert first.version == same.version


def test_invalid_placeholder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError):
        load_prompt("broken", _write_prompt(tmp_path / "broken", "Cost: $ 5", []))
