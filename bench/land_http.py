"""HTTP clients and the server of the Land benchmarks (``bench/land_scale.py``,
``bench/throughput_bench.py``): one keep-alive connection per client, signed in like a
browser (session cookie, CSRF token) or with an API bearer token; ``staffel serve`` started
and stopped as a child process; CPU and memory of processes read from ``/proc``."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Client:
    """One keep-alive connection to the server, with a session cookie or a bearer token."""

    port: int
    cookie: str = ""
    token: str = ""
    conn: http.client.HTTPConnection = field(init=False)

    def __post_init__(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        """Send one request; (status, body, seconds from send to the last byte)."""
        all_headers = {"Connection": "keep-alive", **(headers or {})}
        if self.cookie:
            all_headers["Cookie"] = self.cookie
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        began = time.perf_counter()
        self.conn.request(method, path, body=body, headers=all_headers)
        response = self.conn.getresponse()
        data = response.read()
        took = time.perf_counter() - began
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data, took

    def get(self, path: str) -> tuple[int, bytes, float]:
        """GET ``path``."""
        return self.request("GET", path)

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the login page (CSRF token from the form)."""
        status, page, _ = self.get("/login")
        found = CSRF.search(page.decode())
        if status != 200 or not found:
            raise RuntimeError(f"no login form ({status})")
        form = urlencode({"csrf_token": found.group(1), "username": username,
                          "password": password}).encode()
        status, _, _ = self.request("POST", "/login", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status not in (302, 303):
            raise RuntimeError(f"sign-in of {username} failed ({status})")

    def get_token(self, username: str, password: str) -> None:
        """Get an API bearer token for ``username``."""
        body = json.dumps({"username": username, "password": password}).encode()
        status, data, _ = self.request("POST", "/api/v1/auth/token", body,
                                       {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"no token for {username} ({status}: {data[:200]!r})")
        self.token = json.loads(data)["token"]

    def complete(self, task_id: str, data: dict[str, Any]) -> tuple[int, bytes, float]:
        """Complete a task through the API."""
        return self.request("POST", f"/api/v1/tasks/{task_id}/complete",
                            json.dumps({"data": data}).encode(),
                            {"Content-Type": "application/json"})


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``staffel serve`` (gunicorn) on a database, started and stopped by the benchmark."""

    database_url: str
    workers: int = 4
    threads: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log: Path = Path("/tmp/land/serve.log")

    def start(self, timeout: float = 180.0) -> None:
        """Start and wait until ``/health/live`` answers."""
        staffel = Path(sys.executable).with_name("staffel")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(staffel), "serve", "--workers", str(self.workers), "--threads",
             str(self.threads), "--port", str(self.port), "--no-scheduler",
             "--database-url", self.database_url, "--access-log", "/dev/null"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, cwd=ROOT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"staffel serve ended ({self.process.returncode}); "
                                   f"see {self.log}")
            try:
                if Client(self.port).get("/health/live")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("staffel serve did not answer in time")

    def worker_pids(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM to the master, then wait)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
