"""Helpers for the service's tests: settings for an in-process app, and a real ``extractor serve`` child process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from extractor.config import ExtractorConfig
from extractor.service.settings import ServiceSettings

REPO = Path(__file__).resolve().parent.parent
EXTRACTOR = [sys.executable, "-m", "extractor.cli"]


def settings(tmp_path: Path, **fields: Any) -> ServiceSettings:
    """Service settings writing only under ``tmp_path``; ``extraction`` fields may be given as a dict."""
    extraction = {"strategy": "baseline", "cache_dir": tmp_path / "cache", **fields.pop("extraction", {})}
    return ServiceSettings(extraction=ExtractorConfig(**extraction), jobs_db=tmp_path / "jobs.sqlite3", **fields)


def write_keys(path: Path, *lines: str) -> Path:
    path.write_text("# test keys\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sample_articles(articles_dir: Path) -> list[dict[str, str]]:
    return [{"id": path.stem, "text": path.read_text(encoding="utf-8")} for path in sorted(articles_dir.glob("*.txt"))]


def wait_for_job(client: httpx.Client | Any, job_id: str, *, timeout_s: float = 60.0, **request: Any) -> dict:
    """Poll a job until it is done or cancelled; returns its last status."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/v1/jobs/{job_id}", **request).json()
        if job["state"] in ("done", "cancelled") and not job["counts"]["running"]:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} did not finish in {timeout_s}s: {job}")
        time.sleep(0.1)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class ServerProcess:
    """``extractor serve`` as a child process on a free loopback port (a context manager)."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.tmp_path = tmp_path
        self.args = [*EXTRACTOR, "serve", "--port", str(self.port), "--jobs-db", str(tmp_path / "jobs.sqlite3"),
                     "--cache-dir", str(tmp_path / "cache"), *args]  # fmt: skip
        self.env = _environment(env)
        self.log = tmp_path / f"server-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> ServerProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=REPO)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"server did not come up in {timeout_s}s:\n{self.output()}")

    def client(self, key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def terminate(self, timeout_s: float = 60.0) -> int:
        """SIGTERM, then the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()


def run_serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``extractor serve`` expected to exit at once (a refused invocation)."""
    return subprocess.run(
        [*EXTRACTOR, "serve", "--cache-dir", str(tmp_path / "cache"), *args],
        capture_output=True, text=True, env=_environment(env), cwd=REPO, timeout=120,
    )  # fmt: skip


def _environment(extra: dict[str, str] | None) -> dict[str, str]:
    """This process's environment without a keys file or endpoint of the developer's own, plus ``extra``."""
    environment = {
        name: value for name, value in os.environ.items()
        if name not in ("EXTRACTOR_API_KEYS_FILE", "OPENAI_BASE_URL", "OPENAI_API_KEY", "EXTRACTOR_CACHE_DIR")
    }  # fmt: skip
    return {**environment, **(extra or {})}


def lines_of(stream: Iterator[str]) -> list[dict]:
    return [json.loads(line) for line in stream if line.strip()]
