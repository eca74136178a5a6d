"""Cache keys cover everything that changes an answer and nothing secret; the store persists."""

from __future__ import annotations

from pathlib import Path

from extractor.cache import ResponseCache, cache_key
from extractor.llm import LLMSettings

BASE = {
    "endpoint": "http://x/v1",
    "model": "m",
    "mode": "tools",
    "prompt_version": "p@1",
    "schema": {"a": 1},
    "messages": [{"role": "user", "content": "article"}],
    "decoding": {"temperature": 0.0, "max_tokens": 10},
}


def test_key_is_canonical_and_tagged() -> None:
    reordered = dict(reversed(list(BASE.items())))
    assert cache_key(BASE) == cache_key(reordered)
    assert cache_key(BASE).startswith("sha256:") and len(cache_key(BASE)) == 7 + 64


def test_key_changes_with_every_part_that_changes_the_answer() -> None:
    changes = {
        "endpoint": "http://y/v1",
        "model": "m2",
        "mode": "json_schema",
        "prompt_version": "p@2",
        "schema": {"a": 2},
        "messages": [{"role": "user", "content": "other article"}],
        "decoding": {"temperature": 0.5, "max_tokens": 10},
    }
    keys = {cache_key({**BASE, name: value}) for name, value in changes.items()}
    assert len(keys) == len(changes) and cache_key(BASE) not in keys


def test_api_key_is_not_part_of_identity_or_repr() -> None:
    settings = LLMSettings(model="m", base_url="http://x/v1", api_key="sk-secret-123456789")
    assert "sk-secret" not in repr(settings)


def test_store_round_trip_stats_and_clear(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    key = cache_key(BASE)
    assert cache.get(key) is None
    cache.set(key, {"claims": []})
    cache.close()
    reopened = ResponseCache(tmp_path)
    assert reopened.get(key) == {"claims": []}
    stats = reopened.stats()
    assert stats.entries == 1 and stats.hits >= 1
    assert reopened.clear() == 1 and reopened.get(key) is None


def test_embedded_server_answers_stay_cached_across_runs_on_new_ports() -> None:
    from extractor.local_model import DEFAULT_LOCAL_MODEL, LocalServer

    first, second = LocalServer(DEFAULT_LOCAL_MODEL, port=41001), LocalServer(DEFAULT_LOCAL_MODEL, port=41002)
    assert first.base_url != second.base_url
    settings = [
        LLMSettings(model=s.model_name, base_url=s.base_url, endpoint_label=s.endpoint_label) for s in (first, second)
    ]
    assert settings[0].endpoint == settings[1].endpoint
    keys = {cache_key({**BASE, "endpoint": one.endpoint}) for one in settings}
    assert len(keys) == 1
