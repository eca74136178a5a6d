"""Honest progress of a batch: the total counted before the run where it is cheap, then a bar or log lines.

``count_articles`` knows the total before any work where that costs a listing and a
line count: one article per text/HTML file, one per non-blank line of a JSONL file,
one per JSON file holding an object; a JSON list or standard input leaves it unknown.
``Progress`` is what the CLI asks for (``--progress auto|bar|log|none``): ``auto`` draws
a bar on a terminal and, without one (nohup, CI, a pipe), writes one plain line to
stderr every ``every_s`` seconds, so a long run is never silent. Both show done/total,
errors, claims, rate and ETA; the service's job status reports the same figures
(``rate_and_eta``).
"""

from __future__ import annotations

import enum
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from extractor.articles import JSON_SUFFIXES, JSONL_SUFFIXES, STDIN, ArticleFailure, iter_input_files
from extractor.articles.options import READ_CHUNK, ReadOptions

DEFAULT_LOG_EVERY_S = 30.0


class ProgressMode(enum.StrEnum):
    """How a batch shows its progress (``--progress``)."""

    auto = "auto"
    bar = "bar"
    log = "log"
    none = "none"


def count_articles(paths: Iterable[str | os.PathLike[str]], *, exclude: Iterable[str] = ()) -> int | None:
    """The number of articles the inputs hold, or None when it cannot be known cheaply (standard input, a JSON list).

    A listing of the files and a byte scan of each JSONL file (non-blank lines): no parsing.
    An unreadable file counts as the one error line it becomes.
    """
    total = 0
    options = ReadOptions(exclude=frozenset(exclude))
    for item in iter_input_files(paths, options):
        if isinstance(item, ArticleFailure):
            total += 1
            continue
        if str(item) == STDIN:
            return None
        suffix = item.suffix.lower()
        try:
            if suffix in JSONL_SUFFIXES:
                total += _jsonl_records(item)
            elif suffix in JSON_SUFFIXES:
                if _first_byte(item) == b"[":
                    return None
                total += 1
            else:
                total += 1
        except OSError:
            total += 1
    return total


def _jsonl_records(path: Path) -> int:
    """Non-blank lines, counted in 1 MiB chunks (a file of any size is never held)."""
    count = 0
    at_line_start = True
    blank_so_far = True
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            for line in chunk.splitlines(keepends=True):
                if line.strip():
                    blank_so_far = False
                if line.endswith((b"\n", b"\r")):
                    if not blank_so_far:
                        count += 1
                    blank_so_far = True
                    at_line_start = True
                else:
                    at_line_start = False
    if not at_line_start and not blank_so_far:
        count += 1
    return count


def _first_byte(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]


def rate_and_eta(done: int, total: int | None, seconds: float) -> tuple[float | None, float | None]:
    """Articles per second so far, and the seconds left at that rate (None while unknown)."""
    if done <= 0 or seconds <= 0:
        return None, None
    rate = done / seconds
    eta = (total - done) / rate if total is not None and total >= done else None
    return rate, eta


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


@dataclass(frozen=True)
class Progress:
    """What the caller asked for: the mode, how often a log line is written, and the total when known."""

    mode: ProgressMode = ProgressMode.auto
    every_s: float = DEFAULT_LOG_EVERY_S
    total: int | None = None

    def reporter(self, stream: TextIO | None = None) -> Reporter:
        """The reporter for this run: a bar on a terminal (or ``bar``), log lines without one (or ``log``), or none."""
        stream = stream if stream is not None else sys.stderr
        mode = self.mode
        if mode is ProgressMode.auto:
            mode = ProgressMode.bar if stream.isatty() else ProgressMode.log
        if mode is ProgressMode.bar:
            return BarReporter(self.total, stream)
        if mode is ProgressMode.log:
            return LogReporter(self.total, stream, self.every_s)
        return Reporter(self.total)


class Reporter:
    """Counts a batch's progress; shows nothing (``--progress none``). Subclasses show it."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.done = self.errors = self.claims = 0
        self.started = time.monotonic()

    def __enter__(self) -> Reporter:
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, *, done: int, errors: int, claims: int) -> None:
        self.done, self.errors, self.claims = done, errors, claims
        self.show()

    def show(self) -> None:
        """Draw the new state (nothing here)."""

    def close(self) -> None:
        """The run ended (or stopped): a last line where lines are written."""

    def line(self) -> str:
        """One plain line: done/total, errors, claims, rate and ETA."""
        elapsed = time.monotonic() - self.started
        rate, eta = rate_and_eta(self.done, self.total, elapsed)
        of = f"/{self.total:,}" if self.total is not None else ""
        share = f" ({100 * self.done / self.total:.1f}%)" if self.total else ""
        speed = f"{rate:.2f} articles/s" if rate is not None else "- articles/s"
        return (
            f"progress: {self.done:,}{of} articles{share}, {self.errors:,} errors, {self.claims:,} claims, "
            f"{speed}, elapsed {_duration(elapsed)}, ETA {_duration(eta) if self.total is not None else '?'}"
        )


class LogReporter(Reporter):
    """Without a terminal: one plain line every ``every_s`` seconds, and one at the end."""

    def __init__(self, total: int | None, stream: TextIO, every_s: float) -> None:
        super().__init__(total)
        self.stream = stream
        self.every_s = every_s
        self._last = time.monotonic()
        self._closed = False

    def __enter__(self) -> Reporter:
        super().__enter__()
        self._last = self.started
        of = f"{self.total:,}" if self.total is not None else "an unknown number of"
        self._write(f"progress: starting, {of} articles")
        return self

    def show(self) -> None:
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self._write(self.line())

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._write(self.line())

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed: progress is not worth stopping the run for
            pass


class BarReporter(Reporter):
    """On a terminal: a bar with done/total, rate and ETA (a spinner and a count while the total is unknown)."""

    def __init__(self, total: int | None, stream: TextIO) -> None:
        super().__init__(total)
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("extracting"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[errors]} errors, {task.fields[claims]} claims"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),  # stderr: stdout may be the output itself (-o -)
            transient=False,
        )
        self._task = self._bar.add_task("extracting", total=total, errors=0, claims=0)

    def __enter__(self) -> Reporter:
        super().__enter__()
        self._bar.start()
        return self

    def show(self) -> None:
        self._bar.update(self._task, completed=self.done, errors=self.errors, claims=self.claims)

    def close(self) -> None:
        self._bar.stop()
