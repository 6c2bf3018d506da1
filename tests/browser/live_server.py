"""A real Staffel server for browser tests: werkzeug in a thread over a fresh SQLite database
with the simulated clock, the demo users and the given test diagrams."""

from __future__ import annotations

import contextlib
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from werkzeug.serving import make_server

from engine import Staffel
from engine.model import CaseInfo
from tests.conftest import PERSON, START
from web import create_app
from web.demo import DEMO_PASSWORD, seed_demo_users


@dataclass
class Live:
    """The running server and its engine."""

    url: str
    engine: Staffel

    def start(self, process: str, entry: str = "asylum", person: dict[str, Any] | None = None,
              **data: Any) -> CaseInfo:
        """Start a case of a test process."""
        return self.engine.cases.start(person or PERSON, "NW", entry, process_key=process,
                                      data=data or None, actor="tester")


@contextlib.contextmanager
def live_server(diagrams: list[Path], prepare: Callable[[Staffel], None] | None = None,
                **config: Any) -> Iterator[Live]:
    """Serve the app over a new database with these diagrams deployed and the demo users."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = Staffel(f"sqlite:///{tmp}/staffel.db", clock="simulated", clock_start=START)
        engine.context.password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        engine.init_db()
        for directory in diagrams:
            engine.definitions.deploy_directory(directory, actor="tester")
        seed_demo_users(engine)
        if prepare is not None:
            prepare(engine)
        app = create_app({"ENGINE": engine, "DEPLOY_ON_START": False, "SECRET_KEY": "browser",
                          "CASE_PROCESS": "basic", **config})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield Live(f"http://127.0.0.1:{server.server_port}", engine)
        finally:
            server.shutdown()
            thread.join(5)
            engine.close()


def sign_in(page: Any, live: Live, username: str) -> None:
    """Sign in through the login form, mouse-free (fill and press Enter); the user lands on
    his inbox, a process owner on his diagrams."""
    page.goto(f"{live.url}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(re.compile(re.escape(live.url) + r"/(inbox|editor)$"))
