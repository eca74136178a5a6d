"""Finding the text a prediction line's offsets index, and checking it is the same text.

A prediction line records where its article came from (``source``: a path,
``path:line`` for JSONL, ``path[i]`` for a JSON list) and the sha256 of the text
its offsets index, not the text itself. The text is read again through the
same reader that extraction used (``extractor.articles.read_file``), so headers,
HTML conversion and any normalisation match, and is shown only when its sha256
equals the recorded one: a changed or missing file gives a note instead of
highlights in the wrong places. Each input file is read once, however many
articles it holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from extractor.articles import JSON_SUFFIXES, JSONL_SUFFIXES, ArticleFailure, read_file, sha256_text
from extractor.records import ArticleResult

# `path:123` (a JSONL line) and `path[4]` (an item of a JSON list), as extraction writes them.
_LOCATOR = re.compile(r"^(?P<path>.+?)(?P<locator>:\d+|\[\d+\])$")


@dataclass(frozen=True)
class ArticleText:
    """The verified text of one article, or why there is none."""

    text: str | None
    note: str | None = None


class TextResolver:
    """Reads article texts from the sources named in prediction lines, caching each file's articles."""

    def __init__(self, base_dirs: list[Path]) -> None:
        # Relative sources are tried against each folder in turn (the working directory first).
        self.base_dirs = base_dirs
        self._files: dict[Path, dict[str, str] | str] = {}
        self._paths: dict[str, Path | None] = {}

    def text_for(self, result: ArticleResult) -> ArticleText:
        embedded = getattr(result, "text", None)
        if isinstance(embedded, str):
            return self._verified(embedded, result, "the line's own text")
        if result.text_sha256 is None:
            return ArticleText(None, "text unavailable: the line records no text sha256 to check it against")
        found = self._read(result.source)
        if isinstance(found, ArticleText):
            return found
        return self._verified(found, result, result.source)

    @staticmethod
    def _verified(text: str, result: ArticleResult, where: str) -> ArticleText:
        try:
            actual = sha256_text(text)
        except UnicodeEncodeError:
            return ArticleText(None, f"text unavailable: {where} holds unpaired surrogates, so it cannot be checked")
        if result.text_sha256 is not None and actual != result.text_sha256:
            return ArticleText(
                None,
                f"text changed since extraction: {where} now has sha256 {actual[:12]}…, "
                f"the line recorded {result.text_sha256[:12]}…, so its offsets cannot be trusted",
            )
        return ArticleText(text)

    def _read(self, source: str) -> str | ArticleText:
        path_text, locator = _split_source(source)
        path = self._existing(path_text)
        if path is None:
            return ArticleText(None, f"text unavailable: source file not found: {path_text}")
        articles = self._articles_in(path)
        if isinstance(articles, str):
            return ArticleText(None, f"text unavailable: {articles}")
        if locator not in articles:
            return ArticleText(None, f"text unavailable: {path} holds no readable article at {locator or 'its start'}")
        return articles[locator]

    def _existing(self, path_text: str) -> Path | None:
        # Looked up once per file: a JSONL file of 10,000 articles is one stat, not 10,000.
        if path_text not in self._paths:
            path = Path(path_text)
            tries = [path] if path.is_absolute() else [base / path for base in self.base_dirs]
            self._paths[path_text] = next((candidate for candidate in tries if candidate.is_file()), None)
        return self._paths[path_text]

    def _articles_in(self, path: Path) -> dict[str, str] | str:
        """Every article the file holds, keyed by its locator (``""``, ``:line`` or ``[i]``)."""
        if path not in self._files:
            prefix = str(path)
            found: dict[str, str] = {}
            try:
                for item in read_file(path):
                    if not isinstance(item, ArticleFailure) and item.source.startswith(prefix):
                        found[item.source[len(prefix) :]] = item.text
            except OSError as exc:
                self._files[path] = f"cannot read {path}: {exc.strerror or exc}"
            else:
                self._files[path] = found
        return self._files[path]


def _split_source(source: str) -> tuple[str, str]:
    """(file path, locator): extraction writes ``path:line`` only for JSONL and ``path[i]`` only for JSON lists."""
    match = _LOCATOR.match(source)
    if match:
        suffix = Path(match["path"]).suffix.lower()
        if (match["locator"].startswith(":") and suffix in JSONL_SUFFIXES) or (
            match["locator"].startswith("[") and suffix in JSON_SUFFIXES
        ):
            return match["path"], match["locator"]
    return source, ""
