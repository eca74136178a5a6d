"""The one process supervisor behind the embedded model server and the fake endpoint process.

Each test supervises a small HTTP server script written to ``tmp_path`` (standard library
only), so nothing here needs a model: start waits for the ready URL, a child that exits or
never answers is a clear ``ProcessStartError``, stop takes the whole process group (SIGKILL
when SIGTERM is ignored), a killed child restarts on the same URL, and no child outlives
its parent, even a child first started by a worker thread that has since ended.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extractor.errors import LocalModelError, ProcessStartError
from extractor.local_model import LocalServer
from extractor.supervisor import Supervisor, free_port

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import http.server, json, os, signal, subprocess, sys, time
port, pids = int(sys.argv[1]), sys.argv[2]
flags = sys.argv[3:]
if "--ignore-term" in flags:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if "--exit" in flags:
    print("child: refusing to start", file=sys.stderr, flush=True)
    sys.exit(3)
grandchild = None
if "--grandchild" in flags:
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"]).pid
with open(pids, "w") as out:
    json.dump({"pid": os.getpid(), "grandchild": grandchild}, out)
if "--never-ready" in flags:
    time.sleep(300)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def _child(tmp_path: Path, *flags: str, port: int | None = None) -> tuple[list[str], str, Path]:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    port = port or free_port()
    pids = tmp_path / f"pids-{port}.json"
    return [sys.executable, str(script), str(port), str(pids), *flags], f"http://127.0.0.1:{port}/ready", pids


def _pids(path: Path) -> dict[str, int | None]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            time.sleep(0.02)
    raise AssertionError(f"the child never wrote {path}")


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _running(pid):
            return True
        time.sleep(0.05)
    return False


def test_start_waits_for_the_ready_url_and_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    command, url, pids_file = _child(tmp_path, "--grandchild")
    with Supervisor(command, ready_url=url, name="test child") as supervisor:
        assert supervisor.healthy() and supervisor.alive()
        pids = _pids(pids_file)
        assert supervisor.pid == pids["pid"]
        assert pids["grandchild"] is not None and _running(pids["grandchild"])
    assert not supervisor.alive() and supervisor.pid is None
    assert _gone_within(pids["pid"], 5)
    assert _gone_within(pids["grandchild"], 5), "the child's own children go with it"


def test_a_child_that_exits_while_starting_is_an_error_with_its_exit_code(tmp_path: Path) -> None:
    command, url, _ = _child(tmp_path, "--exit")
    log = tmp_path / "logs" / "child.log"
    supervisor = Supervisor(command, ready_url=url, name="test child", output=log)
    with pytest.raises(ProcessStartError, match="test child exited with code 3 while starting") as raised:
        supervisor.start()
    assert raised.value.exit_code == 3
    assert not supervisor.alive()
    assert "refusing to start" in log.read_text(encoding="utf-8"), "stdout and stderr go to the output file"


def test_a_child_that_never_answers_times_out_and_is_stopped(tmp_path: Path) -> None:
    command, url, pids_file = _child(tmp_path, "--never-ready")
    supervisor = Supervisor(command, ready_url=url, name="test child", startup_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(ProcessStartError, match=r"did not answer at .* within 1s") as raised:
        supervisor.start()
    assert raised.value.exit_code is None
    assert time.monotonic() - started < 15
    assert _gone_within(int(_pids(pids_file)["pid"] or 0), 5)


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored(tmp_path: Path) -> None:
    command, url, pids_file = _child(tmp_path, "--ignore-term")
    supervisor = Supervisor(command, ready_url=url, stop_timeout_s=0.5).start()
    pid = int(_pids(pids_file)["pid"] or 0)
    started = time.monotonic()
    supervisor.stop()
    assert time.monotonic() - started < 5
    assert _gone_within(pid, 5)


def test_a_killed_child_restarts_on_the_same_url(tmp_path: Path) -> None:
    command, url, pids_file = _child(tmp_path)
    with Supervisor(command, ready_url=url) as supervisor:
        first = supervisor.pid
        assert supervisor.ensure_running() is False and supervisor.restarts == 0
        supervisor.kill()
        assert not supervisor.alive() and not supervisor.healthy()
        assert supervisor.ensure_running() is True
        assert supervisor.restarts == 1 and supervisor.healthy()
        assert supervisor.pid not in (None, first) and _pids(pids_file)["pid"] == supervisor.pid
        assert supervisor.ensure_running() is False and supervisor.restarts == 1


def test_a_child_started_by_a_worker_thread_outlives_that_thread(tmp_path: Path) -> None:
    """Linux sends the parent-death signal when the *thread* that forked the child ends.

    A batch worker thread restarts a crashed server; the server must survive that worker.
    """
    command, url, _ = _child(tmp_path)
    supervisor = Supervisor(command, ready_url=url)
    worker = threading.Thread(target=supervisor.start)
    worker.start()
    worker.join()
    try:
        time.sleep(0.5)
        assert supervisor.alive() and supervisor.healthy()
    finally:
        supervisor.stop()


def test_the_child_dies_with_its_parent_even_on_sigkill(tmp_path: Path) -> None:
    command, url, pids_file = _child(tmp_path)
    parent = (
        "import json, os, signal, sys\n"
        "from extractor.supervisor import Supervisor\n"
        "Supervisor(json.loads(sys.argv[1]), ready_url=sys.argv[2]).start()\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", parent, json.dumps(command), url], cwd=REPO, timeout=60, check=False
    )
    assert done.returncode == -signal.SIGKILL
    child = int(_pids(pids_file)["pid"] or 0)
    try:
        assert _gone_within(child, 5), "a supervised child never outlives its parent"
    finally:
        if _running(child):  # the test failed: leave no orphan behind
            os.kill(child, signal.SIGKILL)


def test_local_server_reports_a_failed_start_as_a_local_model_error_naming_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, port = tmp_path / "server.log", free_port()
    command, _, _ = _child(tmp_path, "--exit", port=port)
    monkeypatch.setattr(LocalServer, "_spawn_command", lambda self: command)  # no llama-cpp, no model file
    server = LocalServer(port=port, log_path=log, startup_timeout_s=10)
    with pytest.raises(LocalModelError, match=rf"local model server exited with code 3 while starting; see {log}"):
        server.start()
    assert "refusing to start" in log.read_text(encoding="utf-8")
    assert not server.alive() and server.restarts == 0
