"""Strategies by name: the built-ins, plugins from an entry point group, and ones registered in code.

A third-party package adds a strategy the way LLM plugins add models in simonw/llm: it
declares an entry point in the ``extractor.strategies`` group whose object is a factory
(a class or any callable taking no arguments) returning a ``Strategy``::

    [project.entry-points."extractor.strategies"]
    my_strategy = "my_package.strategy:MyStrategy"

``register_strategy`` does the same from code (tests, notebooks). Built-in names are
reserved: a plugin cannot silently replace ``guided``; code can, with ``replace=True``.
Built-ins are registered here rather than as entry points so that a source checkout
that was never installed still has them. Factories run only in ``get_strategy``, so
naming strategies never imports spaCy or a prompt file.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
from collections.abc import Callable

from extractor.errors import ConfigError
from extractor.strategies.base import Strategy

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "extractor.strategies"
StrategyFactory = Callable[[], Strategy]


def _baseline() -> Strategy:
    from extractor.strategies.baseline import BaselineStrategy

    return BaselineStrategy()


def _guided() -> Strategy:
    from extractor.strategies.guided import GuidedStrategy

    return GuidedStrategy()


def _guided_full() -> Strategy:
    from extractor.strategies.guided import GuidedStrategy

    return GuidedStrategy(name="guided_full", scope="all")


def _guided_checked() -> Strategy:
    from extractor.strategies.claim_check import CheckedGuidedStrategy

    return CheckedGuidedStrategy()


def _whole_article() -> Strategy:
    from extractor.strategies.whole_article import WholeArticleStrategy

    return WholeArticleStrategy()


BUILTIN_STRATEGIES: dict[str, StrategyFactory] = {
    "guided": _guided,
    "guided_full": _guided_full,
    "whole_article": _whole_article,
    "baseline": _baseline,
    "guided_checked": _guided_checked,
}
_registered: dict[str, StrategyFactory] = {}
_lock = threading.Lock()


def register_strategy(name: str, factory: StrategyFactory, *, replace: bool = False) -> None:
    """Make ``factory()`` the strategy called ``name``; a taken name needs ``replace=True``."""
    if not name or not name.strip():
        raise ConfigError("a strategy needs a non-empty name")
    with _lock:
        if not replace and (name in _registered or name in BUILTIN_STRATEGIES):
            raise ConfigError(f"strategy {name!r} is already registered (pass replace=True to replace it)")
        _registered[name] = factory


def unregister_strategy(name: str) -> None:
    """Forget a strategy registered in code (built-ins and entry points stay)."""
    with _lock:
        _registered.pop(name, None)


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.name in BUILTIN_STRATEGIES:
            log.warning("ignoring plugin strategy %r from %s: the name is built in", entry.name, entry.value)
            continue
        found.setdefault(entry.name, entry)
    return found


def available_strategies() -> tuple[str, ...]:
    """Every name ``get_strategy`` accepts: built-ins first, then plugins and registrations, sorted."""
    with _lock:
        extra = set(_registered) | set(_entry_points())
    return tuple(BUILTIN_STRATEGIES) + tuple(sorted(extra - set(BUILTIN_STRATEGIES)))


def _factory(name: str) -> StrategyFactory:
    with _lock:
        if name in _registered:
            return _registered[name]
    if name in BUILTIN_STRATEGIES:
        return BUILTIN_STRATEGIES[name]
    entry = _entry_points().get(name)
    if entry is None:
        raise ConfigError(f"unknown strategy {name!r}; choose one of {', '.join(available_strategies())}")
    try:
        return entry.load()
    except Exception as exc:  # a broken plugin must say which one, not crash with its traceback
        raise ConfigError(f"strategy {name!r} ({entry.value}) cannot be loaded: {type(exc).__name__}: {exc}") from exc


def get_strategy(name: str) -> Strategy:
    """Build the strategy called ``name`` (imports lazily: spaCy loads only for strategies that use it)."""
    strategy = _factory(name)()
    if not isinstance(strategy, Strategy):
        raise ConfigError(
            f"strategy {name!r} does not implement the Strategy protocol "
            "(name, prompt_version, uses_llm, cpu_pass, extract)"
        )
    if strategy.name != name:
        raise ConfigError(f"strategy {name!r} calls itself {strategy.name!r}; output lines must name what was asked")
    return strategy
