"""The ``staffel`` command line: set up the database, deploy, drive cases, clock and audit.

Every command prints a clear message and exits non-zero on failure (2 for bad input or a
rejected deployment, 3 for not found, 4 for a conflict, 1 for anything else).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

import click

from engine import (
    DEFAULT_PROCESS,
    LANDS,
    InvalidInput,
    TaskQuery,
)
from web import cli_backup, cli_export, cli_keys, cli_retention, cli_rules, cli_users
from web.cli_common import (
    BPMN_DIR,
    database_url_option,
    handle_errors,
    notifier_from_env,
    open_engine,
    parse_json_option,
)
from web.cli_import import import_command
from web.cli_rules import rules_option


def _land_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """``--land`` is required: the Land's holidays move every deadline of the case, so there
    is no silent default (as on the page and in the API)."""
    allowed = ", ".join(sorted(LANDS))
    if value is None or not value.strip():
        raise click.UsageError(f"Missing option '--land': the Land of the case, whose public "
                               f"holidays move its deadlines; one of {allowed}")
    code = value.strip().upper()
    if code not in LANDS:
        raise click.BadParameter(f"{value!r} is no Land; use one of {allowed}")
    return code


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
    result = engine.definitions.deploy_paths(paths or (BPMN_DIR,), actor=user)
    for version in result.versions:
        marker = "new" if version in result.new_versions else "unchanged"
        click.echo(f"{version.key} v{version.version} ({marker})")


@main.command("start-case")
@database_url_option
@click.option("--family-name", required=True)
@click.option("--given-name", required=True)
@click.option("--birth-date", required=True, help="YYYY-MM-DD")
@click.option("--nationality", default=None)
@click.option("--land", callback=_land_option, metavar="LAND",
              help="Required: the Land of the case (its holidays move the deadlines), "
                   "e.g. NW, BY, BE.")
@click.option("--court", default=None, metavar="COURT",
              help="The competent Verwaltungsgericht (e.g. VG_AUGSBURG), a court of the Land: "
                   "the holidays at its seat move the last day to sue. Default: the Land's "
                   "default court.")
@click.option("--entry", type=click.Choice(["asylum", "resettlement"]), default="asylum")
@click.option("--bamf-aktenzeichen", default=None)
@click.option("--process", "process_key", default=DEFAULT_PROCESS, show_default=True)
@click.option("--data", default=None, help="Initial data as a JSON object.")
@click.option("--user", default="cli", show_default=True)
@handle_errors
def start_case(database_url: str, family_name: str, given_name: str, birth_date: str,
               nationality: str | None, land: str, court: str | None, entry: str,
               bamf_aktenzeichen: str | None, process_key: str, data: str | None,
               user: str) -> None:
    """Create a case and start its process."""
    engine = open_engine(database_url)
    person = {"family_name": family_name, "given_name": given_name, "birth_date": birth_date}
    if nationality:
        person["nationality"] = nationality
    case = engine.cases.start(person, land, entry, bamf_aktenzeichen, process_key,
                             parse_json_option(data, "data"), actor=user,
                             court=(court or "").strip().upper() or None)
    click.echo(f"case {case.case_number} ({case.id}) stage {case.stage} court {case.court}")
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
    page = engine.tasks.list(TaskQuery(teams=[team] if team else None, case_id=case_id,
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
    task = engine.tasks.complete(task_id, parse_json_option(data, "data"), actor=user)
    click.echo(f"completed {task.name} of case {task.case_number}")


@main.command()
@database_url_option
@click.argument("name")
@click.option("--case-id", default=None)
@click.option("--bamf-aktenzeichen", default=None)
@click.option("--payload", default=None, help="Payload as a JSON object (or @file.json).")
@click.option("--message-id", default=None, help="The sender's id: a resend changes nothing.")
@click.option("--user", default="cli", show_default=True)
@handle_errors
def message(database_url: str, name: str, case_id: str | None, bamf_aktenzeichen: str | None,
            payload: str | None, message_id: str | None, user: str) -> None:
    """Give a case a message from outside: delivered now, or kept until the case waits for it
    (exit 4 when the case can never use it)."""
    engine = open_engine(database_url)
    correlation = {"bamf_aktenzeichen": bamf_aktenzeichen} if bamf_aktenzeichen else None
    receipt = engine.messages.receive(name, parse_json_option(payload, "payload"),
                                      case_id=case_id, correlation=correlation,
                                      message_id=message_id, actor=user, source="cli",
                                      summary=False)
    case = receipt.case
    if receipt.outcome == "buffered":
        until = receipt.expires_at.date().isoformat() if receipt.expires_at else "-"
        click.echo(f"kept {name} for case {case.case_number} (stage {case.stage}) until "
                   f"{until}: used when the case gets there")
    elif receipt.outcome == "duplicate":
        click.echo(f"{name} {message_id} came before ({receipt.state}); nothing changed")
    else:
        click.echo(f"delivered {name} to case {case.case_number}; stage {case.stage}")


@main.command()
@database_url_option
@handle_errors
def check(database_url: str) -> None:
    """List cases nothing will move (no open task, no pending timer); exit 1 if there is one."""
    stalled = open_engine(database_url).supervision.stalled()
    if not stalled:
        click.echo("no stalled case: every running case has an open task or a pending timer")
        return
    for case in stalled:
        waits = ", ".join(case.waiting_for) or "nothing"
        click.echo(f"{case.case_number}  stage {case.stage}  unchanged since "
                   f"{case.since.date().isoformat()}  waits for {waits}")
    click.echo(f"{len(stalled)} stalled case(s)", err=True)
    sys.exit(1)


@main.group()
def clock() -> None:
    """Show or move the simulated clock."""


@clock.command("show")
@database_url_option
@handle_errors
def clock_show(database_url: str) -> None:
    """Print the engine time and the clock mode."""
    engine = open_engine(database_url)
    now = engine.clock.now()
    click.echo(f"{now.isoformat()} ({engine.clock.mode()})")


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
    now, fired = engine.clock.advance(
        to=target, by=timedelta(days=days) if days is not None else None, actor="cli")
    click.echo(f"clock at {now.isoformat()}; {fired} timer(s) fired")


@main.command("fire-due")
@database_url_option
@handle_errors
def fire_due(database_url: str) -> None:
    """Fire every timer that is due now."""
    engine = open_engine(database_url)
    report = engine.timers.fire_due()
    click.echo(f"fired {report.fired}, failed {report.failed}, released {report.released}")


@main.group("audit")
def audit_group() -> None:
    """Inspect the audit trail."""


@audit_group.command("verify")
@database_url_option
@handle_errors
def audit_verify(database_url: str) -> None:
    """Check the audit hash chain; exit 1 if any event was edited or deleted."""
    result = open_engine(database_url).audit.verify()
    if result.ok:
        click.echo(f"audit chain intact: {result.checked} event(s)")
        return
    click.echo(f"audit chain BROKEN at event {result.first_bad_seq}: {result.reason} "
               f"({result.checked} event(s) checked before)", err=True)
    sys.exit(1)



@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", envvar="STAFFEL_WORKERS", default=2, show_default=True,
              type=click.IntRange(min=1), help="gunicorn worker processes.")
@click.option("--threads", envvar="STAFFEL_THREADS", default=4, show_default=True,
              type=click.IntRange(min=1), help="Threads per worker (1: sync workers).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds before a silent worker is killed and replaced.")
@click.option("--graceful-timeout", default=30, show_default=True, type=click.IntRange(min=1),
              help="Seconds in-flight requests get to finish on SIGTERM or SIGHUP.")
@click.option("--access-log", default="-", show_default=True, metavar="PATH|-",
              help="Where the request lines go ('-': stdout).")
@database_url_option
@click.option("--demo", is_flag=True, help="Add demo users (password 'demo') and demo cases.")
@click.option("--clock", type=click.Choice(["system", "simulated"]), default=None,
              help="Engine clock (default: what the database already uses, else system).")
@click.option("--no-scheduler", is_flag=True, help="Do not fire timers in this server.")
@click.option("--dev", is_flag=True, help="Werkzeug's development server instead of gunicorn.")
@rules_option
@handle_errors
def serve(host: str, port: int, workers: int, threads: int, timeout: int,
          graceful_timeout: int, access_log: str, database_url: str, demo: bool,
          clock: str | None, no_scheduler: bool, dev: bool, rules_file: Path | None) -> None:
    """Run the web app (gunicorn; --dev: Werkzeug) with one timer scheduler on a migrated
    database. Details: web/serving.py."""
    from web.serving import ServeOptions, serve_app

    serve_app(ServeOptions(host, port, workers, threads, timeout, graceful_timeout),
              database_url=database_url, demo=demo, clock=clock or "auto",
              scheduler=not no_scheduler, dev=dev, access_log=access_log or None,
              rules_file=rules_file)


@main.command()
@database_url_option
@click.option("--sweep", default=1.0, show_default=True, type=float,
              help="Seconds between safety sweeps (an exact job also runs at the next due timer).")
@rules_option
@handle_errors
def scheduler(database_url: str, sweep: float, rules_file: Path | None) -> None:
    """Run a timer scheduler process (any number may run against one database)."""
    import signal
    import threading

    from engine import TimerScheduler

    # reminders go out from schedulers too: the notifier is this process's, from the env
    engine = open_engine(database_url, notifier=notifier_from_env(), rules_file=rules_file)
    if os.environ.get("STAFFEL_LOG_FORMAT"):  # asked for: the engine-event lines, as serve's
        from web.logging_setup import configure_logging, log_engine_event

        configure_logging(os.environ["STAFFEL_LOG_FORMAT"].strip().lower(), None)
        engine.observe(log_engine_event)
    runner = TimerScheduler(engine.scheduler_hooks(), sweep_seconds=sweep)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runner.start()
    click.echo(f"scheduler running (sweep {sweep}s, clock {engine.clock.mode()})", err=True)
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
    user = engine.people.add(username, password, roles, teams, actor="cli")
    click.echo(f"user {user.username} created: roles {', '.join(sorted(user.roles))}"
               + (f"; teams {', '.join(sorted(user.teams))}" if user.teams else ""))


@user_group.command("list")
@database_url_option
@handle_errors
def user_list(database_url: str) -> None:
    """List users with their roles and teams."""
    for user in open_engine(database_url).people.list():
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:<24} {','.join(sorted(user.roles)):<28} "
                   f"{','.join(sorted(user.teams))}{state}")


cli_users.register(user_group)
cli_export.register(main)
cli_rules.register(main)
cli_retention.register(main)
cli_keys.register(main)
cli_backup.register(main)
main.add_command(import_command)
