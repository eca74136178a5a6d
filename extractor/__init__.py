"""extractor: source-grounded claim extraction from news articles."""

__version__ = "0.1.0"
