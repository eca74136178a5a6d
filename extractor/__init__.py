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
"""

from extractor.api import Extractor, extract
from extractor.articles import FieldMap, read_articles
from extractor.claimants.keys import assign_keys
from extractor.claimants.tables import Table, claimants_table, claims_table, read_output
from extractor.config import ExtractorConfig
from extractor.errors import (
    CacheError,
    ConfigError,
    ExtractorError,
    InputError,
    LLMError,
    LocalModelError,
    OutputError,
    PromptError,
)
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

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleResult",
    "AttributionKind",
    "CacheError",
    "Claim",
    "Claimant",
    "ConfigError",
    "Evidence",
    "Extractor",
    "ExtractorConfig",
    "ExtractorError",
    "FieldMap",
    "InputError",
    "LLMError",
    "LocalModelError",
    "OutputError",
    "PromptError",
    "Stance",
    "Strategy",
    "StrategyOutput",
    "Table",
    "Usage",
    "__version__",
    "assign_keys",
    "available_strategies",
    "claimants_table",
    "claims_table",
    "extract",
    "get_strategy",
    "read_articles",
    "read_output",
    "register_strategy",
]
