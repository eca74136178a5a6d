"""An OpenAI-compatible stand-in server on loopback, for fault-injection tests and benchmarks.

``FakeEndpoint`` answers ``POST /v1/chat/completions`` the way instructor expects
(a tool call in ``Mode.TOOLS``, JSON content in the JSON modes) with, by default,
the smallest instance of the requested schema, and ``GET /v1/models``. It can
sleep a fixed latency per request (each request in its own thread, so 64+
requests in flight really overlap) and inject faults by request number or by a
function of the request: HTTP error statuses with ``Retry-After``, connection
resets, responses slower than the client's timeout, and 200 answers whose
tool-call arguments are truncated, not JSON, or JSON that breaks the schema.

``FakeEndpointProcess`` runs one in a child process behind the same small
interface as ``extractor.local_model.LocalServer`` (``alive``,
``ensure_running``, ``restarts``), supervised by the same code
(``extractor.supervisor``), so a test can kill the "model server" with
SIGKILL mid-batch and watch the batch restart it. ``python -m
support.endpoint`` (from the repository root) serves one in the foreground.

A test double: it lives under ``tests/``, outside the package, so the wheel does
not ship it; the benchmarks import it too. The server itself is the standard
library: ``http.server.ThreadingHTTPServer`` with a deep listen backlog and
HTTP/1.1 keep-alive, which is what the openai client's connection pool expects.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from extractor.supervisor import Supervisor, free_port

FaultKind = Literal["status", "reset", "timeout", "slow", "truncated_json", "invalid_json", "schema_invalid"]
Respond = Callable[[dict[str, Any]], dict[str, Any]]
FaultPlan = Sequence["Fault | None"] | Callable[[int, dict[str, Any]], "Fault | None"]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = "fake-model"
# "timeout" with no delay given: hang until the endpoint stops (stop() wakes the sleeper).
_HANG_S = 3600.0
_CHAT_PATHS = {"/v1/chat/completions", "/chat/completions"}
_MODEL_PATHS = {"/v1/models", "/models"}


@dataclass(frozen=True)
class Fault:
    """One injected failure for one request.

    ``status``: answer HTTP ``status`` (with ``Retry-After: retry_after`` when set);
    ``reset``: close the connection without answering (TCP RST);
    ``timeout``: answer nothing for ``delay_s`` seconds (default: until stop), then close;
    ``slow``: answer normally after ``delay_s`` seconds;
    ``truncated_json`` / ``invalid_json`` / ``schema_invalid``: answer 200 with tool-call
    arguments cut in half, not JSON at all, or JSON that violates the requested schema.
    ``echo_auth`` makes a status fault's error message quote the request's Authorization
    header, as careless proxies do, so tests can check the key is redacted downstream.
    """

    kind: FaultKind
    status: int = 500
    retry_after: float | None = None
    delay_s: float = 0.0
    echo_auth: bool = False

    @property
    def label(self) -> str:
        return f"status {self.status}" if self.kind == "status" else self.kind


class FakeEndpoint:
    """A loopback OpenAI-compatible server with scripted latency and faults (a context manager).

    ``faults`` is either a sequence indexed by request number (0-based, counting chat
    completion requests only; ``None`` or past the end means answer normally) or a
    function ``(request_number, request_json) -> Fault | None``. ``respond`` builds the
    completion JSON for a normal answer (default: ``default_respond``).
    """

    def __init__(
        self,
        *,
        respond: Respond | None = None,
        latency_s: float = 0.0,
        faults: FaultPlan = (),
        port: int | None = None,
        model: str = DEFAULT_MODEL,
        history: int = 1000,
    ) -> None:
        self.respond: Respond = respond or default_respond
        self.latency_s = latency_s
        self.faults = faults
        self.model = model
        self.requests = 0
        self.injected: collections.Counter[str] = collections.Counter()
        # Last request bodies and headers, for tests that inspect prompts or credentials.
        self.received: collections.deque[dict[str, Any]] = collections.deque(maxlen=history)
        self.received_headers: collections.deque[dict[str, str]] = collections.deque(maxlen=history)
        # time.monotonic() at each request's arrival: the real gaps between a request and its retries.
        self.received_at: collections.deque[float] = collections.deque(maxlen=history)
        self.errors: list[str] = []
        self._port = port or 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeEndpoint is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeEndpoint:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), _Handler, self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-endpoint", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        # Idle keep-alive and hanging connections would otherwise outlive the server.
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def sleep(self, seconds: float) -> bool:
        """Sleep unless the endpoint is stopping; True when the full time passed."""
        return seconds <= 0 or not self._stopping.wait(seconds)

    def admit(self, request: dict[str, Any], headers: dict[str, str]) -> Fault | None:
        """Count a chat request and decide its fault."""
        with self._lock:
            number = self.requests
            self.requests += 1
            self.received.append(request)
            self.received_headers.append(headers)
            self.received_at.append(time.monotonic())
        if callable(self.faults):
            fault = self.faults(number, request)
        else:
            fault = self.faults[number] if number < len(self.faults) else None
        if fault is not None:
            with self._lock:
                self.injected[fault.label] += 1
        return fault

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when dozens of clients connect at once.
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], endpoint: FakeEndpoint) -> None:
        self.endpoint = endpoint
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out or hang up are part of the job; keep a note, print nothing.
        self.endpoint.errors.append(repr(sys.exc_info()[1]))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # Longer than httpx's 5 s keep-alive expiry, so the client always closes idle connections first.
    timeout = 60

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the body
        # until the client's delayed ACK, adding ~40 ms to every answer on a keep-alive connection.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.endpoint.track(self.connection, add=True)

    def finish(self) -> None:
        self.server.endpoint.track(self.connection, add=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path.rstrip("/")
        if path in _MODEL_PATHS:
            model = self.server.endpoint.model
            self._send_json(200, {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "fake"}]})
        elif path in {"", "/health"}:
            self._send_json(200, {"status": "ok"})
        else:
            self._send_json(404, _error_body(f"no route GET {path}", "not_found", 404))

    def do_POST(self) -> None:
        endpoint = self.server.endpoint
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path.rstrip("/")
        if path not in _CHAT_PATHS:
            self._send_json(404, _error_body(f"no route POST {path}", "not_found", 404))
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._send_json(400, _error_body("request body is not JSON", "invalid_request_error", 400))
            return
        fault = endpoint.admit(request, {k.lower(): v for k, v in self.headers.items()})
        if not endpoint.sleep(endpoint.latency_s):
            self._drop()
            return
        if fault is None:
            self._answer(request)
        elif fault.kind == "status":
            self._status_fault(fault)
        elif fault.kind == "reset":
            self._drop(reset=True)
        elif fault.kind == "timeout":
            endpoint.sleep(fault.delay_s or _HANG_S)
            self._drop()
        elif fault.kind == "slow":
            if endpoint.sleep(fault.delay_s):
                self._answer(request)
            else:
                self._drop()
        else:
            self._answer(request, corrupt=fault.kind)

    def _answer(self, request: dict[str, Any], corrupt: str | None = None) -> None:
        try:
            completion = self.server.endpoint.respond(request)
            if corrupt:
                completion = corrupt_completion(completion, request, corrupt)
        except Exception as exc:  # a broken test responder should read as a clear 500, not a hang
            self._send_json(500, _error_body(f"fake endpoint responder failed: {exc!r}", "server_error", 500))
            return
        self._send_json(200, completion)

    def _status_fault(self, fault: Fault) -> None:
        message = f"injected fault: HTTP {fault.status}"
        if fault.echo_auth:
            message += f" (request had Authorization: {self.headers.get('Authorization', '')})"
        headers = {} if fault.retry_after is None else {"Retry-After": _seconds(fault.retry_after)}
        self._send_json(fault.status, _error_body(message, "fake_fault", fault.status), headers)

    def _drop(self, *, reset: bool = False) -> None:
        """Close the connection without a response; with ``reset``, abortively (RST instead of FIN)."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (timed out) before the answer
            self.close_connection = True


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _error_body(message: str, kind: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


# --- building answers ---------------------------------------------------------------------------

_ids = itertools.count(1)


def request_schema(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema the client asked for: the first tool's parameters, or the response_format's schema."""
    tools = request.get("tools") or []
    if tools:
        return tools[0].get("function", {}).get("parameters") or {}
    response_format = request.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        return response_format.get("json_schema", {}).get("schema") or {}
    return {}


def prompt_text(request: dict[str, Any]) -> str:
    """All message text of a request, joined (content given as a string or as typed parts)."""
    parts: list[str] = []
    for message in request.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


def estimate_tokens(text: str) -> int:
    """About four characters a token: deterministic, good enough for budgets and benchmarks."""
    return max(1, math.ceil(len(text) / 4))


def completion(request: dict[str, Any], arguments: Any, *, finish_reason: str = "stop") -> dict[str, Any]:
    """A chat completion carrying ``arguments`` (a JSON-able value, or a raw string sent as is).

    With tools in the request the arguments go in a tool call (instructor ``Mode.TOOLS``);
    otherwise they are the message content (``Mode.JSON`` / ``Mode.JSON_SCHEMA``).
    """
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    number = next(_ids)
    message: dict[str, Any] = {"role": "assistant", "content": None}
    tools = request.get("tools") or []
    if tools:
        choice = request.get("tool_choice")
        name = (
            choice["function"]["name"] if isinstance(choice, dict) and "function" in choice
            else tools[0]["function"]["name"]
        )
        message["tool_calls"] = [
            {"id": f"call_{number}", "type": "function", "function": {"name": name, "arguments": text}}
        ]
    else:
        message["content"] = text
    prompt_tokens = estimate_tokens(prompt_text(request))
    completion_tokens = estimate_tokens(text)
    return {
        "id": f"chatcmpl-fake-{number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model") or DEFAULT_MODEL,
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": message, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def default_respond(request: dict[str, Any]) -> dict[str, Any]:
    """A valid answer: the smallest instance of the requested schema."""
    return completion(request, minimal_instance(request_schema(request)))


def delimited_block(text: str, start: str = "<<<ARTICLE", end: str = "ARTICLE>>>") -> str | None:
    """The text between the first ``start`` marker and the last ``end`` marker, or None."""
    first = text.find(start)
    last = text.rfind(end)
    if first < 0 or last < first:
        return None
    return text[first + len(start) : last]


_NUMBERED = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
_REPORTING = re.compile(r"\b(said|says|told|denied|denies|insisted|claimed|according to|announced)\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_NOT_NAMES = frozenset({
    "A", "An", "And", "As", "At", "But", "By", "For", "He", "Her", "His", "If", "In", "It", "Its", "Last",
    "On", "She", "So", "The", "Their", "They", "This", "We", "When", "While",
})


def reporting_responder(request: dict[str, Any]) -> dict[str, Any]:
    """A deterministic stand-in model for the numbered-sentence prompts (``whole_article``).

    For each numbered sentence ``[n] …`` inside the ``<<<ARTICLE … ARTICLE>>>`` block
    that holds a reporting verb, it claims the sentence for the first capitalised
    name in it. Answers depend only on the article, so runs are comparable; the
    sentence numbers respect the schema's bounds. Other schemas get
    ``default_respond``.
    """
    schema = request_schema(request)
    item = _resolve((schema.get("properties") or {}).get("claims", {}).get("items") or {}, schema)
    block = delimited_block(prompt_text(request))
    if "sentence" not in (item.get("properties") or {}) or block is None:
        return default_respond(request)
    bounds = _resolve(item["properties"]["sentence"], schema)
    low, high = bounds.get("minimum", 1), bounds.get("maximum", 10**9)
    limit = (schema["properties"]["claims"]).get("maxItems", 40)
    claims = []
    for match in _NUMBERED.finditer(block):
        number, sentence = int(match.group(1)), match.group(2)
        verb = _REPORTING.search(sentence)
        names = [n for n in _NAME.findall(sentence) if n not in _NOT_NAMES]
        if not (low <= number <= high and verb and names) or len(claims) >= limit:
            continue
        claims.append({
            "sentence": number, "claimant": names[0][:80],
            "stance": "denies" if verb.group(1).startswith("den") else "asserts", "claim": sentence[:300],
        })
    return completion(request, {"claims": claims})


def scripted_responder(*answers: Any) -> Respond:
    """A stand-in model that gives the n-th chat request the n-th scripted answer.

    Each answer is the tool-call arguments (a JSON-able value), or a function of the
    request returning them, for answers that depend on what the prompt shows (the
    numbers of a names list). A request past the end of the script fails with a
    500 naming the script's length, so an unexpected extra call cannot pass unseen.
    """
    script = list(answers)
    lock = threading.Lock()
    served = itertools.count()

    def respond(request: dict[str, Any]) -> dict[str, Any]:
        with lock:
            number = next(served)
        if number >= len(script):
            raise AssertionError(f"request {number + 1} but the script has {len(script)} answer(s)")
        answer = script[number]
        return completion(request, answer(request) if callable(answer) else answer)

    return respond


def listed_names(request: dict[str, Any]) -> dict[str, int]:
    """The names list of a guided prompt's data block, as ``{name: number}`` (examples excluded)."""
    block = delimited_block(prompt_text(request), "<<<DATA", "DATA>>>") or ""
    listing = block.split("Names in the article:", 1)[-1].split("\n\n", 1)[0]
    return {m.group(2): int(m.group(1)) for m in re.finditer(r"^(\d+)\. (.+)$", listing, re.MULTILINE)}


def arguments_of(completion_json: dict[str, Any]) -> str:
    """The tool-call arguments (or content) string of a completion."""
    message = completion_json["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    return calls[0]["function"]["arguments"] if calls else message.get("content") or ""


def corrupt_completion(completion_json: dict[str, Any], request: dict[str, Any], kind: str) -> dict[str, Any]:
    """Break a completion's arguments: ``truncated_json``, ``invalid_json`` or ``schema_invalid``."""
    original = arguments_of(completion_json)
    if kind == "truncated_json":
        broken = original[: max(1, len(original) // 2)]
        if broken == original:  # "{}" halves to "{", but a one-character answer needs a cut too
            broken = original + '{"'
    elif kind == "invalid_json":
        broken = "Sure! Here are the claims you asked for: {claims: [oops"
    elif kind == "schema_invalid":
        broken = json.dumps(schema_violation(request_schema(request)))
    else:
        raise ValueError(f"unknown corruption {kind!r}")
    return completion(request, broken)


def schema_violation(schema: dict[str, Any]) -> Any:
    """Well-formed JSON that fails ``schema``: a required or first property of the wrong type, plus a stray key."""
    schema = _resolve(schema, schema)
    properties = schema.get("properties") or {}
    if not properties:
        return ["not", "an", "object"]
    value = minimal_instance(schema)
    if not isinstance(value, dict):
        return ["not", "an", "object"]
    name = (schema.get("required") or list(properties))[0]
    target = _resolve(properties[name], schema)
    value[name] = {"wrong": "type"} if _types(target) & {"array", "string", "integer", "number", "boolean"} else 12345
    value["__unexpected_field__"] = True
    return value


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """The smallest value valid against a (pydantic-generated) JSON schema.

    Handles ``$ref``/``$defs``, ``anyOf``/``oneOf`` (null when allowed, else the first
    choice), ``allOf``, ``const``/``enum`` (the first value), objects (required
    properties only), arrays (``minItems`` items), numbers (``minimum`` /
    ``exclusiveMinimum``), strings (``minLength`` within ``maxLength``) and booleans.
    """
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf"):
        options = schema.get(combinator)
        if options:
            resolved = [_resolve(option, root) for option in options]
            if any("null" in _types(option) for option in resolved):
                return None
            return minimal_instance(resolved[0], root)
    if schema.get("allOf"):
        return minimal_instance(schema["allOf"][0], root)
    types = _types(schema)
    if "null" in types:
        return None
    if "object" in types or ("properties" in schema and not types):
        properties = schema.get("properties") or {}
        return {name: minimal_instance(properties.get(name, {}), root) for name in schema.get("required") or []}
    if "array" in types:
        count = int(schema.get("minItems") or 0)
        prefix = schema.get("prefixItems") or []
        items = [minimal_instance(item, root) for item in prefix[:count]]
        items += [minimal_instance(schema.get("items") or {}, root) for _ in range(count - len(items))]
        return items
    if "integer" in types or "number" in types:
        return _minimal_number(schema, integer="integer" in types)
    if "string" in types:
        return _minimal_string(schema)
    if "boolean" in types:
        return False
    return None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 50:
        seen += 1
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        # Sibling keywords of $ref (pydantic puts description/default there) do not change the minimum.
        schema = target
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return set(kind)
    return {kind} if isinstance(kind, str) else set()


def _minimal_number(schema: dict[str, Any], *, integer: bool) -> int | float:
    step = 1 if integer else 0.5
    low: float | None = None
    if "minimum" in schema:
        low = schema["minimum"]
    if "exclusiveMinimum" in schema:
        exclusive = schema["exclusiveMinimum"]
        low = max(low, exclusive + step) if low is not None else exclusive + step
    if low is None:
        high = schema.get("maximum")
        if "exclusiveMaximum" in schema:
            high = schema["exclusiveMaximum"] - step if high is None else min(high, schema["exclusiveMaximum"] - step)
        low = 0 if high is None or high >= 0 else high
    return math.ceil(low) if integer else float(low)


def _minimal_string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return "2024-01-01"
    if fmt == "date-time":
        return "2024-01-01T00:00:00Z"
    length = max(1, int(schema.get("minLength") or 0))
    if "maxLength" in schema:
        length = min(length, int(schema["maxLength"]))
    return "x" * length


# --- a stand-in for the embedded model server process -------------------------------------------


class FakeEndpointProcess(Supervisor):
    """A FakeEndpoint in a child process: an ``extractor.supervisor.Supervisor``, as ``LocalServer`` uses.

    ``kill()`` sends SIGKILL (a crash: in-flight requests see their connections drop);
    ``ensure_running()`` starts a new process on the same port so clients keep their
    base URL; ``alive()``, ``healthy()`` and ``restarts`` are what the pipeline asks of
    an embedded server. The child serves default answers with ``latency_s`` per request.
    """

    def __init__(self, *, latency_s: float = 0.0, port: int | None = None, startup_timeout_s: float = 30.0) -> None:
        self.latency_s = latency_s
        self.port = port or free_port()
        command = [
            sys.executable, "-m", "support.endpoint", "--port", str(self.port), "--latency", str(latency_s),
        ]  # fmt: skip
        super().__init__(
            command,
            ready_url=f"{self.base_url}/models",
            name="fake endpoint process",
            startup_timeout_s=startup_timeout_s,
            env=child_env(),
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return DEFAULT_MODEL


def child_env() -> dict[str, str]:
    """This environment, with the repository root on ``PYTHONPATH`` so a child finds ``support``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a FakeEndpoint in the foreground until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m support.endpoint", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each chat request takes")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="model name /v1/models reports")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with FakeEndpoint(latency_s=args.latency, port=args.port or None, model=args.model) as endpoint:
        print(endpoint.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
