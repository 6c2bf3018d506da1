"""The deployment files of deploy/: the systemd units pass ``systemd-analyze verify`` (with the
install root /opt/staffel pointed at this checkout), start what docs/deploy.md says, and the
environment example names only settings Staffel reads and holds no secret."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
SITE = DEPLOY / "nginx" / "staffel.conf"


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    names = []
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8").replace("/opt/staffel", str(ROOT))
        name = unit.name.replace("@.service", "@1.service")  # verify an instance of a template
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(name)
    done = subprocess.run([tool, "verify", "--man=no", *names], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    ours = [line for line in (done.stdout + done.stderr).splitlines()
            if any(n.split("@")[0].split(".")[0] in line for n in names)]
    assert done.returncode == 0 and ours == [], done.stderr


def test_the_units_start_web_and_schedulers_apart() -> None:
    web = (DEPLOY / "systemd" / "staffel-web.service").read_text(encoding="utf-8")
    start = re.search(r"^ExecStart=(.*)$", web, re.M)
    assert start and " serve " in start.group(1) and "--no-scheduler" in start.group(1)
    assert "--port 8000" in start.group(1) and "127.0.0.1:8000" in SITE.read_text()
    assert "ExecStartPre=/opt/staffel/.venv/bin/staffel init-db" in web
    scheduler = (DEPLOY / "systemd" / "staffel-scheduler@.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/staffel/.venv/bin/staffel scheduler" in scheduler
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        if "[Service]" in text:
            assert "EnvironmentFile=/etc/staffel/staffel.env" in text, unit.name


def test_the_environment_example_names_real_settings_and_no_secret() -> None:
    example = (DEPLOY / "staffel.env.example").read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("engine", "web", "adapters")
                     for p in (ROOT / folder).rglob("*.py"))
    code += (ROOT / "scripts" / "backup-postgres.sh").read_text(encoding="utf-8")
    settings = re.findall(r"^#?(STAFFEL_[A-Z_]+)=(.*)$", example, re.M)
    assert len(settings) > 10
    for name, _value in settings:
        key = name.removeprefix("STAFFEL_")
        # read by name, or as a Flask setting through from_prefixed_env("STAFFEL")
        assert name in code or f'"{key}"' in code, name
    for secret in ("STAFFEL_SECRET_KEY", "STAFFEL_METRICS_TOKEN", "STAFFEL_DATA_KEYS"):
        assert not re.search(rf"^{secret}=.", example, re.M), secret
    assert re.search(r"^STAFFEL_TRUSTED_PROXIES=1$", example, re.M)
