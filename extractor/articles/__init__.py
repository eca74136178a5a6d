"""Reading input articles: text, Markdown, HTML, JSON and JSONL files, folders of them, or standard input.

Each input becomes either an ``Article`` or an ``ArticleFailure`` naming the
input, the line where it applies, and what is wrong; nothing here raises for bad
input. Reading is lazy: a folder of ten thousand files or a JSONL file of any
size is streamed, never loaded at once.

**Identity.** A file's id is its path as reached from the command line
(``d1/x.txt`` and ``d2/x.txt`` stay apart); a JSON record's id is its id field,
else ``file:line`` (``file[i]`` in a JSON list). The same file reached twice
(repeated, through a folder and by name, or by a link) is read once.

**Safety.** Only regular files are read: FIFOs, devices and sockets are refused
from ``fstat`` of a descriptor opened without blocking, so a FIFO never hangs the
run; the size comes from that ``fstat`` before reading and every read is bounded,
so neither a 3 GB file nor a link to ``/dev/zero`` is ever held in memory.
Unreadable files and folders each become a failure.

**Normalisation, once, here.** Text is decoded as UTF-8 and normalised
(``normalise_text``: BOM removed, CRLF and CR turned into LF, lone surrogates
replaced by U+FFFD). Every offset anywhere downstream indexes this normalised
text, which for a ``.txt``/``.md`` file equals what Python's default
``open(path, encoding="utf-8").read()`` returns, less a leading BOM. Inputs whose
text cannot be re-read that way (HTML, JSON/JSONL records, standard input) have
``Article.text_from_source`` false, and their output record carries the text.

**Text kept as given.** A string, a JSON record's text field, standard input and a
service request are article text: no header heuristic runs on them unless asked
(``detect_header=True``, ``--detect-header``), and a given title is metadata that
never removes text. In ``.txt``/``.md`` and HTML files (and wherever detection is
asked for), scraped header matter (template placeholders such as
``{{dayPoint.date | date : 'd MMMM yyyy'}}``, a ``date 2024-02-14`` prefix, a title
line, a repeated title and the one-sentence standfirst that follows it; in HTML, a
first line repeating the page's title) is recognised: the publication date is taken
from it and ``Article.body_start`` is placed after it, so no claim can come from
it, and ``Article.warnings`` names what was left out, so nothing is lost silently.
Field names of JSON records (``FieldMap``) cover common scraper output; a date is
read leniently (``parse_published``) and one that names no date is a warning.

Modules, top down: ``reading`` (files and standard input, bounded reads, dispatch by
format), ``files`` (folders expanded, each file once), ``from_html`` and ``from_json``
(the formats with markup), ``text`` (an Article from text, the checks every article
passes), ``header`` (title, header date, body start), ``normalise`` (the one text
normalisation), ``options`` (suffixes, field names, limits, ``ArticleFailure``).
"""

from extractor.articles.files import iter_input_files
from extractor.articles.from_json import article_from_json
from extractor.articles.header import Header, parse_header, parse_published
from extractor.articles.normalise import normalise_text, sha256_text
from extractor.articles.options import (
    ARTICLE_FIELDS,
    DEFAULT_DATE_ORDER,
    DEFAULT_MAX_CHARS,
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    JSONL_SUFFIXES,
    STDIN,
    STDIN_SOURCE,
    SUPPORTED_SUFFIXES,
    TEXT_SUFFIXES,
    ArticleFailure,
    DateOrder,
    FieldMap,
    ReadOptions,
)
from extractor.articles.reading import read_articles, read_file, read_stdin
from extractor.articles.text import (
    MAX_NESTING,
    article_from_plain_text,
    article_from_text,
    checked_article,
    text_id,
    unwritable,
)

__all__ = [
    "ARTICLE_FIELDS",
    "DEFAULT_DATE_ORDER",
    "DEFAULT_MAX_CHARS",
    "HTML_SUFFIXES",
    "JSONL_SUFFIXES",
    "JSON_SUFFIXES",
    "MAX_NESTING",
    "STDIN",
    "STDIN_SOURCE",
    "SUPPORTED_SUFFIXES",
    "TEXT_SUFFIXES",
    "ArticleFailure",
    "DateOrder",
    "FieldMap",
    "Header",
    "ReadOptions",
    "article_from_json",
    "article_from_plain_text",
    "article_from_text",
    "checked_article",
    "iter_input_files",
    "normalise_text",
    "parse_header",
    "parse_published",
    "read_articles",
    "read_file",
    "read_stdin",
    "sha256_text",
    "text_id",
    "unwritable",
]
