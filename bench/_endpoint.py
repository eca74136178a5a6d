"""The benchmark endpoint: the test suite's ``support.endpoint.FakeEndpoint`` with answers for both clients.

``dual_responder`` answers each client in the format it parses: a request with
``tools`` (our tool, instructor ``Mode.TOOLS``) gets ``reporting_responder``'s
tool call (one claim per numbered sentence with a reporting verb); a request
without (LangExtract) gets JSON ``message.content`` in LangExtract's format,
``{"extractions": [{"claim": …, "claim_attributes": {…}}]}``, one extraction per
sentence of the chunk with a reporting verb. Both do comparable work per article.

``EndpointProcess`` serves a FakeEndpoint in a child process (``python
bench/_endpoint.py``), so that the server's own CPU time (HTTP parsing, JSON,
one thread per connection) is not charged to the client being measured, as
with a real remote endpoint. ``endpoint(in_process=True)`` gives the plain
in-process FakeEndpoint instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _common  # noqa: F401 - first: puts the repository root on sys.path, where support lives

from extractor.supervisor import Supervisor, free_port
from support.endpoint import (
    FakeEndpoint,
    completion,
    default_respond,
    prompt_text,
    reporting_responder,
)

RESPONDERS = ("dual", "default")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’']))\s+|\n+")
_REPORTING = re.compile(r"\b(said|says|told|denied|denies|insisted|claimed|according to|announced)\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def langextract_responder(request: dict[str, Any]) -> dict[str, Any]:
    """LangExtract's JSON answer for the chunk after its last ``Q:`` (one extraction per reporting sentence)."""
    text = prompt_text(request)
    start = text.rfind("\nQ: ")
    chunk = text[start + 4 :] if start >= 0 else text
    end = chunk.rfind("\nA:")
    chunk = chunk[:end] if end >= 0 else chunk
    extractions = []
    for sentence in _SENTENCE_END.split(chunk):
        sentence = sentence.strip()
        verb = _REPORTING.search(sentence)
        names = [n for n in _NAME.findall(sentence) if len(n) > 2]
        if not (verb and names):
            continue
        extractions.append({
            "claim": sentence,
            "claim_attributes": {
                "claimant": names[0], "stance": "denies" if verb.group(1).startswith("den") else "asserts",
                "claim": sentence[:300],
            },
        })
    return completion(request, {"extractions": extractions})


def dual_responder(request: dict[str, Any]) -> dict[str, Any]:
    """Tool-call answers for instructor, JSON content for LangExtract."""
    if request.get("tools"):
        return reporting_responder(request)
    return langextract_responder(request)


def responder(name: str) -> Any:
    return {"dual": dual_responder, "default": default_respond}[name]


class EndpointProcess(Supervisor):
    """A FakeEndpoint with a benchmark responder in a child process, supervised as the model server is."""

    def __init__(self, *, latency_s: float, responder: str = "dual", startup_timeout_s: float = 30.0) -> None:
        self.port = free_port()
        command = [
            sys.executable, str(Path(__file__).resolve()), "--port", str(self.port),
            "--latency", str(latency_s), "--responder", responder,
        ]  # fmt: skip
        super().__init__(
            command, ready_url=f"{self.base_url}/models", name="benchmark endpoint", startup_timeout_s=startup_timeout_s
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def cpu_seconds(self) -> float:
        """CPU time the endpoint process has used so far (user + system), from /proc."""
        if self.pid is None:
            return float("nan")
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def endpoint(*, latency_s: float, responder_name: str = "dual", in_process: bool = False) -> Iterator[Any]:
    """An object with ``base_url``: the endpoint in a child process (default) or in this one."""
    if in_process:
        with FakeEndpoint(respond=responder(responder_name), latency_s=latency_s) as served:
            yield served
    else:
        with EndpointProcess(latency_s=latency_s, responder=responder_name) as served:
            yield served


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the benchmark endpoint until SIGTERM.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--responder", choices=RESPONDERS, default="dual")
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    served = FakeEndpoint(respond=responder(args.responder), latency_s=args.latency, port=args.port)
    with served, contextlib.suppress(KeyboardInterrupt):
        stop.wait()


if __name__ == "__main__":
    main()

