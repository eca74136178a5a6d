"""Which files to read: files and folders expanded (recursively, sorted), each file once, in a stable order.

A file's id is its path as reached from the command line (``d1/x.txt`` and
``d2/x.txt`` stay apart); the same file reached twice (repeated, through a folder and
by name, or by a link) is read once. An unreadable file or folder becomes a failure.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from extractor.articles.options import STDIN, SUPPORTED_SUFFIXES, ArticleFailure, ReadOptions


def iter_input_files(
    paths: Iterable[str | os.PathLike[str]], options: ReadOptions | None = None
) -> Iterator[Path | ArticleFailure]:
    """Expand files and folders (recursively, sorted) into the files to read, each once, in a stable order.

    ``-`` stands for standard input and is passed through as ``Path("-")``.
    """
    options = options or ReadOptions()
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        if os.fspath(raw) == STDIN:
            yield Path(STDIN)
            continue
        path = Path(raw)
        try:
            info = os.stat(path)
        except FileNotFoundError:
            yield ArticleFailure(id=str(path), source=str(path), message="no such file")
            continue
        except OSError as exc:
            yield ArticleFailure(id=str(path), source=str(path), message=f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            for item in _walk(path, options, {(info.st_dev, info.st_ino)}):
                if isinstance(item, ArticleFailure) or _first_visit(item, seen):
                    yield item
        elif options.is_excluded(path):
            continue
        elif _first_visit(path, seen):
            yield path


def _first_visit(path: Path, seen: set[tuple[int, int]]) -> bool:
    """False when this file was already reached by another path (a repeat, a link, a folder and its file)."""
    try:
        info = os.stat(path)
    except OSError:
        return True  # reading it will report why
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _walk(folder: Path, options: ReadOptions, ancestors: set[tuple[int, int]]) -> Iterator[Path | ArticleFailure]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield ArticleFailure(str(folder), str(folder), f"cannot read folder: {exc.strerror or exc}")
        return
    for entry in entries:
        path = folder / entry.name
        if entry.is_dir():  # follows links; a link back up the tree is not walked again
            try:
                info = entry.stat()
            except OSError as exc:
                yield ArticleFailure(str(path), str(path), f"cannot read folder: {exc.strerror or exc}")
                continue
            key = (info.st_dev, info.st_ino)
            if key not in ancestors:
                yield from _walk(path, options, ancestors | {key})
        elif path.suffix.lower() in SUPPORTED_SUFFIXES and not options.is_excluded(path):
            # Special files and links to nowhere are yielded too: reading them reports what they are.
            yield path
