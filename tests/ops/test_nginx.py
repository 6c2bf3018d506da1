"""The committed nginx site (deploy/nginx/staffel.conf) in front of a real ``staffel serve``
(gunicorn): Debian's nginx runs a copy of it on free ports (the copy changes only what the
config's header names: listen ports, certificate, install root, upstream port) with a
self-signed certificate. Checked: a page through nginx, a static file served by nginx itself
with its cache header, the vendor allow-list, the upload limit, and that the client's address
and scheme reach the app through STAFFEL_TRUSTED_PROXIES=1 (the sign-in throttle keys on the
client behind nginx, HSTS follows the forwarded https).

nginx is installed by scripts/nginx.sh (test.sh, as root). Without it the test is skipped
locally, and fails under CI=true."""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PG_URL, _drop_pg_database, _fresh_pg_database
from web.pages.vendor import VENDOR_PREFIXES
from web.security import IMPORT_BODY_CAP

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "staffel.conf"
NGINX = Path("/usr/sbin/nginx")
STAFFEL = str(Path(sys.executable).with_name("staffel"))
MIB = 1024 * 1024
TOKEN = "metrics-test-token"


def require_nginx() -> None:
    """Skip without nginx; under CI=true fail instead (scripts/nginx.sh installs it there)."""
    if NGINX.is_file():
        return
    reason = f"{NGINX} is missing: scripts/nginx.sh installs it (apt-get install nginx-light)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "staffel.example.org")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def site_copy(app_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The committed site with the installation's values replaced (each must be there)."""
    site = SITE.read_text(encoding="utf-8")
    changes = [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen \[::\]:80;\n", ""),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"listen \[::\]:443 ssl http2;\n", ""),
        (r"/etc/ssl/staffel/fullchain\.pem", str(cert)),
        (r"/etc/ssl/staffel/privkey\.pem", str(key)),
        (r"/opt/staffel/", f"{ROOT}/"),
        (r"127\.0\.0\.1:8000", f"127.0.0.1:{app_port}"),
    ]
    for pattern, replacement in changes:
        site, count = re.subn(pattern, replacement, site)
        assert count >= 1, f"the site config no longer has {pattern!r}"
    return site


def main_config(tmp: Path, site: Path) -> str:
    """A minimal nginx.conf around the site, everything in ``tmp``."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's files
    temps = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {tmp}/nginx.pid;\n"
            f"error_log {tmp}/error.log info;\nevents {{ worker_connections 64; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n"
            f"    default_type application/octet-stream;\n"
            f"    access_log {tmp}/access.log;\n{temps}\n    include {site};\n}}\n")


def wait_for(port: int, path: str, seconds: float = 90) -> None:
    """Wait until ``GET path`` on the port answers 200."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing answered on port {port}{path}")


@dataclass
class Stack:
    """nginx in front of gunicorn: the ports and the app's log."""

    https_port: int
    http_port: int
    app_port: int
    app_log: Path

    def request(self, method: str, path: str, *, source: str = "127.0.0.1",
                body: bytes | None = None, headers: dict[str, str] | None = None,
                ) -> http.client.HTTPResponse:
        """A request to nginx over TLS from the loopback address ``source``."""
        context = ssl._create_unverified_context()  # the test's self-signed certificate
        conn = http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=30,
                                           source_address=(source, 0), context=context)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response

    def token(self, source: str, username: str, password: str = "wrong") -> int:
        """POST /api/v1/auth/token through nginx; the status."""
        body = f'{{"username": "{username}", "password": "{password}"}}'.encode()
        return self.request("POST", "/api/v1/auth/token", source=source, body=body,
                            headers={"Content-Type": "application/json"}).status


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """``staffel serve`` (2 workers, no scheduler) behind nginx with the committed site, over
    a new database (PostgreSQL on the suite's PostgreSQL pass); one for the module."""
    require_nginx()
    tmp_path = tmp_path_factory.mktemp("nginx")
    database_url = _fresh_pg_database() if PG_URL else f"sqlite:///{tmp_path / 'staffel.db'}"
    try:
        yield from _serve(tmp_path, database_url)
    finally:
        if PG_URL:
            _drop_pg_database(database_url)


