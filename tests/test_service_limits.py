"""The service's keys file parser and its sliding-window rate limiter, on their own (time is simulated)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from extractor.errors import ConfigError
from extractor.service import limits
from extractor.service.auth import KeyRing, digest
from extractor.service.limits import RateLimiter
from extractor.service.settings import parse_rate
from tests.service_helpers import write_keys


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(limits.time, "monotonic", fake)
    return fake


def test_a_key_gets_its_rate_then_waits_for_the_window(clock: Clock, tmp_path: Path) -> None:
    ring = KeyRing.load(write_keys(tmp_path / "keys", "k" * 16 + " name=a rate=3/minute", "j" * 16 + " name=b"))
    limiter = RateLimiter("100/minute")
    a, b = ring.keys
    assert [limiter.hit(a) for _ in range(3)] == [None, None, None]
    clock.now += 20
    assert limiter.hit(a) == 40, "full: wait for the next window"
    assert limiter.hit(b) is None, "another key is counted apart, at the server's rate"
    clock.now += 40  # a new window: last window's 3 requests still weigh in, fading
    assert limiter.hit(a) is not None
    clock.now += 25  # 25 s into the window: 3 x 35/60 = 1.75 of last window's weight is left
    assert limiter.hit(a) is None
    assert limiter.hit(a) is not None
    clock.now += 120  # two windows on (25 s into the current one): nothing weighs any more
    assert [limiter.hit(a) for _ in range(4)] == [None, None, None, 35]


@pytest.mark.parametrize("text", ["lots", "0/minute", "5/fortnight", "5 per minute", ""])
def test_a_bad_rate_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="120/minute"):
        parse_rate(text)


def test_the_keys_file_skips_comments_and_blanks_and_holds_only_digests(tmp_path: Path) -> None:
    lines = ("   ", "# a comment", "abcdefghijklmnop", "qrstuvwxyz012345 routes=eval tokens=5")
    path = write_keys(tmp_path / "keys", *lines)
    ring = KeyRing.load(path)
    first, second = ring.keys
    assert first.name == f"key-{digest('abcdefghijklmnop').hex()[:8]}" and first.routes == {"extract", "jobs", "eval"}
    assert second.routes == {"eval"} and second.tokens == 5
    assert "abcdefghijklmnop" not in repr(ring.keys)
    assert ring.check("abcdefghijklmnop") is first and ring.check("abcdefghijklmnoq") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("short", "at least 16"),
        ("abcdefghijklmnop routes=admin", "routes="),
        ("abcdefghijklmnop colour=red", "word 2 is not a setting"),
        ("abcdefghijklmnop 0123456789abcdef0123456789abcdef", "one key per line"),
        ("abcdefghijklmnop name=newsroom 0123456789abcdef0123456789abcdef", "word 3 is not a setting"),
        ("abcdefghijklmnop rate=fast-secretish", "rate="),
        ("abcdefghijklmnop routes=eval,admin-secretish", "routes="),
        ("abcdefghijklmnop tokens=-1", "tokens="),
    ],
)
def test_a_bad_keys_line_names_its_line_never_its_content(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        KeyRing.load(write_keys(tmp_path / "keys", line))
    assert "line 3: " in str(caught.value)
    said = str(caught.value).split("line 3: ", 1)[1]  # what follows the file's path and line number
    for word in line.split():  # neither the key nor a second key pasted on its line, nor any setting's value
        assert word.partition("=")[2 if "=" in word else 0] not in said


def test_a_keys_file_that_is_a_fifo_or_a_folder_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "keys.fifo"
    os.mkfifo(fifo)  # nobody writes to it: reading it would block forever
    for path in (fifo, tmp_path):
        outcome: list[BaseException | None] = []

        def load(path: Path = path, outcome: list[BaseException | None] = outcome) -> None:
            try:
                KeyRing.load(path)
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

        reader = threading.Thread(target=load, daemon=True)  # a hang is a failure here, not a stuck suite
        reader.start()
        reader.join(5)
        assert outcome, f"reading {path.name} hung"
        assert isinstance(outcome[0], ConfigError) and "cannot read it" in str(outcome[0])
