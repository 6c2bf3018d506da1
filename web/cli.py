"""The ``staffel`` command line: set up the database, deploy, drive cases, clock and audit.

Every command prints a clear message and exits non-zero on failure (2 for bad input or a
rejected deployment, 3 for not found, 4 for a conflict, 1 for anything else).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any

import click

from engine.api import DEFAULT_PROCESS, Staffel
from engine.errors import Conflict, DeployError, InvalidInput, NotFound, StaffelError
from engine.execution.tasks import TaskQuery

DEFAULT_DATABASE_URL = "sqlite:///instance/staffel.db"
BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
EXIT_CODES = {InvalidInput: 2, DeployError: 2, NotFound: 3, Conflict: 4}


def database_url_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--database-url`` (default: $STAFFEL_DATABASE_URL or instance/staffel.db)."""
    return click.option("--database-url", envvar="STAFFEL_DATABASE_URL",
                        default=DEFAULT_DATABASE_URL, show_default=True,
                        help="SQLAlchemy URL of the database.")(func)


def open_engine(database_url: str, clock: str = "auto") -> Staffel:
    """Open the engine on a database, creating the SQLite directory if needed."""
    if database_url.startswith("sqlite:///") and not database_url.startswith("sqlite:////"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = Staffel(database_url, clock=clock)
    engine.init_db()
    return engine


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn engine errors into a message on stderr and a non-zero exit code."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except StaffelError as err:
            click.echo(f"error: {err.message}", err=True)
            for problem in err.errors:
                where = problem.get("field") or ":".join(
                    str(x) for x in (problem.get("file"), problem.get("line")) if x)
                element = f" [{problem['element_id']}]" if problem.get("element_id") else ""
                click.echo(f"  - {where}{element}: {problem.get('message')}", err=True)
            sys.exit(EXIT_CODES.get(type(err), 1))
    return wrapper


def parse_json_option(value: str | None, name: str) -> dict[str, Any]:
    """Parse a JSON object given on the command line (or ``@file``)."""
    if not value:
        return {}
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--{name} is not JSON: {exc.msg}",
                           [{"field": name, "message": "not JSON"}]) from exc
    if not isinstance(parsed, dict):
        raise InvalidInput(f"--{name} must be a JSON object", [{"field": name,
                                                               "message": "not an object"}])
    return parsed


def echo_json(value: Any) -> None:
    """Print a value as indented JSON."""
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def notifier_from_env() -> Any:
    """The Notifier the ``STAFFEL_*`` environment asks for, read exactly as the app reads it."""
    from flask import Config

    from adapters import notifier_from_config

    config = Config(str(Path.cwd()))
    config.from_prefixed_env("STAFFEL")
    return notifier_from_config(config)


@click.group()
def main() -> None:
    """Staffel: carry a refugee's case through the German legal-status lifecycle."""


@main.command("init-db")
@database_url_option
@click.option("--clock", type=click.Choice(["system", "simulated"]), default=None,
              help="Create the database with a simulated clock.")
@handle_errors
def init_db(database_url: str, clock: str | None) -> None:
    """Create or upgrade the database schema."""
    open_engine(database_url, clock or "auto")
    click.echo(f"database ready: {database_url}")


@main.command()
@database_url_option
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--user", default="cli", show_default=True, help="Who deploys (audit trail).")
@handle_errors
def deploy(database_url: str, paths: tuple[Path, ...], user: str) -> None:
    """Deploy BPMN/DMN/JSON-Schema files or directories (default: the bundled bpmn/)."""
    engine = open_engine(database_url)
    files: dict[str, bytes] = {}
    from engine.definitions.deploy import read_directory
    for path in paths or (BPMN_DIR,):
        if path.is_dir():
            files.update(read_directory(path))
        else:
            files[path.name if path.parent.name not in ("forms", "messages")
                  else f"{path.parent.name}/{path.name}"] = path.read_bytes()
    result = engine.deploy(files, actor=user)
    for version in result.versions:
        marker = "new" if version in result.new_versions else "unchanged"
        click.echo(f"{version.key} v{version.version} ({marker})")


