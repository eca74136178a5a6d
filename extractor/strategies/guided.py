"""Candidate-guided extraction: the linguistic pass finds attributions, the model fills constrained fields.

The linguistic pass (``extractor.nlp``) finds each attribution's cue,
source and content span, so evidence is grounded by construction. The model
then gets one small, schema-constrained job per article: for every candidate,
pick the claimant by number among the speakers mentioned near its cue (its
sentence and the two before; 0 for none, which drops a claim the pass could not
name), give the stance, and write the claim as a self-contained sentence. A
number outside the candidate's own choices counts as none, so the model can
neither invent a speaker nor take one from elsewhere in the article. Every field is bounded (integers in range, enums,
``max_length``), which keeps a small local model from looping and keeps output
tokens few; a strong remote model gets the same job through the same code.
Where the model's answer is unusable the linguistic reading stands: a claim
sentence not about its evidence, written to a model, or a double negative for
``denies`` is refused, and the pass's sentence and stance stand together.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from extractor import nlp
from extractor.prompts import Prompt, load_prompt
from extractor.records import Article, Claim, Stance, Usage
from extractor.strategies.base import StrategyOutput
from extractor.strategies.claims import carry_dates, claim_from_candidate
from extractor.strategies.prompt_data import data_line

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
MAX_CANDIDATES_PER_CALL = 12
MAX_NAMES = 40
ALL_FIELDS = ("claimant", "stance", "claim")


def response_model(candidates: int, fields: tuple[str, ...] = ALL_FIELDS) -> type[BaseModel]:
    """One required entry per candidate (c1..cN), each bounded, so output is short and complete.

    The claimant's bound is the longest names list, not this call's: a number past the list
    is "none of them" (``merge``), which costs one candidate, where a schema bound of the
    list's length made a small model's slip a validation failure that cost the whole article.
    """
    definitions: dict[str, Any] = {
        "claimant": (Annotated[int, Field(ge=0, le=MAX_NAMES)], ...),
        "stance": (Literal["asserts", "denies"], ...),
        "claim": (Annotated[str, Field(max_length=200)], ...),
    }
    item = create_model(
        "CandidateFields", __config__=ConfigDict(extra="forbid"), **{name: definitions[name] for name in fields}
    )
    fields: dict[str, Any] = {f"c{i}": (item, ...) for i in range(1, candidates + 1)}
    return create_model("Candidates", __config__=ConfigDict(extra="forbid"), **fields)


class ClaimantChoices(BaseModel):
    """For each candidate in order, the number of its speaker in the names list (0: none of them)."""

    model_config = ConfigDict(extra="forbid")

    claimants: list[Annotated[int, Field(ge=0, le=MAX_NAMES)]] = Field(max_length=MAX_CANDIDATES_PER_CALL)


@dataclass
class GuidedStrategy:
    """Linguistic candidates, completed by the model.

    ``scope="unresolved"`` (strategy ``guided``, the embedded default) sends the model
    only the candidates whose speaker the linguistic pass could not name, and asks
    only for the claimant: measured on the seeds and PolNeAR dev, small local models
    are worse than the linguistic pass at stance and at speakers it already
    resolved, so they are not asked. ``scope="all"`` (strategy ``guided_full``, for
    strong remote models) asks for claimant, stance and claim text on every candidate.
    """

    name: str = "guided"
    uses_llm: bool = True
    cpu_pass: ClassVar[bool] = True  # the linguistic pass parses every article
    scope: Literal["unresolved", "all"] = "unresolved"
    max_tokens_per_candidate: int = 80
    prompt: Prompt | None = None

    def __post_init__(self) -> None:
        self.prompt = self.prompt or load_prompt("guided_claimant" if self.scope == "unresolved" else "guided")

    @property
    def fields(self) -> tuple[str, ...]:
        return ("claimant",) if self.scope == "unresolved" else ALL_FIELDS

    @property
    def prompt_version(self) -> str:
        assert self.prompt is not None
        return self.prompt.version

    def extract(self, article: Article, llm) -> StrategyOutput:  # llm: extractor.llm.LLM | None
        usage = Usage()
        merged = self.completed(article, llm, usage)
        claims = carry_dates(article, [claim for _, claim in merged])
        return StrategyOutput(claims=claims, usage=usage)

    def completed(self, article: Article, llm, usage: Usage) -> list[tuple[nlp.Candidate, Claim]]:
        """Each candidate that makes a claim, with that claim (undated: ``carry_dates`` comes after).

        The model's calls are added to ``usage``.
        """
        doc = nlp.parse(article)
        candidates = nlp.find_candidates(article, doc)
        # Only candidates with a speaker mentioned near the cue go to the model: it may choose
        # among those mentions or none, never a name from elsewhere in the article.
        asked = [c for c in candidates if (self.scope == "all" or not c.claimant_name) and _choices(c)]
        answers: dict[int, Any] = {}
        # Keyed by the claimant prompt's own version, not ``prompt_version``: a strategy that adds a
        # prompt of its own (``guided_checked``) then shares these calls' cache entries.
        assert self.prompt is not None
        for start in range(0, len(asked), MAX_CANDIDATES_PER_CALL):
            batch = asked[start : start + MAX_CANDIDATES_PER_CALL]
            if llm is None:
                break
            names = _batch_names(batch)
            result = llm.complete(
                response_model=self.response_model(len(batch)),
                messages=[{"role": "user", "content": self.render(article, batch, names)}],
                max_tokens=self.max_tokens_per_candidate * len(batch) + 20,
                prompt_version=self.prompt.version,
            )
            usage.add(result.usage)
            for candidate, answer in zip(batch, self.answers(result.value, len(batch)), strict=True):
                answers[id(candidate)] = (answer, names)
        # Evidence is the candidate's own span, so nothing here can be ungrounded; candidates
        # whose speaker neither the pass nor the model could name are left out.
        merged = ((c, self.merge(article, c, *answers.get(id(c), (None, [])))) for c in candidates)
        return [(candidate, claim) for candidate, claim in merged if claim is not None]

    def response_model(self, candidates: int) -> type[BaseModel]:
        if self.scope == "unresolved":
            # One fixed schema for every article: the tool definition then renders identically
            # and the server's prefix cache reuses the instructions and examples across calls.
            return ClaimantChoices
        return response_model(candidates, self.fields)

    def answers(self, value: BaseModel, count: int) -> list[Any]:
        if isinstance(value, ClaimantChoices):
            picks = [*value.claimants[:count], *[0] * max(0, count - len(value.claimants))]
            return [SimpleNamespace(claimant=pick) for pick in picks]
        return [getattr(value, f"c{index}") for index in range(1, count + 1)]

    def render(self, article: Article, batch: list[nlp.Candidate], names: list[str]) -> str:
        assert self.prompt is not None
        text = article.text
        lines = []
        for index, candidate in enumerate(batch, start=1):
            s, c = candidate.sentence, candidate.content
            lo, hi = min(s.start, c.start), max(s.end, c.end)
            marked = f"{text[lo : c.start]}[[{text[c.start : c.end]}]]{text[c.end : hi]}"
            speaker = text[candidate.source.start : candidate.source.end] if candidate.source else "(not stated)"
            numbers = ", ".join(str(names.index(name) + 1) for name in _choices(candidate) if name in names)
            lines.append(
                f"c{index}. {data_line(marked)}\n    speaker as written: {data_line(speaker)}"
                f"\n    choose from: {numbers}, or 0 for none of them"
            )
        return self.prompt.template.render(
            examples=render_examples(self.prompt, self.fields),
            names="\n".join(f"{i}. {data_line(name)}" for i, name in enumerate(names, start=1)) or "(none)",
            candidates="\n".join(lines),
        )

    def merge(self, article: Article, candidate: nlp.Candidate, answer: Any, names: list[str]) -> Claim | None:
        """The linguistic claim, with the model's fields where they are usable.

        The model's claimant counts only when it is one of the speakers mentioned near
        the candidate's cue (``speaker_options``); anything else, 0 included, is "none"
        and the claim is dropped unless the pass named the speaker itself. The model's
        claim text replaces the pass's only when it passes the same checks (about the
        evidence, not written to a model, no double negative), and then with its stance.
        """
        picked = getattr(answer, "claimant", 0)
        model_name = names[picked - 1] if 0 < picked <= len(names) else None
        if model_name is not None and model_name not in _choices(candidate):
            model_name = None
        name = candidate.claimant_name or model_name
        if not name:
            return None
        if name != candidate.claimant_name:
            candidate = _with_claimant(candidate, name)
        claim = claim_from_candidate(article, candidate)
        if claim is None or answer is None:
            return claim
        if "claim" not in self.fields:
            return claim
        sentence = article.text[candidate.sentence.start : candidate.sentence.end]
        stance = Stance(answer.stance)
        written = answer.claim.strip()
        if not _usable_claim_text(written, sentence) or nlp.instruction_like(written):
            return claim
        if stance == Stance.DENIES and nlp.text_negated(written):
            # "denies: Russia does not maintain contacts" says the opposite of the article.
            return claim
        return claim.model_copy(update={"stance": stance, "claim": written})


def _with_claimant(candidate: nlp.Candidate, name: str) -> nlp.Candidate:
    return replace(candidate, claimant_name=name, claimant_role=None, claimant_organization=None)


def _choices(candidate: nlp.Candidate) -> tuple[str, ...]:
    """The claimants a model may give a candidate: the pass's own name, then the speakers mentioned near its cue."""
    found = dict.fromkeys(candidate.speaker_options)
    if candidate.claimant_name and candidate.claimant_named:
        found = {candidate.claimant_name: None, **found}
    return tuple(found)[:MAX_NAMES]


