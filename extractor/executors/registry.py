"""Engines by name: ``local`` and ``processes`` built in, ``ray`` and plugins loaded by reference.

An engine is an ``ExecutorFactory``. A package adds one the way it adds a strategy, with an
entry point (group ``extractor.engines``) naming its factory::

    [project.entry-points."extractor.engines"]
    dask = "my_package.engine:DaskExecutor.for_extractor"

or from code with ``register_engine``. The Ray engine sits above the library's front door
(its actors each hold an ``Extractor``), so it is named here by reference and imported only
when asked for, exactly as a plugin's is; Ray stays an optional extra.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import threading
from typing import TYPE_CHECKING

from extractor.errors import ConfigError
from extractor.executors.threads import ThreadExecutor

if TYPE_CHECKING:
    from extractor.executors.base import Executor, ExecutorFactory, ExecutorHost

ENTRY_POINT_GROUP = "extractor.engines"


def _processes(extractor: ExecutorHost, *, workers: int, threads: int) -> Executor:
    """The ``processes`` engine: ``workers`` twins of ``extractor`` in worker processes, sharing its token
    budget and its embedded model server (the parent connects first: it starts the one server)."""
    from extractor.workers import WorkerPool

    extractor.pipeline()
    pool = WorkerPool(
        extractor.replica_factory(), workers=workers, threads=threads, server=extractor.model_server,
        budget=extractor.token_budget,
    )  # fmt: skip
    return pool.start()


BUILTIN_ENGINES: dict[str, ExecutorFactory | str] = {
    "local": ThreadExecutor.for_extractor,
    "processes": _processes,
    "ray": "extractor.ray.executor:RayExecutor.for_extractor",
}
_registered: dict[str, ExecutorFactory] = {}
_lock = threading.Lock()


def register_engine(name: str, factory: ExecutorFactory, *, replace: bool = False) -> None:
    """Make ``factory`` the engine called ``name``; a taken name needs ``replace=True``."""
    if not name or not name.strip():
        raise ConfigError("an engine needs a non-empty name")
    with _lock:
        if not replace and (name in _registered or name in BUILTIN_ENGINES):
            raise ConfigError(f"engine {name!r} is already registered (pass replace=True to replace it)")
        _registered[name] = factory


def available_engines() -> tuple[str, ...]:
    """Every name ``get_engine`` accepts: built-ins first, then plugins and registrations."""
    plugins = {entry.name for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    with _lock:
        extra = (set(_registered) | plugins) - set(BUILTIN_ENGINES)
    return tuple(BUILTIN_ENGINES) + tuple(sorted(extra))


def get_engine(name: str) -> ExecutorFactory:
    """The factory of the engine called ``name``; an unknown or broken one is a ``ConfigError``."""
    with _lock:
        if name in _registered:
            return _registered[name]
    found: ExecutorFactory | str | None = BUILTIN_ENGINES.get(name)
    if found is None:
        entry = next((e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if e.name == name), None)
        if entry is None:
            raise ConfigError(f"unknown engine {name!r}; choose one of {', '.join(available_engines())}")
        found = entry.value
    if not isinstance(found, str):
        return found
    try:
        return _load(found)
    except ImportError as exc:
        raise ConfigError(f"engine {name!r} needs a package that is not installed: {exc}") from None
    except Exception as exc:  # a broken plugin must say which one, not crash with its traceback
        raise ConfigError(f"engine {name!r} ({found}) cannot be loaded: {type(exc).__name__}: {exc}") from exc


def _load(reference: str) -> ExecutorFactory:
    """``module:attr.attr`` -> the object (the form of an entry point's value)."""
    module_name, _, attribute = reference.partition(":")
    found: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    return found  # type: ignore[return-value]
