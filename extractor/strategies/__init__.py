"""Extraction strategies, selectable by name (``--strategy``); all return the same claim records.

Built-ins: ``guided`` (default; linguistic candidates completed by the model),
``guided_full`` (the model fills every field, for strong remote models),
``whole_article`` (the model reads numbered sentences), ``baseline`` (rules only,
no model) and ``guided_checked`` (``guided`` plus a yes/no claim check of each candidate
the claimness rules doubt). More come from plugins (entry point group ``extractor.strategies``) or
``register_strategy``; see ``extractor.strategies.registry``.
"""

from __future__ import annotations

from extractor.config import DEFAULT_STRATEGY
from extractor.strategies.base import Strategy, StrategyOutput
from extractor.strategies.registry import (
    BUILTIN_STRATEGIES,
    ENTRY_POINT_GROUP,
    available_strategies,
    get_strategy,
    register_strategy,
    unregister_strategy,
)

STRATEGY_NAMES = tuple(BUILTIN_STRATEGIES)

__all__ = [
    "DEFAULT_STRATEGY",
    "ENTRY_POINT_GROUP",
    "STRATEGY_NAMES",
    "Strategy",
    "StrategyOutput",
    "available_strategies",
    "get_strategy",
    "register_strategy",
    "unregister_strategy",
]
