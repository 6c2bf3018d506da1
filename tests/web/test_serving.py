"""``staffel serve`` for real: gunicorn in a subprocess on a copied SQLite database, talked to
over HTTP (issue 16, "Serving"). Every wait polls; nothing relies on a fixed sleep."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.serve_process import (
    PASSWORD,
    USER,
    Server,
    prepare_database,
    start_server,
    wait_for,
)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and deployed database, copied for every server."""
    return prepare_database(tmp_path_factory.mktemp("serve-prepared"))


@pytest.fixture()
def servers() -> Iterator[list[Server]]:
    """Servers started by a test; whatever still runs at its end is killed."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop(signal.SIGKILL)


def login_body() -> bytes:
    return json.dumps({"username": USER, "password": PASSWORD}).encode()


def test_serve_answers_pages_and_stops_gracefully(prepared: Path, tmp_path: Path,
                                                  servers: list[Server]) -> None:
    server = start_server(prepared, tmp_path, "--workers", "2", "--threads", "2",
                          wait_workers=2)
    servers.append(server)
    assert server.request("GET", "/login")[0] == 200
    assert server.request("GET", "/api/v1/tasks",
                          headers={"Authorization": f"Bearer {server.token()}"})[0] == 200
    # the master's scheduler beats: the server becomes ready with a fresh heartbeat
    wait_for(lambda: server.request("GET", "/health/ready")[0] == 200, "readiness")
    ready = json.loads(server.request("GET", "/health/ready")[1])
    assert ready["scheduler"]["expected"] is True and ready["scheduler"]["stale"] is False
    assert "gunicorn, 2 Prozesse × 2 Threads" in server.output()
    assert server.stop() == 0
    assert "Shutting down: Master" in server.output()


def test_dev_server_still_works(prepared: Path, tmp_path: Path,
                                servers: list[Server]) -> None:
    server = start_server(prepared, tmp_path, "--dev", "--no-scheduler")
    servers.append(server)
    assert server.request("GET", "/login")[0] == 200
    assert "Werkzeug, Entwicklung" in server.output()
    assert not server.workers() - {p for p in server.workers() if p == server.proc.pid}
    server.stop()


def send_slow_login(server: Server) -> socket.socket:
    """Send a sign-in's headers and the first half of its body; the rest comes later."""
    body = login_body()
    client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    client.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n"
                   b"Content-Type: application/json\r\nConnection: close\r\n"
                   + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
    return client


def accepted_by_worker(server: Server, client: socket.socket,
                       pids: set[int] | None = None) -> bool:
    """A worker (of ``pids``, default: any) holds the server side of ``client``'s
    connection (from /proc)."""
    local = client.getsockname()[1]
    wanted = f":{server.port:04X} "
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1].endswith(wanted.strip()) and parts[2].endswith(f":{local:04X}"):
            inode = parts[9]
    if inode is None:
        return False
    target = f"socket:[{inode}]"
    for pid in server.workers() if pids is None else pids:
        try:
            links = [os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if target in links:
            return True
    return False


def read_all(client: socket.socket) -> bytes:
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_sigterm_lets_an_in_flight_request_finish(prepared: Path, tmp_path: Path,
                                                  servers: list[Server]) -> None:
    server = start_server(prepared, tmp_path, "--workers", "1", "--threads", "1",
                          "--no-scheduler", wait_workers=1)
    servers.append(server)
    client = send_slow_login(server)
    wait_for(lambda: accepted_by_worker(server, client), "the worker to take the request")
    server.proc.send_signal(signal.SIGTERM)
    client.sendall(login_body()[10:])
    answer = read_all(client)
    client.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert b'"token"' in answer
    assert server.stop() == 0


def test_a_stopped_worker_loses_no_request_and_is_replaced(prepared: Path, tmp_path: Path,
                                                           servers: list[Server]) -> None:
    server = start_server(prepared, tmp_path, "--workers", "2", "--threads", "1",
                          "--no-scheduler", wait_workers=2)
    servers.append(server)
    before = server.workers()
    client = send_slow_login(server)
    wait_for(lambda: accepted_by_worker(server, client), "a worker to take the request")
    holder = next(p for p in before if accepted_by_worker(server, client, {p}))
    os.kill(holder, signal.SIGTERM)  # the worker in the middle of a request
    client.sendall(login_body()[10:])
    answer = read_all(client)
    client.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    wait_for(lambda: holder not in server.workers() and len(server.workers()) == 2,
             "the master to replace the worker")
    statuses = [server.request("GET", "/health/live")[0] for _ in range(20)]
    assert statuses == [200] * 20
    assert server.stop() == 0


def test_a_request_over_the_timeout_is_cut_and_the_worker_replaced(
        prepared: Path, tmp_path: Path, servers: list[Server]) -> None:
    server = start_server(prepared, tmp_path, "--workers", "1", "--threads", "1",
                          "--timeout", "1", "--no-scheduler", wait_workers=1)
    servers.append(server)
    (worker,) = server.workers()
    client = send_slow_login(server)  # the rest of the body never comes
    wait_for(lambda: accepted_by_worker(server, client), "the worker to take the request")
    answer = b""
    with contextlib.suppress(ConnectionResetError):
        answer = read_all(client)
    client.close()
    assert not answer.startswith(b"HTTP/1.1 200")
    wait_for(lambda: len(server.workers() - {worker}) == 1, "a new worker")
    wait_for(server.live, "the new worker to answer")
    assert "WORKER TIMEOUT" in server.output()
    assert server.stop() == 0
