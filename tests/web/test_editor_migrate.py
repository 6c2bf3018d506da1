"""Moving running cases to a newer version from the editor's migration page: the dry run lists
every case with its position and whether it can move (movable ones preselected), the run moves
the chosen ones and reports per case; who may; bad input is a 422 page with nothing changed."""

from __future__ import annotations

import html
import re

from flask import Flask
from sqlalchemy import select

from engine import Staffel
from engine.persistence.models import ProcessInstance
from tests.engine.definitions.test_versions import basic_without_wait
from tests.web.conftest import snapshot, start_basic, start_waiting
from tests.web.test_editor_pages import as_user, post_xml
from tests.web.test_pages_support import HTML, csrf_token, text


def two_versions(app: Flask, engine: Staffel) -> tuple[object, object]:
    """A case at Task_register (can move) and one waiting for the message (cannot: version 2
    has no Gw_decision_merge)."""
    at_task, at_message = start_basic(engine), start_waiting(engine, "8000000-002")
    owner = as_user(app, "owner")
    assert post_xml(owner, "/editor/basic/deploy",
                    basic_without_wait().decode()).status_code == 201
    return at_task, at_message


def rows(body: str, table: str) -> dict[str, str]:
    part = body.split(f'id="{table}"')[1].split("</table>")[0]
    return {m.group(2): m.group(1) for m in re.finditer(
        r'(<tr data-case="([^"]+)"[^>]*>.*?</tr>)', part, re.S)}


def test_dry_run_then_run_for_the_chosen_cases(app: Flask, api_engine: Staffel) -> None:
    at_task, at_message = two_versions(app, api_engine)
    owner = as_user(app, "owner")
    history = text(owner.get("/editor/basic/history", headers=HTML))
    assert 'href="/editor/basic/migrate"' in history
    chooser = owner.get("/editor/basic/migrate", headers=HTML)
    assert chooser.status_code == 200 and 'id="migrate-dry-run"' not in text(chooser)
    before = snapshot(api_engine)
    dry = html.unescape(text(owner.get("/editor/basic/migrate?from=1&to=2", headers=HTML)))
    assert snapshot(api_engine) == before  # a dry run changes nothing
    found = rows(dry, "migrate-dry-run")
    movable, blocked = found[at_task.case_number], found[at_message.case_number]
    assert 'class="movable"' in movable and 'class="blocked"' in blocked
    assert f'value="{at_task.id}"' in movable and "checked" in movable
    assert "Register person (Task_register)" in movable
    assert f'value="{at_message.id}"' in blocked and "disabled" in blocked
    assert "Decision or follow-up? (Gw_decision_wait)" in blocked and "Gw_decision_" in blocked
    assert "existiert in Version 2 nicht" in blocked or "does not exist in version 2" in blocked

    with api_engine.db.read() as s:
        stays = s.scalars(select(ProcessInstance).where(
            ProcessInstance.case_id == at_message.id)).one()
        state, lock = stays.state, stays.lock_version
    token = csrf_token(owner, "/editor")
    done = owner.post("/editor/basic/migrate", headers=HTML, data={
        "csrf_token": token, "from": "1", "to": "2", "case": [at_task.id, at_message.id]})
    assert done.status_code == 200
    body = html.unescape(text(done))
    result = rows(body, "migrate-result")
    assert 'class="moved"' in result[at_task.case_number]
    assert 'class="stayed"' in result[at_message.case_number]
    assert "Gw_decision_" in result[at_message.case_number]
    assert 'id="migrate-summary"' in body
    items = {i["version"]: i["running_cases"] for i in api_engine.definitions.history("basic")}
    assert items == {1: 1, 2: 1}
    assert [e.action for e in api_engine.audit.events(at_task.id)].count(
        "instance_migrated") == 1
    with api_engine.db.read() as s:
        after = s.scalars(select(ProcessInstance).where(
            ProcessInstance.case_id == at_message.id)).one()
        assert (after.state, after.lock_version) == (state, lock)
    # the moved case goes on to the end on version 2
    task = api_engine.cases.get(at_task.id).open_tasks[0]
    api_engine.tasks.complete(task.id, {"interpreter_needed": False}, actor="tester")


def test_bad_choices_are_422_and_change_nothing(app: Flask, api_engine: Staffel) -> None:
    at_task, _at_message = two_versions(app, api_engine)
    owner = as_user(app, "owner")
    before = snapshot(api_engine)
    for query in ("from=2&to=1", "from=1&to=1", "from=1&to=9", "from=x&to=2"):
        answer = owner.get(f"/editor/basic/migrate?{query}", headers=HTML)
        assert answer.status_code == 422 and 'id="migrate-error"' in text(answer), query
    token = csrf_token(owner, "/editor")
    nothing = owner.post("/editor/basic/migrate", headers=HTML, data={
        "csrf_token": token, "from": "1", "to": "2"})
    assert nothing.status_code == 422 and 'id="migrate-error"' in text(nothing)
    assert 'id="migrate-dry-run"' in text(nothing)  # the choice is offered again
    wrong = owner.post("/editor/basic/migrate", headers=HTML, data={
        "csrf_token": token, "from": "2", "to": "1", "case": [at_task.id]})
    assert wrong.status_code == 422
    no_csrf = owner.post("/editor/basic/migrate", headers=HTML, data={
        "from": "1", "to": "2", "case": [at_task.id]})
    assert no_csrf.status_code == 400
    assert owner.get("/editor/nope/migrate", headers=HTML).status_code == 404
    assert snapshot(api_engine) == before


def test_only_process_owners_and_admins_migrate(app: Flask, api_engine: Staffel) -> None:
    at_task, _at_message = two_versions(app, api_engine)
    before = snapshot(api_engine)
    for user in ("cw_soz", "sup_soz"):
        worker = as_user(app, user)
        assert worker.get("/editor/basic/migrate?from=1&to=2", headers=HTML).status_code == 403
        assert worker.post("/editor/basic/migrate", headers=HTML, data={
            "csrf_token": csrf_token(worker, "/inbox"), "from": "1", "to": "2",
            "case": [at_task.id]}).status_code == 403
    assert snapshot(api_engine) == before
    admin = as_user(app, "admin")
    assert admin.get("/editor/basic/migrate?from=1&to=2", headers=HTML).status_code == 200
