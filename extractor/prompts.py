"""Prompt templates and few-shot examples, loaded from ``prompts/`` and validated at start.

The top-level ``prompts/`` folder of the project ships inside the wheel as the package
``extractor.prompts_data`` (a ``package-dir`` mapping in pyproject.toml) and is found
through ``importlib.resources``, so an installed package finds its prompts as an editable
checkout does; ``EXTRACTOR_PROMPTS_DIR`` points elsewhere for experiments.

A prompt is a directory ``prompts/<name>/`` holding ``template.md`` (a
``string.Template`` with ``$variables``) and ``examples.json`` (few-shot
examples). Loading fails loudly when the template is malformed, when rendering
misses a variable or gets an unknown one, or when an example's evidence quote
does not occur in its own text. The prompt version is a content hash of the
files, recorded with every output and part of every cache key.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import string
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from extractor.errors import PromptError
from extractor.records import Stance

PROMPTS_PACKAGE = "extractor.prompts_data"
# A source checkout run without installing (only the repository root on sys.path) has the
# folder but not the package mapping: the folder beside the package is the fallback.
_CHECKOUT_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def prompts_dir() -> Path:
    """The folder holding one sub-folder per prompt."""
    configured = os.environ.get("EXTRACTOR_PROMPTS_DIR")
    if configured:
        return Path(configured)
    try:
        return Path(os.fspath(importlib.resources.files(PROMPTS_PACKAGE)))
    except ModuleNotFoundError:
        return _CHECKOUT_PROMPTS


class PromptTemplate(BaseModel):
    """A ``string.Template`` whose variables are known up front and checked on every render."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    source: str

    @model_validator(mode="after")
    def _parses(self) -> PromptTemplate:
        if not string.Template(self.source).is_valid():
            raise ValueError(f"prompt {self.name!r}: invalid placeholder (use $name or ${{name}}; $$ for a dollar)")
        return self

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(string.Template(self.source).get_identifiers())

    def render(self, **values: str) -> str:
        missing = self.variables - values.keys()
        unknown = values.keys() - self.variables
        if missing:
            raise PromptError(f"prompt {self.name!r}: missing variable(s) {', '.join(sorted(missing))}")
        if unknown:
            raise PromptError(f"prompt {self.name!r}: unknown variable(s) {', '.join(sorted(unknown))}")
        return string.Template(self.source).substitute(values)


class ExampleClaim(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    claimant: str = Field(min_length=1)
    role: str | None = None
    organization: str | None = None
    stance: Stance
    claim: str = Field(min_length=1)
    quote: str = Field(min_length=1, description="Exact evidence words from the example text.")


class FewShotExample(BaseModel):
    """A short text with the claims a good answer finds in it; every quote occurs in the text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="Where the text comes from, e.g. a PolNeAR train file.")
    text: str = Field(min_length=1)
    claims: list[ExampleClaim]

    @model_validator(mode="after")
    def _quotes_occur_in_text(self) -> FewShotExample:
        for claim in self.claims:
            if claim.quote not in self.text:
                raise ValueError(f"example from {self.source}: quote {claim.quote[:60]!r} does not occur in its text")
            if claim.claimant not in self.text:
                raise ValueError(f"example from {self.source}: claimant {claim.claimant!r} does not occur in its text")
        return self


class Prompt(BaseModel):
    """A loaded, validated prompt: template, examples and content-hash version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    template: PromptTemplate
    examples: tuple[FewShotExample, ...]
    version: str


@cache
def load_prompt(name: str, directory: str | None = None) -> Prompt:
    """Load ``prompts/<name>/``; raises PromptError naming the file on any problem."""
    folder = Path(directory) if directory else prompts_dir() / name
    template_file = folder / "template.md"
    examples_file = folder / "examples.json"
    try:
        template_bytes = template_file.read_bytes()
        examples_bytes = examples_file.read_bytes() if examples_file.exists() else b"[]"
    except OSError as exc:
        raise PromptError(f"cannot read prompt files in {folder}: {exc}") from None
    try:
        template = PromptTemplate(name=name, source=template_bytes.decode("utf-8"))
    except ValidationError as exc:
        raise PromptError(f"{template_file}: {exc.errors()[0]['msg']}") from None
    try:
        raw_examples = json.loads(examples_bytes)
        examples = tuple(FewShotExample.model_validate(item) for item in raw_examples)
    except json.JSONDecodeError as exc:
        raise PromptError(f"{examples_file}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValidationError as exc:
        raise PromptError(f"{examples_file}: {exc.errors()[0]['msg']}") from None
    digest = hashlib.sha256(template_bytes + b"\0" + examples_bytes).hexdigest()[:12]
    return Prompt(name=name, template=template, examples=examples, version=f"{name}@{digest}")
