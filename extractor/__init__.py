"""extractor: source-grounded claim records (who claimed what, asserting or denying it) from news articles.

The Python API in three lines::

    from extractor import Extractor
    ex = Extractor(strategy="baseline")
    result = ex.extract("Kremlin spokesman Dmitry Peskov said on Monday that ...")

``Extractor`` (configured by ``ExtractorConfig``) is the front door; ``extract`` is the
one-shot form. Results are ``ArticleResult`` records, the lines ``extractor extract``
writes; ``assign_keys`` gives their claimants one key per speaker across them, and
``claims_table`` / ``claimants_table`` tabulate them (``read_output`` reads an output
file). Importing this package loads no model client, no spaCy: those load on first use.

Everything a strategy plugin, an engine plugin or a new front door needs is exported here:
``Strategy``, ``StrategyOutput``, ``LLM`` and ``LLMResult`` (the model client a strategy gets),
``Executor`` and ``register_engine`` (where articles run), ``ArticleFailure`` (an input that
is no article), ``BatchRunner`` and ``BatchSummary`` (the output side of a batch), ``RunIdentity`` (what makes
a line besides its article: what resume compares), and every
error (all derive from ``ExtractorError``). ``LLM``, ``LLMResult``, ``BatchRunner`` and
``BatchSummary`` (and the evaluation's and review page's errors) load on first access, so this import stays cheap.
"""

from typing import TYPE_CHECKING, Any

from extractor.api import Extractor, extract
from extractor.articles import ArticleFailure, FieldMap, read_articles
from extractor.claimants.keys import assign_keys
from extractor.claimants.tables import Table, claimants_table, claims_table, read_output
from extractor.config import ExtractorConfig
from extractor.errors import (
    ArticleLost,
    CacheError,
    ConfigError,
    ExtractorError,
    InputError,
    LLMError,
    LocalModelError,
    OutputError,
    PromptError,
)
from extractor.executors import Executor, available_engines, register_engine
from extractor.identity import RunIdentity
from extractor.records import (
    Article,
    ArticleResult,
    AttributionKind,
    Claim,
    Claimant,
    Evidence,
    Stance,
    Usage,
)
from extractor.strategies import Strategy, StrategyOutput, available_strategies, get_strategy, register_strategy

if TYPE_CHECKING:
    from extractor.batch import BatchRunner, BatchSummary
    from extractor.evaluation.errors import EvalInputError
    from extractor.llm import LLM, LLMResult
    from extractor.local_model import ModelEndpoint
    from extractor.review.render import ReviewOutputError

# Exported names that load heavy modules (the model client, the batch writer): imported on first access.
_LAZY = {
    "LLM": "extractor.llm",
    "LLMResult": "extractor.llm",
    "BatchRunner": "extractor.batch",
    "BatchSummary": "extractor.batch",
    "EvalInputError": "extractor.evaluation.errors",
    "ReviewOutputError": "extractor.review.render",
    "ModelEndpoint": "extractor.local_model",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'extractor' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "LLM",
    "Article",
    "ArticleFailure",
    "ArticleLost",
    "ArticleResult",
    "AttributionKind",
    "BatchRunner",
    "BatchSummary",
    "CacheError",
    "Claim",
    "Claimant",
    "ConfigError",
    "EvalInputError",
    "Evidence",
    "Executor",
    "Extractor",
    "ExtractorConfig",
    "ExtractorError",
    "FieldMap",
    "InputError",
    "LLMError",
    "LLMResult",
    "LocalModelError",
    "ModelEndpoint",
    "OutputError",
    "PromptError",
    "ReviewOutputError",
    "RunIdentity",
    "Stance",
    "Strategy",
    "StrategyOutput",
    "Table",
    "Usage",
    "__version__",
    "assign_keys",
    "available_engines",
    "available_strategies",
    "claimants_table",
    "claims_table",
    "extract",
    "get_strategy",
    "read_articles",
    "read_output",
    "register_engine",
    "register_strategy",
]
