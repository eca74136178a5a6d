"""Run identity: what, besides its article, makes an output line (strategy, model, prompt version).

One definition for every place that asks "would this run make that line again?": the pipeline
stamps it on each line, the batch writer's ``--resume`` compares it with the lines ``OUT`` holds,
and ``extractor.ray.completed`` with the records of an earlier dataset. A line made by another
strategy, model or prompt version is redone; the article's text sha256 is compared beside it.
``extractor.api.run_identity(config)`` gives a configuration's identity without connecting.

It imports nothing from the package, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class _Made(Protocol):
    """What a strategy tells about the lines it makes (``extractor.strategies.base.Strategy`` has it)."""

    @property
    def name(self) -> str: ...
    @property
    def uses_llm(self) -> bool: ...


@dataclass(frozen=True)
class RunIdentity:
    """The strategy, model and prompt version that make a run's lines (``model`` is None without an LLM)."""

    strategy: str
    model: str | None
    prompt_version: str | None

    @classmethod
    def of(cls, strategy: _Made, model: str | None) -> RunIdentity:
        """The identity of ``strategy`` asking ``model`` (ignored for a strategy that asks no model)."""
        return cls(
            strategy=strategy.name,
            model=model if strategy.uses_llm else None,
            prompt_version=getattr(strategy, "prompt_version", None),
        )

    @classmethod
    def of_line(cls, line: Mapping[str, Any]) -> RunIdentity:
        """The identity an output line (or a dataset record) says made it; missing fields read as unknown."""

        def text(key: str) -> str | None:
            value = line.get(key)
            return value if isinstance(value, str) else None

        return cls(strategy=text("strategy") or "", model=text("model"), prompt_version=text("prompt_version"))

    def as_fields(self) -> dict[str, str | None]:
        """The output line's fields that carry this identity."""
        return {"strategy": self.strategy, "model": self.model, "prompt_version": self.prompt_version}
