"""A real ``staffel serve`` in a subprocess for the serving, metrics and logging tests.

Readiness is polled (``/health/live``), never assumed after a fixed sleep; every wait is
generous (a loaded two-core machine) and bounded. A prepared database (migrated, ``bpmn/``
deployed, one caseworker) is copied for each server so that no test pays the deployment.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAFFEL = str(Path(sys.executable).parent / "staffel")
PASSWORD = "serve-test-password-1"
USER = "serve_cw"
WAIT = 40.0  # seconds: start-up on a loaded machine


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(tmp: Path) -> dict[str, str]:
    """The environment of a test server: its own secret key, no metrics dir inherited."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("STAFFEL_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(STAFFEL_SECRET_KEY="serve-test-secret", STAFFEL_NOTIFIER="none",
               PYTHONUNBUFFERED="1")
    return env


def prepare_database(folder: Path) -> Path:
    """A migrated database with ``bpmn/`` deployed and the caseworker :data:`USER`."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'staffel.db'}"
    env = base_env(folder)
    subprocess.run([STAFFEL, "deploy", "--database-url", url], check=True, env=env,
                   capture_output=True, timeout=120)
    subprocess.run([STAFFEL, "user", "add", USER, "--role", "caseworker", "--team",
                    "sozialamt", "--password-stdin", "--database-url", url],
                   input=PASSWORD + "\n", text=True, check=True, env=env, capture_output=True,
                   timeout=60)
    return folder


def copy_database(prepared: Path, target: Path) -> str:
    """Copy the prepared database (and its keys file) into ``target``; its URL."""
    target.mkdir(parents=True, exist_ok=True)
    for item in prepared.iterdir():
        if item.name.startswith("staffel.db"):
            shutil.copy2(item, target / item.name)
    return f"sqlite:///{target / 'staffel.db'}"


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def children(pid: int) -> set[int]:
    """The pids of the live child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


@dataclass
class Server:
    """One running ``staffel serve``."""

    proc: subprocess.Popen[bytes]
    port: int
    folder: Path
    url: str

    def output(self) -> str:
        """What the server wrote to stdout (the access log) and stderr so far."""
        return "".join((self.folder / name).read_text(encoding="utf-8", errors="replace")
                       for name in ("out.log", "err.log"))

    def request(self, method: str, path: str, body: Any = None,
                headers: dict[str, str] | None = None,
                timeout: float = 20.0) -> tuple[int, bytes]:
        """One request on a fresh connection: status and body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body) if body is not None else None
            sent = dict(headers or {})
            if data is not None:
                sent.setdefault("Content-Type", "application/json")
            conn.request(method, path, data, sent)
            answer = conn.getresponse()
            return answer.status, answer.read()
        finally:
            conn.close()

    def live(self) -> bool:
        """``/health/live`` answers 200."""
        try:
            return self.request("GET", "/health/live", timeout=2.0)[0] == 200
        except OSError:
            return False

    def token(self) -> str:
        """A bearer token of the test caseworker."""
        status, body = self.request("POST", "/api/v1/auth/token",
                                    {"username": USER, "password": PASSWORD})
        assert status == 200, body
        return str(json.loads(body)["token"])

    def workers(self) -> set[int]:
        """The worker pids of the master."""
        return children(self.proc.pid)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = WAIT) -> int:
        """Signal the server and wait for it; the exit code."""
        if self.proc.poll() is None:
            if sig == signal.SIGKILL:  # its own session: master and workers
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.send_signal(sig)
        try:
            return int(self.proc.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return int(self.proc.wait())


def start_server(prepared: Path, folder: Path, *args: str,
                 env: dict[str, str] | None = None, wait_workers: int = 0) -> Server:
    """Start ``staffel serve`` on a copy of the prepared database; wait until it answers
    (and, with ``wait_workers``, until that many workers run)."""
    url = copy_database(prepared, folder)
    port = free_port()
    full_env = base_env(folder)
    full_env.update(env or {})
    with open(folder / "out.log", "wb") as out, open(folder / "err.log", "wb") as err:
        proc = subprocess.Popen(
            [STAFFEL, "serve", "--port", str(port), "--database-url", url, *args],
            stdout=out, stderr=err, env=full_env, cwd=folder, start_new_session=True)
    server = Server(proc, port, folder, url)
    try:
        wait_for(lambda: proc.poll() is not None or server.live(), "the server to answer")
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {server.output()}")
        if wait_workers:
            wait_for(lambda: len(server.workers()) >= wait_workers, "the workers")
    except BaseException:
        server.stop(signal.SIGKILL)
        raise
    return server
