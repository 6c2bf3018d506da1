"""The administrators' pages (issue 15, point 15): users (create, roles and teams, deactivate,
one-time links to set a password), the team registry, the simulated clock and the health page.
German by default; bad input gives field errors and changes nothing; every change is audited;
everyone but an administrator gets 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import Staffel
from engine.persistence.models import AuditEvent, Timer, User
from engine.persistence.readiness import migration_head
from engine.persistence.security_models import PasswordReset
from tests.conftest import PERSON
from tests.web.conftest import FAST_HASHER, PASSWORD, USERS, snapshot
from tests.web.test_pages_support import HTML, csrf_token, login, post, text
from web import create_app

LINK_RE = re.compile(r'id="reset-url"[^>]*value="https?://[^/"]+(/password/[^"]+)"')
NEW_PASSWORD = "neues Passwort 2027"
ADMIN_PAGES = ("/admin", "/admin/users", "/admin/users/new", "/admin/users/cw_soz",
               "/admin/teams", "/admin/clock", "/admin/health")


def start_timer_case(engine: Staffel) -> None:
    """A case of the test process ``timers``: its first timer is due on 10 March 2027."""
    engine.cases.start(PERSON, "NW", process_key="timers", data={"review_on": "2027-03-10"},
                       actor="tester")


def words(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split())


def admin_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client, "admin").status_code == 302
    return client


def audit_actions(engine: Staffel) -> list[tuple[str, str, dict[str, Any]]]:
    with engine.db.read() as session:
        return [(e.actor, e.action, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("user_%"))
            .order_by(AuditEvent.seq))]


def users_and_links(engine: Staffel) -> tuple[Any, ...]:
    with engine.db.read() as session:
        return (snapshot(engine),
                sorted((u.username, tuple(u.roles), u.active, u.email, u.password_hash)
                       for u in session.scalars(select(User))),
                session.scalar(select(func.count()).select_from(PasswordReset)))


def row_of(response: Any, row_id: str) -> str:
    """The words of one table row (by its id)."""
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', text(response), re.S)
    assert found, row_id
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def link_of(response: Any) -> str:
    found = LINK_RE.search(text(response))
    assert found, text(response)
    return found.group(1)


@pytest.mark.parametrize("username", ["cw_soz", "sup_soz", "owner"])
def test_everyone_but_an_administrator_gets_404(app: Flask, username: str) -> None:
    client = app.test_client()
    login(client, username)
    for path in ADMIN_PAGES:
        assert client.get(path, headers=HTML).status_code == 404, path
    for path in ("/admin/users/new", "/admin/users/cw_soz/deactivate", "/admin/clock",
                 "/admin/users/cw_soz/reset-link", "/admin/users/cw_soz/membership"):
        assert post(client, path, {"amount": "1", "roles": "admin"}).status_code == 404
    assert 'id="nav-admin"' not in text(client.get("/inbox", headers=HTML))


def test_signed_out_visitors_go_to_the_sign_in(client: FlaskClient) -> None:
    response = client.get("/admin/users", headers=HTML)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_user_list_shows_names_teams_roles_state_and_sign_in(app: Flask,
                                                                 api_engine: Staffel) -> None:
    api_engine.people.set_email("cw_soz", "anna@stadt.example", actor="tester")
    client = admin_client(app)
    page = client.get("/admin/users", headers=HTML)
    shown = words(page)
    assert page.status_code == 200 and 'id="nav-admin"' in text(page)
    assert f"{len(USERS)} Benutzer" in shown
    row = row_of(page, "user-cw_soz")
    assert "Sozialamt (AsylbLG)" in row and "Sachbearbeitung" in row and "aktiv" in row
    assert "anna@stadt.example" in row and "nicht bekannt" in row  # never signed in
    admin_row = row_of(page, "user-admin")
    assert "Administration" in admin_row and "nicht bekannt" not in admin_row


def test_bad_input_gives_field_errors_and_creates_nothing(app: Flask,
                                                         api_engine: Staffel) -> None:
    client = admin_client(app)
    cases = [
        ({"username": "", "roles": ["caseworker"], "teams": ["sozialamt"]}, "username",
         "1 bis 100 Zeichen"),
        ({"username": "neu", "teams": []}, "roles", "mindestens eine Rolle"),
        ({"username": "neu", "roles": ["caseworker"]}, "teams", "mindestens ein Team"),
        ({"username": "neu", "roles": ["admin"], "teams": ["sozialamt"]}, "teams",
         "Nur Sachbearbeitung und Teamleitung"),
        ({"username": "neu", "roles": ["wizard"]}, "roles", "Rollen aus der Liste"),
        ({"username": "neu", "roles": ["caseworker"], "teams": ["mars"]}, "teams",
         "Teams aus der Liste"),
        ({"username": "neu", "roles": ["admin"], "email": "keine adresse"}, "email",
         "E-Mail-Adresse wie name@stadt.example"),
    ]
    for form, field, message in cases:
        before = users_and_links(api_engine)
        response = post(client, "/admin/users/new", form)
        assert response.status_code == 422, form
        body = text(response)
        assert message in body and 'aria-invalid="true"' in body, (form, body)
        assert f'id="{field}-error"' in body
        assert users_and_links(api_engine) == before
    before = users_and_links(api_engine)
    taken = post(client, "/admin/users/new", {"username": "cw_soz", "roles": ["admin"]})
    assert taken.status_code == 409 and "schon vergeben" in text(taken)
    assert users_and_links(api_engine) == before


def test_create_a_user_who_sets_his_password_with_the_link_once(
        app: Flask, api_engine: Staffel) -> None:
    client = admin_client(app)
    created = post(client, "/admin/users/new", {"username": "m.yilmaz", "roles": ["caseworker"],
                                                "teams": ["jc_leistung", "sozialamt"],
                                                "email": "m.yilmaz@stadt.example"})
    assert created.status_code == 200 and "Benutzer m.yilmaz angelegt." in text(created)
    path = link_of(created)
    info = api_engine.people.get("m.yilmaz")
    assert info is not None and info.teams == {"jc_leistung", "sozialamt"}
    assert api_engine.people.authenticate("m.yilmaz", NEW_PASSWORD) is None
    assert [(a, act) for a, act, _ in audit_actions(api_engine)[-2:]] == [
        ("admin", "user_created"), ("admin", "user_reset_link_issued")]

    visitor = app.test_client()  # not signed in
    form = visitor.get(path, headers=HTML)
    assert form.status_code == 200 and "m.yilmaz" in text(form)
    token = csrf_token(visitor, path)
    for data, field, message, status in (
            ({"password": "kurz", "password_repeat": "kurz"}, "password",
             "Mindestens 10 Zeichen.", 422),
            ({"password": NEW_PASSWORD, "password_repeat": "anders"}, "password_repeat",
             "unterscheiden sich", 422)):
        before = users_and_links(api_engine)
        refused = visitor.post(path, data={**data, "csrf_token": token}, headers=HTML)
        assert refused.status_code == status and message in text(refused)
        assert f'id="{field}-error"' in text(refused)
        assert users_and_links(api_engine) == before
    done = visitor.post(path, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD,
                                    "csrf_token": token}, headers=HTML)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert audit_actions(api_engine)[-1][:2] == ("m.yilmaz", "user_password_reset")
    again = visitor.get(path, headers=HTML)
    assert again.status_code == 410 and "bereits benutzt" in text(again)
    reused = visitor.post(path, data={"password": "noch ein Passwort", "csrf_token": token,
                                      "password_repeat": "noch ein Passwort"}, headers=HTML)
    assert reused.status_code == 410
    assert api_engine.people.authenticate("m.yilmaz", "noch ein Passwort") is None
    assert login(visitor, "m.yilmaz", NEW_PASSWORD).status_code == 302
    unknown = visitor.get("/password/gibt-es-nicht", headers=HTML)
    assert unknown.status_code == 404 and "Dieser Link ist ungültig" in text(unknown)


def test_a_link_expires_when_the_simulated_clock_passes_48_hours(
        app: Flask, api_engine: Staffel) -> None:
    client = admin_client(app)
    path = link_of(post(client, "/admin/users/cw_jc/reset-link"))
    assert client.get(path, headers=HTML).status_code == 200
    api_engine.clock.advance(by=timedelta(hours=47), actor="tester")
    assert client.get(path, headers=HTML).status_code == 200
    api_engine.clock.advance(by=timedelta(hours=2), actor="tester")
    expired = client.get(path, headers=HTML)
    assert expired.status_code == 410 and "abgelaufen" in text(expired)
    before = users_and_links(api_engine)
    token = csrf_token(client, "/inbox")
    refused = client.post(path, data={"password": NEW_PASSWORD, "csrf_token": token,
                                      "password_repeat": NEW_PASSWORD}, headers=HTML)
    assert refused.status_code == 410 and users_and_links(api_engine) == before


def test_a_newer_link_ends_the_older_one_and_the_old_password_works_meanwhile(
        app: Flask, api_engine: Staffel) -> None:
    client = admin_client(app)
    first = link_of(post(client, "/admin/users/cw_jc/reset-link"))
    second = link_of(post(client, "/admin/users/cw_jc/reset-link"))
    assert api_engine.people.authenticate("cw_jc", PASSWORD) is not None
    ended = client.get(first, headers=HTML)
    assert ended.status_code == 410 and "gilt nicht mehr" in text(ended)
    assert client.get(second, headers=HTML).status_code == 200


def test_deactivation_ends_sessions_tokens_and_links_and_is_audited(
        app: Flask, api_engine: Staffel, tokens: dict[str, str]) -> None:
    worker = app.test_client()
    login(worker, "cw_soz")
    assert worker.get("/inbox", headers=HTML).status_code == 200
    client = admin_client(app)
    path = link_of(post(client, "/admin/users/cw_soz/reset-link"))
    done = post(client, "/admin/users/cw_soz/deactivate")
    assert done.status_code == 302
    page = client.get("/admin/users/cw_soz", headers=HTML)
    assert "ist deaktiviert" in text(page) and 'id="activate"' in text(page)
    assert worker.get("/inbox", headers=HTML).status_code == 302  # back to the sign-in
    api = app.test_client().get("/api/v1/tasks",
                                headers={"Authorization": f"Bearer {tokens['cw_soz']}"})
    assert api.status_code == 401
    assert login(app.test_client(), "cw_soz").status_code == 200  # refused: the form again
    assert client.get(path, headers=HTML).status_code == 410
    actor, action, details = audit_actions(api_engine)[-1]
    assert (actor, action) == ("admin", "user_deactivated")
    assert details["sessions_ended"] == 1 and details["tokens_revoked"] == 1
    assert post(client, "/admin/users/cw_soz/activate").status_code == 302
    assert audit_actions(api_engine)[-1][:2] == ("admin", "user_activated")
    assert login(app.test_client(), "cw_soz").status_code == 302


def test_the_last_administrator_stays_and_nobody_deactivates_himself(
        app: Flask, api_engine: Staffel) -> None:
    client = admin_client(app)
    before = users_and_links(api_engine)
    own = post(client, "/admin/users/admin/deactivate")
    assert own.status_code == 409 and "nicht selbst deaktivieren" in text(own)
    demoted = post(client, "/admin/users/admin/membership", {"roles": ["process_owner"]})
    assert demoted.status_code == 409 and "Mindestens eine aktive Administratorin" in text(
        demoted)
    assert users_and_links(api_engine) == before
    api_engine.people.add("admin2", PASSWORD, ["admin"], actor="tester")
    assert post(client, "/admin/users/admin2/deactivate").status_code == 302
    other = app.test_client()
    api_engine.people.set_active("admin2", True, actor="tester")
    login(other, "admin2")
    assert post(other, "/admin/users/admin/deactivate").status_code == 302
    assert post(other, "/admin/users/admin2/membership",
                {"roles": ["caseworker"], "teams": ["sozialamt"]}).status_code == 409


def test_roles_and_teams_change_with_the_rules_of_a_new_user(app: Flask,
                                                            api_engine: Staffel) -> None:
    client = admin_client(app)
    before = users_and_links(api_engine)
    bad = post(client, "/admin/users/cw_soz/membership", {"roles": ["caseworker"]})
    assert bad.status_code == 422 and "mindestens ein Team" in text(bad)
    assert users_and_links(api_engine) == before
    good = post(client, "/admin/users/cw_soz/membership",
                {"roles": ["caseworker", "supervisor"], "teams": ["sozialamt", "jc_leistung"]})
    assert good.status_code == 302
    info = api_engine.people.get("cw_soz")
    assert info is not None and info.roles == {"caseworker", "supervisor"}
    assert info.teams == {"sozialamt", "jc_leistung"}
    actor, action, details = audit_actions(api_engine)[-1]
    assert (actor, action) == ("admin", "user_membership_changed")
    assert details["roles_before"] == ["caseworker"] and details["teams_before"] == ["sozialamt"]
    assert client.get("/admin/users/nobody", headers=HTML).status_code == 404


def test_the_team_registry_lists_every_team_with_its_mailbox(api_engine: Staffel) -> None:
    app = create_app({"ENGINE": api_engine, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test",
                      "TEAM_EMAILS": '{"sozialamt": "sozialamt@stadt.example"}'})
    page = admin_client(app).get("/admin/teams", headers=HTML)
    shown = words(page)
    assert page.status_code == 200 and "Teams" in shown
    row = row_of(page, "team-sozialamt")
    assert "sozialamt@stadt.example" in row and row.split()[-1] == "4"  # cw_soz, 2, multi, sup
    assert "Jobcenter Leistungssachbearbeitung" in shown and "nicht eingerichtet" in shown


def test_the_clock_page_moves_the_simulated_clock_forward_only(app: Flask,
                                                              api_engine: Staffel) -> None:
    client = admin_client(app)
    start = api_engine.clock.now()
    page = client.get("/admin/clock", headers=HTML)
    assert page.status_code == 200 and "Systemzeit der Engine" in text(page)
    assert 'id="admin-nav-clock"' in text(page)
    for form, field, message in (({"amount": "-3", "unit": "days"}, "amount", "größer als 0"),
                                 ({"amount": "zwei", "unit": "days"}, "amount", "ganze Zahl"),
                                 ({"amount": "3661", "unit": "days"}, "amount", "3660 Tage"),
                                 ({"amount": "", "to": "2020-01-01"}, "to", "nur vorwärts"),
                                 ({"amount": "", "to": "03.05.2027"}, "to", "Datum wie")):
        before = snapshot(api_engine)
        refused = post(client, "/admin/clock", form)
        assert refused.status_code == 422 and message in text(refused), form
        assert f'id="{field}-error"' in text(refused)
        assert api_engine.clock.now() == start and snapshot(api_engine) == before
    moved = post(client, "/admin/clock", {"amount": "2", "unit": "days"},
                 follow_redirects=True)
    assert api_engine.clock.now() == start + timedelta(days=2)
    assert "unterwegs wurden 0 Timer ausgelöst" in text(moved)
    with api_engine.db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "clock_advanced")
                                .order_by(AuditEvent.seq.desc())).first()
        assert event is not None and event.actor == "admin"


def test_the_clock_page_fires_due_timers_and_says_how_many(app: Flask,
                                                          api_engine: Staffel) -> None:
    start_timer_case(api_engine)
    due = api_engine.timers.next_due()
    assert due is not None
    client = admin_client(app)
    day = (due + timedelta(days=2)).date().isoformat()
    moved = post(client, "/admin/clock", {"amount": "", "to": day}, follow_redirects=True)
    fired = re.search(r"unterwegs wurden? (\d+) Timer ausgelöst", text(moved))
    assert fired and int(fired.group(1)) >= 1


def test_with_the_system_clock_the_clock_page_does_not_exist(
        make_engine: Callable[..., Staffel]) -> None:
    eng = make_engine(clock="system", clock_start=None)
    eng.context.password_hasher = FAST_HASHER
    eng.people.add("admin", PASSWORD, ["admin"])
    app = create_app({"ENGINE": eng, "DEPLOY_ON_START": False, "TESTING": True,
                      "SECRET_KEY": "test"})
    client = admin_client(app)
    assert client.get("/admin/clock", headers=HTML).status_code == 404
    assert post(client, "/admin/clock", {"amount": "1", "unit": "days"}).status_code == 404
    overview = text(client.get("/admin", headers=HTML))
    assert "/admin/clock" not in overview and "/admin/health" in overview
    assert "/admin/clock" not in text(client.get("/admin/health", headers=HTML))


def test_the_health_page_shows_database_scheduler_timers_and_reminders(
        app: Flask, api_engine: Staffel) -> None:
    client = admin_client(app)
    page = client.get("/admin/health", headers=HTML)
    shown = words(page)
    assert page.status_code == 200
    assert "Bereit: erreichbar, aktuell und beschreibbar." in shown
    assert "Noch keine Zeitsteuerung hat sich gemeldet" in shown
    assert migration_head() and migration_head() in shown  # the newest migration, whichever
    start_timer_case(api_engine)
    api_engine.health.beat("timers", 3)
    api_engine.health.beat("reminders", 0)
    api_engine.clock.advance(by=timedelta(days=400), actor="tester")  # fires it
    shown = words(client.get("/admin/health", headers=HTML))
    assert "Timer auslösen" in shown and "Erinnerungen senden" in shown and "läuft" in shown
    assert "Jetzt fällig" in shown and "Überfällig" in shown
    assert "noch keine" in shown  # no reminder sent yet
    assert "basic" in shown  # a deployed process


def test_a_timer_due_and_not_fired_counts_as_overdue(api_engine: Staffel) -> None:
    start_timer_case(api_engine)
    with api_engine.db.write() as session:  # a timer the scheduler missed
        timer = session.scalars(select(Timer)).first()
        assert timer is not None
        timer.due_at = api_engine.clock.now() - timedelta(hours=1)
    report = api_engine.health.report()
    assert report.timers.due_now >= 1 and report.timers.overdue >= 1


def test_heartbeats_without_work_are_written_at_most_every_30_seconds(
        api_engine: Staffel) -> None:
    api_engine.health.beat("timers", 0)
    first = api_engine.health.report().beats[0].beat_at
    api_engine.health.beat("timers", 0)
    assert api_engine.health.report().beats[0].beat_at == first
    api_engine.health.beat("timers", 2)  # work done: written at once
    beats = api_engine.health.report().beats
    assert len(beats) == 1 and beats[0].count == 2 and not beats[0].stale


def test_the_pages_speak_english_when_chosen(app: Flask) -> None:
    client = admin_client(app)
    post(client, "/language", {"lang": "en", "next": "/admin"})
    for path, phrase in (("/admin", "Administration"), ("/admin/users", "Last sign-in"),
                         ("/admin/teams", "Mailbox"), ("/admin/clock", "Engine time"),
                         ("/admin/health", "Database"),
                         ("/admin/users/new", "Create user")):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200 and phrase in text(page), path
    refused = post(client, "/admin/users/new", {"username": "x y", "roles": ["admin"]})
    assert refused.status_code == 422 and "1 to 100 characters" in text(refused)


def test_the_scheduler_writes_its_heartbeat_and_survives_a_failing_one(
        api_engine: Staffel) -> None:
    from dataclasses import replace

    from engine import TimerScheduler

    scheduler = TimerScheduler(api_engine.scheduler_hooks())
    scheduler.sweep()
    assert [(b.job, b.count) for b in api_engine.health.report().beats] == [("timers", 0)]

    def broken(job: str, count: int) -> None:
        raise RuntimeError("database restarting")

    failing = TimerScheduler(replace(api_engine.scheduler_hooks(), heartbeat=broken))
    start_timer_case(api_engine)
    api_engine.clock.advance(to=api_engine.clock.now(), actor="tester")
    assert failing.sweep() == 0 and failing.remind() == 0  # no exception escapes


def test_migration_0016_goes_down_and_up_again(api_engine: Staffel) -> None:
    from sqlalchemy import inspect

    from tests.conftest import migrate_down

    api_engine.people.issue_reset_link("cw_soz", actor="tester")
    api_engine.health.beat("timers", 1)
    migrate_down(api_engine.db, "0015_task_work")
    tables = set(inspect(api_engine.db.engine).get_table_names())
    assert not {"password_resets", "scheduler_beats"} & tables and "users" in tables
    api_engine.db.migrate()
    tables = set(inspect(api_engine.db.engine).get_table_names())
    assert {"password_resets", "scheduler_beats"} <= tables
    assert api_engine.people.authenticate("cw_soz", PASSWORD) is not None