def _batch_names(batch: list[nlp.Candidate]) -> list[str]:
    """The numbered names of one call: every candidate's choices, first mention first."""
    seen: dict[str, None] = {}
    for candidate in batch:
        for name in _choices(candidate):
            seen.setdefault(name, None)
    return list(seen)[:MAX_NAMES]


def _usable_claim_text(claim: str, sentence: str) -> bool:
    """Accept the model's sentence only if it is about what the evidence says (most words come from it)."""
    if "[[" in claim or "]]" in claim:
        return False
    words = {w.lower() for w in _WORD.findall(claim) if len(w) > 3}
    if len(words) < 3:
        return False
    source_words = {w.lower() for w in _WORD.findall(sentence)}
    return len(words & source_words) / len(words) >= 0.6


def render_examples(prompt: Prompt, fields: tuple[str, ...] = ALL_FIELDS) -> str:
    """Few-shot examples rendered as candidates with the answer a good model gives."""
    blocks = []
    for example in prompt.examples:
        names = list(dict.fromkeys(c.claimant for c in example.claims))
        lines, answer = [], {}
        for index, claim in enumerate(example.claims, start=1):
            at = example.text.index(claim.quote)
            marked = f"{example.text[:at]}[[{claim.quote}]]{example.text[at + len(claim.quote) :]}"
            sentence = next(part for part in marked.split("\n\n") if "[[" in part)
            choices = ", ".join(str(i) for i in range(1, len(names) + 1))
            lines.append(
                f"c{index}. {' '.join(sentence.split())}\n    speaker as written: {claim.claimant}"
                f"\n    choose from: {choices}, or 0 for none of them"
            )
            full = {"claimant": names.index(claim.claimant) + 1, "stance": claim.stance.value, "claim": claim.claim}
            answer[f"c{index}"] = {name: full[name] for name in fields}
        if fields == ("claimant",):
            answer = {"claimants": [item["claimant"] for item in answer.values()]}
        blocks.append(
            "Example names:\n"
            + "\n".join(f"{i}. {n}" for i, n in enumerate(names, start=1))
            + "\nExample candidates:\n"
            + "\n".join(lines)
            + f"\nAnswer: {json.dumps(answer, ensure_ascii=False)}\n"
        )
    return "\n".join(blocks)