@main.command("start-case")
@database_url_option
@click.option("--family-name", required=True)
@click.option("--given-name", required=True)
@click.option("--birth-date", required=True, help="YYYY-MM-DD")
@click.option("--nationality", default=None)
@click.option("--land", default="NW", show_default=True)
@click.option("--entry", type=click.Choice(["asylum", "resettlement"]), default="asylum")
@click.option("--bamf-aktenzeichen", default=None)
@click.option("--process", "process_key", default=DEFAULT_PROCESS, show_default=True)
@click.option("--data", default=None, help="Initial data as a JSON object.")
@click.option("--user", default="cli", show_default=True)
@handle_errors
def start_case(database_url: str, family_name: str, given_name: str, birth_date: str,
               nationality: str | None, land: str, entry: str, bamf_aktenzeichen: str | None,
               process_key: str, data: str | None, user: str) -> None:
    """Create a case and start its process."""
    engine = open_engine(database_url)
    person = {"family_name": family_name, "given_name": given_name, "birth_date": birth_date}
    if nationality:
        person["nationality"] = nationality
    case = engine.start_case(person, land, entry, bamf_aktenzeichen, process_key,
                             parse_json_option(data, "data"), actor=user)
    click.echo(f"case {case.case_number} ({case.id}) stage {case.stage}")
    for task in case.open_tasks:
        click.echo(f"  open task {task.id} {task.name} [{task.team}]")


@main.command("tasks")
@database_url_option
@click.option("--team", default=None)
@click.option("--case-id", default=None)
@handle_errors
def list_tasks(database_url: str, team: str | None, case_id: str | None) -> None:
    """List open human tasks, soonest due first."""
    engine = open_engine(database_url)
    page = engine.list_tasks(TaskQuery(teams=[team] if team else None, case_id=case_id,
                                       per_page=200))
    for t in page.items:
        due = t.due_at.date().isoformat() if t.due_at else "-"
        flag = " OVERDUE" if t.overdue else ""
        click.echo(f"{t.id}  {t.case_number}  {t.team:<18} {t.name:<30} due {due}{flag}")
    click.echo(f"{page.total} open task(s)")


@main.command()
@database_url_option
@click.argument("task_id")
@click.option("--data", default=None, help="Form data as a JSON object (or @file.json).")
@click.option("--user", default="cli", show_default=True)
@handle_errors
def complete(database_url: str, task_id: str, data: str | None, user: str) -> None:
    """Complete a task with form data."""
    engine = open_engine(database_url)
    task = engine.complete_task(task_id, parse_json_option(data, "data"), actor=user)
    click.echo(f"completed {task.name} of case {task.case_number}")


@main.command()
@database_url_option
@click.argument("name")
@click.option("--case-id", default=None)
@click.option("--bamf-aktenzeichen", default=None)
@click.option("--payload", default=None, help="Payload as a JSON object (or @file.json).")
@click.option("--user", default="cli", show_default=True)
@handle_errors
def message(database_url: str, name: str, case_id: str | None, bamf_aktenzeichen: str | None,
            payload: str | None, user: str) -> None:
    """Send a message from outside to the case that waits for it."""
    engine = open_engine(database_url)
    correlation = {"bamf_aktenzeichen": bamf_aktenzeichen} if bamf_aktenzeichen else None
    case = engine.correlate(name, parse_json_option(payload, "payload"), case_id=case_id,
                            correlation=correlation, actor=user)
    click.echo(f"delivered {name} to case {case.case_number}; stage {case.stage}")


@main.group()
def clock() -> None:
    """Show or move the simulated clock."""


@clock.command("show")
@database_url_option
@handle_errors
def clock_show(database_url: str) -> None:
    """Print the engine time and the clock mode."""
    engine = open_engine(database_url)
    now = engine.now()
    click.echo(f"{now.isoformat()} ({engine.time.mode})")


