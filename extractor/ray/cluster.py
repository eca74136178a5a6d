"""The Ray cluster this process uses: joined at an address, or a local instance started here; its size."""

from __future__ import annotations

from typing import Any

import ray

from extractor.errors import ExtractorError

NAMESPACE = "extractor"


class RayEngineError(ExtractorError, RuntimeError):
    """Ray could not be started or reached, or its actors could not start."""


def connect(address: str | None, *, num_cpus: int | None = None) -> None:
    """Join the cluster at ``address`` ("auto": the one this machine belongs to), or start a local instance."""
    if ray.is_initialized():
        return
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


def cluster_cpus() -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
