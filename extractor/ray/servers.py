"""The embedded model server on a cluster: one per node (a Ray actor pinned there), never one per actor.

``NodeServer`` owns the llama.cpp process of its node and restarts it if it dies;
``NodeServerHandle`` is that server as the pipeline in an actor supervises it.
"""

from __future__ import annotations

from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from extractor.config import ExtractorConfig
from extractor.local_model import endpoint_answers
from extractor.ray.cluster import NAMESPACE, RayEngineError


class NodeServer:
    """The embedded model server of one node (a Ray actor pinned there): starts it, restarts it, stops it."""

    def __init__(self, local_model: str, server_factory: Any = None) -> None:
        if server_factory is None:
            from extractor.local_model import LocalServer

            self.server = LocalServer(local_model).start()
        else:
            self.server = server_factory()
            self.server.start()

    def address(self) -> dict[str, Any]:
        return {
            "base_url": self.server.base_url,
            "model_name": self.server.model_name,
            "endpoint_label": getattr(self.server, "endpoint_label", None),
        }

    def restarts(self) -> int:
        return int(self.server.restarts)

    def alive(self) -> bool:
        return bool(self.server.alive())

    def ensure_running(self) -> bool:
        return bool(self.server.ensure_running())

    def stop(self) -> None:
        self.server.stop()


class NodeServerHandle:
    """A node's server as the pipeline in an actor supervises it (a ``ModelEndpoint``): calls to its actor."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        address = ray.get(actor.address.remote())
        self.base_url: str = address["base_url"]
        self.model_name: str = address["model_name"]
        self.endpoint_label: str | None = address["endpoint_label"]

    @property
    def restarts(self) -> int:
        return ray.get(self.actor.restarts.remote())

    def alive(self) -> bool:
        return ray.get(self.actor.alive.remote())

    def healthy(self) -> bool:
        return endpoint_answers(self.base_url)

    def ensure_running(self) -> bool:
        return ray.get(self.actor.ensure_running.remote())


def start_node_servers(config: ExtractorConfig, server_factory: Any = None) -> dict[str, Any]:
    """One ``NodeServer`` actor per alive node, by node id (owned by the caller: they stop with its job)."""
    remote = ray.remote(num_cpus=0, max_concurrency=4)(NodeServer)
    servers = {}
    for node in ray.nodes():
        if not node.get("Alive"):
            continue
        node_id = node["NodeID"]
        servers[node_id] = remote.options(
            name=f"extractor-server-{node_id}",
            namespace=NAMESPACE,
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
        ).remote(config.local_model, server_factory)
    # Start them all before any actor asks: a server that cannot start fails the run here.
    try:
        ray.get([server.address.remote() for server in servers.values()])
    except ray.exceptions.RayActorError as exc:
        raise RayEngineError(f"the embedded model server could not start on a node: {exc}") from None
    return servers
