"""The Ray cluster this process uses: joined at an address, or a local instance started here; its size."""

from __future__ import annotations

import socket
import urllib.parse
from typing import Any

import ray

from extractor.errors import ExtractorError

NAMESPACE = "extractor"


class RayEngineError(ExtractorError, RuntimeError):
    """Ray could not be started or reached, or its actors could not start."""


# Seconds to wait for a cluster address to accept a connection: ray.init itself retries an address
# where nothing listens for many minutes.
REACH_TIMEOUT_S = 10.0


def connect(address: str | None, *, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address`` ("auto": the one this machine belongs to), or start a local instance.

    An address where nothing accepts a connection within ``REACH_TIMEOUT_S`` is a
    ``RayEngineError`` at once, never a hang.
    """
    if ray.is_initialized():
        return
    if address:
        _check_reachable(address)
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "namespace": NAMESPACE}
    if address:
        options["address"] = address
    else:
        from extractor.config import usable_cores

        options["num_cpus"] = num_cpus or usable_cores()
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise RayEngineError(f"cannot start or reach {where}: {str(exc).splitlines()[0]}") from None


def _check_reachable(address: str) -> None:
    """A ``host:port`` (or ``ray://host:port``) address must accept a TCP connection within ``REACH_TIMEOUT_S``."""
    if address in ("auto", "local"):
        return
    parts = urllib.parse.urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        raise RayEngineError(f"cannot reach the Ray cluster at {address}: not host:port") from None
    if not parts.hostname or port is None:
        return  # no port to probe: ray.init decides
    try:
        with socket.create_connection((parts.hostname, port), timeout=REACH_TIMEOUT_S):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise RayEngineError(
            f"cannot reach the Ray cluster at {address}: nothing answers on {parts.hostname}:{port} ({reason})"
        ) from None


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
