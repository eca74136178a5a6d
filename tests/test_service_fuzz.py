"""Property-based API testing: schemathesis fuzzes the running server against its own /openapi.json.

Bounded so it stays well under a minute here: a fixed seed, a few examples per operation,
one worker; the stateful phase follows the schema's links (submit a job, read it, its
results, cancel it). Checks: no 5xx, and status codes, content types, headers and bodies
as the schema documents them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.service_helpers import ServerProcess, write_keys

KEY = "fuzz-key-0123456789abcdef"
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)


def test_the_running_server_conforms_to_its_openapi_schema(tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.txt", f"{KEY} name=fuzz")
    args = ("--strategy", "baseline", "--rate-limit", "100000/minute", "--max-body-bytes", "65536")
    with ServerProcess(tmp_path, *args, env={"EXTRACTOR_API_KEYS_FILE": str(keys)}) as server:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{server.base_url}/openapi.json",
             "-H", f"Authorization: Bearer {KEY}", "--checks", CHECKS, "--max-examples", "20", "--seed", "20261129",
             "--workers", "1", "--request-timeout", "60", "--phases", "examples,coverage,fuzzing,stateful"],
            capture_output=True, text=True, cwd=tmp_path, timeout=300,
        )  # fmt: skip
        server_log = server.output()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Tested: 9" in run.stdout, run.stdout[-3000:]
    assert "Traceback" not in server_log, server_log[-3000:]