@clock.command("advance")
@database_url_option
@click.option("--to", "to", default=None, help="ISO date-time with offset, e.g. 2027-01-01T08:00Z")
@click.option("--days", type=int, default=None, help="Move forward by this many days.")
@handle_errors
def clock_advance(database_url: str, to: str | None, days: int | None) -> None:
    """Move the simulated clock, firing every timer that becomes due on the way."""
    engine = open_engine(database_url)
    target = None
    if to:
        try:
            target = datetime.fromisoformat(to.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidInput("--to is not an ISO date-time", [{"field": "to",
                                                                 "message": str(exc)}]) from exc
        if target.tzinfo is None:
            raise InvalidInput("--to needs a time zone", [{"field": "to",
                                                           "message": "add Z or +01:00"}])
    now, fired = engine.advance_clock(
        to=target, by=timedelta(days=days) if days is not None else None, actor="cli")
    click.echo(f"clock at {now.isoformat()}; {fired} timer(s) fired")


@main.command("fire-due")
@database_url_option
@handle_errors
def fire_due(database_url: str) -> None:
    """Fire every timer that is due now."""
    engine = open_engine(database_url)
    report = engine.fire_due()
    click.echo(f"fired {report.fired}, failed {report.failed}, released {report.released}")


@main.group("audit")
def audit_group() -> None:
    """Inspect the audit trail."""


@audit_group.command("verify")
@database_url_option
@handle_errors
def audit_verify(database_url: str) -> None:
    """Check the audit hash chain; exit 1 if any event was edited or deleted."""
    result = open_engine(database_url).verify_audit()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} event(s)")
        return
    click.echo(f"audit chain BROKEN at event {result.first_bad_seq}: {result.reason} "
               f"({result.checked} event(s) checked before)", err=True)
    sys.exit(1)



@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@database_url_option
@click.option("--demo", is_flag=True, help="Add demo users (password 'demo') and demo cases.")
@click.option("--clock", type=click.Choice(["system", "simulated"]), default=None,
              help="Engine clock (default: what the database already uses, else system).")
@click.option("--no-scheduler", is_flag=True, help="Do not fire timers in this process.")
@handle_errors
def serve(host: str, port: int, database_url: str, demo: bool, clock: str | None,
          no_scheduler: bool) -> None:
    """Run the web app with its in-process timer scheduler on a migrated database."""
    from werkzeug.serving import run_simple

    from engine.execution.scheduler import TimerScheduler
    from web import create_app
    from web.demo import seed_demo

    engine = open_engine(database_url, clock or "auto")
    app = create_app({"ENGINE": engine, "DATABASE_URL": database_url})
    if demo:
        for line in seed_demo(engine):
            click.echo(line)
    scheduler = None if no_scheduler else TimerScheduler(engine)
    if scheduler:
        scheduler.start()
    click.echo(f"Staffel läuft auf http://{host}:{port}/  (Uhr: {engine.time.mode}, "
               f"Datenbank: {database_url})")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if scheduler:
            scheduler.shutdown()


@main.command()
@database_url_option
@click.option("--sweep", default=1.0, show_default=True, type=float,
              help="Seconds between safety sweeps (an exact job also runs at the next due timer).")
@handle_errors
def scheduler(database_url: str, sweep: float) -> None:
    """Run a timer scheduler process (any number may run against one database)."""
    import signal
    import threading

    from engine.execution.scheduler import TimerScheduler

    engine = open_engine(database_url)
    engine.notifier = notifier_from_env()  # reminders go out from schedulers too
    runner = TimerScheduler(engine, sweep_seconds=sweep)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runner.start()
    click.echo(f"scheduler {engine.worker_id} running (sweep {sweep}s, clock {engine.time.mode})",
               err=True)
    stop.wait()
    runner.shutdown()
    click.echo("scheduler stopped", err=True)


@main.group("user")
def user_group() -> None:
    """Manage users (argon2-hashed passwords; no default passwords)."""


@user_group.command("add")
@database_url_option
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["caseworker", "supervisor", "process_owner", "admin"]),
              help="Role (repeat for several).")
@click.option("--team", "teams", multiple=True,
              help="Team key (repeat for several); caseworkers and supervisors need one.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@handle_errors
def user_add(database_url: str, username: str, roles: tuple[str, ...], teams: tuple[str, ...],
             password_stdin: bool) -> None:
    """Create a user; asks for the password unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = open_engine(database_url)
    user = engine.add_user(username, password, roles, teams, actor="cli")
    click.echo(f"user {user.username} created: roles {', '.join(sorted(user.roles))}"
               + (f"; teams {', '.join(sorted(user.teams))}" if user.teams else ""))


@user_group.command("list")
@database_url_option
@handle_errors
def user_list(database_url: str) -> None:
    """List users with their roles and teams."""
    for user in open_engine(database_url).list_users():
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:<24} {','.join(sorted(user.roles)):<28} "
                   f"{','.join(sorted(user.teams))}{state}")


from web import cli_export  # noqa: E402 - `staffel export …` uses the helpers above

cli_export.register(main)


from web.cli_import import import_command  # noqa: E402 - uses the helpers above

main.add_command(import_command)