def _serve(tmp_path: Path, database_url: str) -> Iterator[Stack]:
    app_port, http_port, https_port = free_port(), free_port(), free_port()
    cert, key = self_signed(tmp_path)
    site = tmp_path / "staffel.conf"
    site.write_text(site_copy(app_port, http_port, https_port, cert, key), encoding="utf-8")
    conf = tmp_path / "nginx.conf"
    conf.write_text(main_config(tmp_path, site), encoding="utf-8")
    check = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-e",
                            str(tmp_path / "error.log"), "-c", str(conf)],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    env = {**os.environ, "STAFFEL_TRUSTED_PROXIES": "1", "STAFFEL_SECRET_KEY": "nginx-test",
           "STAFFEL_LOGIN_ADDRESS_LIMIT": "3", "STAFFEL_LOGIN_ACCOUNT_LIMIT": "100",
           "STAFFEL_METRICS_TOKEN": TOKEN}
    env.pop("STAFFEL_HTTPS", None)  # HSTS only when the app learns the request was https
    app_log = tmp_path / "app.log"
    with app_log.open("w") as out:
        app = subprocess.Popen(
            [STAFFEL, "serve", "--host", "127.0.0.1", "--port", str(app_port), "--workers",
             "2", "--threads", "2", "--no-scheduler", "--clock", "simulated",
             "--database-url", database_url],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    nginx = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                              "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(app_port, "/health/live")
        yield Stack(https_port, http_port, app_port, app_log)
    finally:
        for process in (nginx, app):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_nginx_serves_the_app_and_its_static_files(stack: Stack) -> None:
    page = stack.request("GET", "/login")
    assert page.status == 200 and page.getheader("Server", "").startswith("nginx")
    assert "no-store" in page.getheader("Cache-Control", "")  # the app's answer
    redirect = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    redirect.request("GET", "/login")
    answer = redirect.getresponse()
    assert answer.status == 301
    assert answer.getheader("Location") == "https://127.0.0.1/login"

    css = stack.request("GET", "/static/css/staffel.css")
    assert css.status == 200 and css.getheader("Content-Type", "").startswith("text/css")
    assert css.getheader("Cache-Control") == "public, max-age=3600"  # nginx's, not the app's
    assert css.getheader("ETag") and css.getheader("X-Content-Type-Options") == "nosniff"
    if (ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js").is_file():
        vendor = stack.request("GET", "/static/vendor/htmx.org/dist/htmx.min.js")
        assert vendor.status == 200 and vendor.getheader("Cache-Control") == \
            "public, max-age=86400"
    # the app saw the page but none of the static files
    time.sleep(0.3)
    log = stack.app_log.read_text(encoding="utf-8")
    assert "route=/login" in log and "/static" not in log, log[-2000:]
    # nothing outside the allow-list (a path with .. is resolved first: outside /static/ it
    # goes to the app, which refuses it too)
    for outside in ("/static/vendor/htmx.org/package.json", "/static/vendor/lodash/x.js",
                    "/static/vendor/htmx.org/dist/../package.json", "/static/../pyproject.toml",
                    "/static/vendor/.staffel/../../pyproject.toml"):
        assert stack.request("GET", outside).status in (400, 404), outside


def test_the_client_behind_nginx_reaches_the_app(stack: Stack) -> None:
    # the throttle counts failed sign-ins per client address: nginx passes it on
    for attempt in range(3):
        assert stack.token("127.0.0.2", f"nobody{attempt}") == 401
    assert stack.token("127.0.0.2", "nobody9") == 429
    assert stack.token("127.0.0.3", "nobody9") == 401  # another client: not throttled
    spoofed = stack.request("POST", "/api/v1/auth/token", source="127.0.0.2",
                            body=b'{"username": "x", "password": "y"}',
                            headers={"Content-Type": "application/json",
                                     "X-Forwarded-For": "10.9.8.7"})
    assert spoofed.status == 429  # a header the client sends itself changes nothing
    # the scheme: the app answers an https request with HSTS (STAFFEL_HTTPS is not set)
    assert stack.request("GET", "/login").getheader("Strict-Transport-Security")
    direct = http.client.HTTPConnection("127.0.0.1", stack.app_port, timeout=10)
    direct.request("GET", "/login")
    assert direct.getresponse().getheader("Strict-Transport-Security") is None
    metrics = stack.request("GET", "/metrics", source="127.0.0.3",
                            headers={"Authorization": f"Bearer {TOKEN}"})
    assert metrics.status == 200


def test_nginx_takes_the_largest_upload_and_no_more(stack: Stack) -> None:
    assert IMPORT_BODY_CAP == 51 * MIB
    assert "client_max_body_size 51m;" in SITE.read_text(encoding="utf-8")
    context = ssl._create_unverified_context()
    conn = http.client.HTTPSConnection("127.0.0.1", stack.https_port, timeout=30,
                                       context=context)
    conn.putrequest("POST", "/api/v1/imports")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(IMPORT_BODY_CAP + 1))
    conn.endheaders()
    assert conn.getresponse().status == 413  # nginx refuses before reading the body


def test_the_site_follows_the_app() -> None:
    """The vendor allow-list and the timeouts of the site say what the app says."""
    site = SITE.read_text(encoding="utf-8")
    found = re.search(r"location ~ \^/static/vendor/\(\(\?:([^)]*)\)/dist/\.\+\|([^)]*)\)\$",
                      site)
    assert found, "the vendor location"
    packages = [p.replace("\\.", ".") for p in found.group(1).split("|")]
    others = [found.group(2).replace("\\.", ".").removesuffix(".+")]
    assert sorted([f"{p}/dist/" for p in packages] + others) == sorted(VENDOR_PREFIXES)
    from web.serving import ServeOptions

    timeout = ServeOptions().timeout
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        assert f"{directive} {timeout}s;" in site


def test_without_nginx_ci_fails_and_a_developer_skips(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "NGINX", tmp_path / "nginx")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"scripts/nginx\.sh"):
        require_nginx()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"scripts/nginx\.sh"):
        require_nginx()
