"""Recording practice for HTTP cassettes: scrubbed headers, readable JSON bodies, body-exact matching.

Cassettes are recorded from the real embedded server (``make record``) on a fixed
loopback address, and replayed in CI with record mode ``none`` and the network
blocked. Requests match on method, path and the JSON body, so a changed prompt,
schema or model fails with a message to re-record instead of replaying a stale
answer. Bodies are stored as parsed JSON so a reviewer can read them.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

RECORDING_PORT = 8765
RECORDING_BASE_URL = f"http://127.0.0.1:{RECORDING_PORT}/v1"
SECRET_HEADERS = (
    "authorization",
    "cookie",
    "set-cookie",
    "openai-organization",
    "openai-project",
    "x-api-key",
    "api-key",
)
RERECORD_HINT = (
    "request body differs from the recorded one (a prompt, schema, model or article changed): "
    "re-record the cassettes with `make record`"
)


def request_body_changed__rerecord_cassettes_with_make_record(recorded: Any, live: Any) -> None:
    """vcrpy matcher: bodies equal as JSON (key order and whitespace ignored)."""
    if _as_json(recorded.body) != _as_json(live.body):
        raise AssertionError(RERECORD_HINT)


def is_playback_failure(error: str) -> bool:
    """True when an article's error says its request matched no recorded one (vcrpy could not play it back)."""
    matcher = request_body_changed__rerecord_cassettes_with_make_record.__name__
    return "Can't play back this request" in error or matcher in error


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """Drop secret-bearing and volatile response headers before a cassette is written."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in SECRET_HEADERS or name.lower() in {
            "date",
            "x-request-id",
            "content-length",
            "transfer-encoding",
        }:
            del headers[name]
    return response


def _as_json(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


class ReadableJsonSerializer:
    """YAML cassettes whose JSON bodies are stored parsed (readable, diffable), restored on load."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        for interaction in cassette.get("interactions", []):
            request = interaction["request"]
            request["body"] = _readable(request.get("body"))
            response_body = interaction["response"].get("body", {})
            response_body["string"] = _readable(response_body.get("string"))
        return yaml.safe_dump(cassette, sort_keys=False, allow_unicode=True, width=120)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        cassette = yaml.safe_load(text)
        for interaction in cassette.get("interactions", []):
            request = interaction["request"]
            request["body"] = _restored(request.get("body"))
            response_body = interaction["response"].get("body", {})
            response_body["string"] = _restored(response_body.get("string"))
        return cassette


def _readable(body: Any) -> Any:
    parsed = _as_json(body)
    if isinstance(parsed, dict | list):
        return {"json": parsed}
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    return body


def _restored(body: Any) -> Any:
    if isinstance(body, dict) and set(body) == {"json"}:
        return json.dumps(body["json"]).encode("utf-8")
    return body


def replay_only(cassette_path: str) -> Any:
    """A context manager replaying one existing cassette with record mode ``none``."""
    import vcr

    player = vcr.VCR(
        serializer="yaml",
        match_on=["method", "path", "json_body"],
        record_mode="none",
        filter_headers=list(SECRET_HEADERS),
        before_record_response=scrub_response,
    )
    player.register_matcher("json_body", request_body_changed__rerecord_cassettes_with_make_record)
    player.register_serializer("yaml", ReadableJsonSerializer)
    return player.use_cassette(cassette_path)
