"""The output file of a batch: locked, written safely, resumed by identity, never aimed at anything not ours.

Rules (docs/batch.md has the why):

* ``-o -`` streams the JSON lines to standard output; there is nothing to lock,
  replace or resume.
* Otherwise ``OUT`` (a symlink is followed to its target) must be absent, empty,
  or a regular file this tool wrote (it starts with a ``claim-record/`` line);
  a folder, a FIFO, a device, another program's file or one of the inputs is
  refused with ``OutputError`` before anything is touched (the CLI's exit 2).
* An exclusive lock on ``OUT.lock`` (``flock``) refuses a second writer while one
  runs; the lock file is removed when the run ends (while still held, and a
  taker checks it locked the file that is there, so removing it never lets two
  writers in).
* A run without ``--resume`` writes ``OUT.partial`` and renames it over ``OUT``
  when the batch ends, so an interrupted overwrite leaves the previous results
  whole; the partial file is what ``--resume`` continues from.
* ``--resume`` keeps the last ``ok`` line of each id (from ``OUT``, then from a
  ``OUT.partial`` an interrupted run left), drops error and torn lines, appends
  new lines to ``OUT`` (one ``write`` each on an ``O_APPEND`` descriptor, so a
  kill never tears a line), and at the end drops the lines its new ones
  superseded. ``ResumeIndex.decide`` skips an article only when its id, the
  sha256 of its text and the run's identity (``extractor.identity``: strategy, model, prompt version)
  all match the kept line; otherwise it says why it is redone.
* When the batch ends, every claimant gets its batch key (``extractor.claimants.keys``:
  one key per speaker across the whole file, decided from its content alone, so a
  resumed batch ends with the keys a single run gives). ``-o -`` streams each line
  as it is done, with the keys its article alone decides.

Lines of articles that are not in the batch are never removed. Only ``OUT``,
``OUT.partial``, ``OUT.lock`` and ``OUT.compact`` are ever created, renamed or
replaced, and ``output_files`` names them so a reader never takes them for inputs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import stat
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from extractor.claimants.keys import rekey_file
from extractor.errors import OutputError
from extractor.identity import RunIdentity
from extractor.records import ArticleResult

STDOUT = "-"
_OURS = re.compile(rb'^\s*\{"schema_version"\s*:\s*"claim-record/')
_KINDS = {
    stat.S_IFIFO: "FIFO",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFSOCK: "socket",
}
REASON_TEXT_CHANGED = "text changed"
REASON_OTHER_RUN = "made with another strategy, model or prompt version"
REASON_FAILED = "failed before"


def partial_path(out: Path) -> Path:
    """Where a run without ``--resume`` writes before renaming over ``out``."""
    target = _target(out)
    return target.with_name(target.name + ".partial")


def lock_path(out: Path) -> Path:
    target = _target(out)
    return target.with_name(target.name + ".lock")


def _compact_path(target: Path) -> Path:
    return target.with_name(target.name + ".compact")


def output_files(out: Path | str) -> frozenset[str]:
    """Real paths of every file a batch writing ``out`` creates: never to be read as inputs."""
    if str(out) == STDOUT:
        return frozenset()
    target = _target(Path(out))
    names = [target, partial_path(target), lock_path(target), _compact_path(target)]
    return frozenset(os.path.realpath(name) for name in names)


def refuse_output_among_inputs(out: Path | str, inputs: Iterable[Path | str]) -> None:
    """Raise OutputError when ``out`` is one of the input files (however spelled); folders are read around it."""
    if str(out) == STDOUT:
        return
    target = os.path.realpath(out)
    for item in inputs:
        if str(item) == STDOUT:
            continue
        try:
            same = os.path.realpath(item) == target or (os.path.exists(out) and os.path.samefile(item, out))
        except OSError:
            same = False
        if same and not os.path.isdir(item):
            raise OutputError(f"{out} is one of the inputs; refusing to write over it (choose another -o)")


def _target(out: Path) -> Path:
    """``out`` with symlinks followed: the file actually written (and replaced)."""
    return Path(os.path.realpath(out))


def check_output(out: Path | str, *, resume: bool) -> None:
    """The checks ``BatchOutput.open`` makes, without taking the lock: for a front end to fail before any work."""
    BatchOutput(out, resume=resume, identity=RunIdentity("", None, None)).check()


@dataclass
class ResumeIndex:
    """The finished lines of an earlier run, by article id, and why others will be redone."""

    identity: RunIdentity
    kept: dict[str, tuple[str | None, RunIdentity]] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    dropped_torn: int = 0
    # Claims on each kept line: a resumed run's summary counts what OUT holds, kept lines included.
    claims: dict[str, int] = field(default_factory=dict)

    def decide(self, article_id: str, text_sha256: str | None) -> str | None:
        """None to skip the article (its line stands); otherwise why it is (re)done ("" when it is new)."""
        previous = self.kept.get(article_id)
        if previous is None:
            return REASON_FAILED if article_id in self.failed else ""
        sha, made_by = previous
        if made_by != self.identity:
            return REASON_OTHER_RUN
        if text_sha256 is not None and sha != text_sha256:
            return REASON_TEXT_CHANGED
        return None


class BatchOutput:
    """One batch's output: open (checks, lock, resume index), write lines, then finish or abort."""

    def __init__(self, out: Path | str, *, resume: bool, identity: RunIdentity) -> None:
        self.out = Path(out)
        self.to_stdout = str(out) == STDOUT
        self.resume = resume
        self.identity = identity
        self.superseded = 0
        self._write_lock = threading.Lock()
        self._fd: int | None = None
        self._stream: BinaryIO | None = None
        self._lock_fd: int | None = None
        self._target = self.out if self.to_stdout else _target(self.out)
        self._writing: Path | None = None

    # --- opening ---------------------------------------------------------------------------------

    def open(self) -> ResumeIndex | None:
        """Check ``-o``, take the lock and prepare the file; the resume index when resuming. Raises OutputError."""
        self.check()
        if self.to_stdout:
            self._stream = sys.stdout.buffer
            return None
        target = self._target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror or exc}") from None
        self._take_lock(target)
        try:
            if self.resume:
                index = self._load(target)
                self._open_append(target)
                return index
            self._writing = partial_path(target)
            self._fd = self._os_open(self._writing, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW)
            return None
        except BaseException:
            self._release()
            raise

    def check(self) -> None:
        """Raise OutputError unless ``-o`` names something this run may write and replace."""
        if self.to_stdout:
            if self.resume:
                raise OutputError("--resume needs an output file to continue; -o - writes to standard output")
            return
        self._check_writable_target(self._target)
        self._check_ours(self._target, partial_path(self._target), _compact_path(self._target))

    def _check_writable_target(self, target: Path) -> None:
        try:
            info = os.stat(target)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{self.out} is a folder; -o takes a file (or - for standard output)")
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "special file")
            raise OutputError(
                f"{self.out} is not a regular file ({kind}); refusing to write to or replace it "
                "(-o takes a regular file, or - for standard output)"
            )

    def _check_ours(self, *paths: Path) -> None:
        """Every existing file this run may replace must be empty or an extractor output."""
        for path in paths:
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
            if not stat.S_ISREG(info.st_mode):
                raise OutputError(f"{path} is not a regular file; refusing to replace it")
            if info.st_size == 0:
                continue
            try:
                with open(path, "rb") as handle:
                    head = handle.read(256)
            except OSError as exc:
                raise OutputError(f"cannot read {path}: {exc.strerror or exc}") from None
            if not _OURS.match(head):
                raise OutputError(
                    f"{path} exists and is not an extractor output; refusing to replace it (choose another -o)"
                )

    def _take_lock(self, target: Path) -> None:
        path = lock_path(target)
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise OutputError(
                    f"cannot write {self.out}: cannot create its lock file: {exc.strerror or exc}"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise OutputError(
                    f"another extractor run is writing {self.out} (it holds {path}); "
                    "wait for it to finish or choose another -o"
                ) from None
            # The run before may have removed the file after this one opened it: only a lock on the file
            # that is there now counts, else try again.
            try:
                held, there = os.fstat(fd), os.stat(path)
                same = (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd = fd
                return
            os.close(fd)

    def _os_open(self, path: Path, flags: int) -> int:
        try:
            return os.open(path, flags | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None

    def _open_append(self, target: Path) -> None:
        self._writing = target
        self._fd = self._os_open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    # --- resume ----------------------------------------------------------------------------------

    def _load(self, target: Path) -> ResumeIndex:
        """Index the finished lines of ``OUT`` (then ``OUT.partial``), and rewrite ``OUT`` with only those."""
        index = ResumeIndex(self.identity)
        sources = [path for path in (target, partial_path(target)) if path.exists()]
        chosen: dict[str, tuple[int, int]] = {}  # id -> (source number, line number) of the line kept
        needs_rewrite = partial_path(target) in sources
        for number, path in enumerate(sources):
            for line_no, raw in _lines(path):
                record = _parse(raw)
                if record is None:
                    index.dropped_torn += 1
                    needs_rewrite = True
                    continue
                article_id = record["id"]
                if record.get("status") != "ok":
                    needs_rewrite = True
                    if article_id not in index.kept:
                        index.failed.add(article_id)
                    continue
                if article_id in chosen:
                    needs_rewrite = True
                sha = record.get("text_sha256")
                index.kept[article_id] = (sha if isinstance(sha, str) else None, RunIdentity.of_line(record))
                claims = record.get("claims")
                index.claims[article_id] = len(claims) if isinstance(claims, list) else 0
                index.failed.discard(article_id)
                chosen[article_id] = (number, line_no)
        if needs_rewrite:
            keep = {place for place in chosen.values()}
            self._rewrite(target, sources, lambda number, line_no, _record: (number, line_no) in keep)
            if partial_path(target) in sources:
                os.unlink(partial_path(target))  # merged into OUT: it was ours (checked in open)
        return index

    def _rewrite(self, target: Path, sources: list[Path], keep: object) -> None:
        """Write the kept lines of ``sources`` to ``OUT.compact``, then rename it over ``OUT`` (atomic)."""
        compact = _compact_path(target)
        fd = self._os_open(compact, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW)
        try:
            with os.fdopen(fd, "wb", closefd=True) as handle:
                for number, path in enumerate(sources):
                    for line_no, raw in _lines(path):
                        if keep(number, line_no, raw):  # type: ignore[operator]
                            handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(compact, target)
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror or exc}") from None

    # --- writing and closing -------------------------------------------------------------------------

    def write(self, result: ArticleResult) -> None:
        data = (result.model_dump_json() + "\n").encode("utf-8")
        with self._write_lock:
            if self._stream is not None:
                self._stream.write(data)
                self._stream.flush()
            else:
                assert self._fd is not None
                os.write(self._fd, data)

    def note_superseded(self) -> None:
        """A line of the resumed output is redone: its old line must go at the end."""
        self.superseded += 1

    def finish(self) -> None:
        """The batch ended: put the new output in place (or compact a resumed one) and unlock."""
        try:
            if self.to_stdout:
                return
            self._close_fd(sync=True)
            target = self._target
            if not self.resume:
                rekey_file(partial_path(target), _compact_path(target))  # one key per speaker, batch-wide
                os.replace(partial_path(target), target)
            else:
                if self.superseded:
                    last = _last_line_numbers(target)
                    self._rewrite(target, [target], lambda _n, line_no, _raw: line_no in last)
                rekey_file(target, _compact_path(target))
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror or exc}") from None
        finally:
            self._release()

    def abort(self) -> None:
        """Stopped midway: what was written stays (``OUT.partial`` for a new run, ``OUT`` when resuming)."""
        self._close_fd(sync=False)
        self._release()

    @property
    def written_to(self) -> str:
        """Where finished lines are right now (for messages)."""
        return STDOUT if self.to_stdout else str(self._writing or self.out)

    def _close_fd(self, *, sync: bool) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)

    def _release(self) -> None:
        """Remove the lock file (still holding it, so no other run has it) and unlock."""
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            try:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock_path(self._target))
            finally:
                os.close(fd)


def _lines(path: Path) -> Iterable[tuple[int, bytes]]:
    with open(path, "rb") as handle:
        yield from enumerate(handle, start=1)


def _parse(raw: bytes) -> dict[str, object] | None:
    """A whole line holding an object with a string id, else None (a torn or foreign line)."""
    if not raw.endswith(b"\n"):
        return None
    try:
        record = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return None
    return record


def _last_line_numbers(path: Path) -> set[int]:
    """For each id, the number of its last line: a redone article's new line wins over its old one."""
    last: dict[str, int] = {}
    others: list[int] = []
    for line_no, raw in _lines(path):
        record = _parse(raw)
        if record is None:
            others.append(line_no)  # kept as found; the next resume drops a torn line
        else:
            last[str(record["id"])] = line_no
    return set(last.values()) | set(others)

