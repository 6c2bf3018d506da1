"""The inbox page: team scoping, filters, pagination counts, claim / give back, htmx
fragments, and supervisors' (bulk) reassignment."""

from __future__ import annotations

import re
from datetime import timedelta

from flask.testing import FlaskClient

from engine import Staffel
from tests.web.conftest import start_basic, start_jc
from tests.web.test_pages_support import HTML, login, post, text

ROWS = re.compile(r'<tr id="task-([0-9a-f-]+)"')


def rows(response: object) -> list[str]:
    return ROWS.findall(text(response))


def test_inbox_lists_only_the_teams_tasks(client: FlaskClient, api_engine: Staffel) -> None:
    soz = start_basic(api_engine)
    jc = start_jc(api_engine)
    login(client, "cw_soz")
    page = client.get("/inbox", headers=HTML)
    assert rows(page) == [soz.open_tasks[0].id]
    assert jc.open_tasks[0].id not in text(page)
    body = text(page)
    assert "Aufgaben 1–1 von 1" in body and "Sozialamt (AsylbLG)" in body
    assert "Register person" in body and soz.case_number in body
    assert "04.03.2027" in body  # 3 working days after Monday 1 March 2027


def test_filters_and_pagination_counts(client: FlaskClient, api_engine: Staffel) -> None:
    cases = [start_basic(api_engine, f"81000{i:02d}-423") for i in range(23)]
    resettled = start_jc(api_engine)
    login(client, "cw_multi")  # sozialamt + jc_leistung
    first = client.get("/inbox", headers=HTML)
    assert "Aufgaben 1–20 von 24" in text(first) and len(rows(first)) == 20
    assert 'aria-current="page">Seite 1<' in text(first)
    second = client.get("/inbox?page=2", headers=HTML)
    assert "Aufgaben 21–24 von 24" in text(second) and len(rows(second)) == 4
    assert "Aufgaben 21–24 von 24" in text(client.get("/inbox?page=9", headers=HTML))
    assert "Aufgaben 1–20 von 24" in text(client.get("/inbox?page=x", headers=HTML))
    by_type = client.get("/inbox?type=Task_ack", headers=HTML)
    assert rows(by_type) == [resettled.open_tasks[0].id]
    by_stage = client.get("/inbox?stage=S3e", headers=HTML)
    assert rows(by_stage) == [resettled.open_tasks[0].id]
    assert "von 23" in text(client.get("/inbox?stage=S1", headers=HTML))
    one = cases[5]
    by_number = client.get(f"/inbox?case={one.case_number.lower()}", headers=HTML)
    assert rows(by_number) == [one.open_tasks[0].id]
    assert rows(client.get("/inbox?overdue=1", headers=HTML)) == []
    api_engine.clock.advance(by=timedelta(days=4))  # sozialamt tasks were due on 4 March
    overdue = client.get("/inbox?overdue=1", headers=HTML)
    assert "von 23" in text(overdue)
    assert "Überfällig: 04.03.2027" in text(overdue)  # in text, not only colour
    assert resettled.open_tasks[0].id not in rows(client.get("/inbox?overdue=1&page=2",
                                                             headers=HTML))


def test_claim_and_give_back_with_plain_posts(client: FlaskClient,
                                              api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    login(client, "cw_soz")
    claimed = post(client, f"/tasks/{task_id}/claim", {"next": "/inbox?scope=mine"})
    assert claimed.status_code == 302 and claimed.location == "/inbox?scope=mine"
    assert api_engine.tasks.info(task_id).assignee == "cw_soz"
    page = client.get("/inbox?scope=mine", headers=HTML)
    assert "übernommen" in text(page) and rows(page) == [task_id]
    back = post(client, f"/tasks/{task_id}/unclaim", {"next": "/inbox"})
    assert back.status_code == 302
    assert api_engine.tasks.info(task_id).assignee is None
    assert rows(client.get("/inbox?scope=mine", headers=HTML)) == []


def test_a_task_claimed_by_someone_else(client: FlaskClient, api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    api_engine.tasks.claim(task_id, "cw_soz2")
    login(client, "cw_soz")
    assert rows(client.get("/inbox", headers=HTML)) == []  # mine + unassigned only
    assert rows(client.get("/inbox?scope=team", headers=HTML)) == [task_id]
    post(client, f"/tasks/{task_id}/claim", {"next": "/inbox"})
    assert "schon übernommen" in text(client.get("/inbox", headers=HTML))
    assert post(client, f"/tasks/{task_id}/unclaim").status_code == 403
    assert api_engine.tasks.info(task_id).assignee == "cw_soz2"


def test_htmx_gets_only_the_result_list(client: FlaskClient, api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    login(client, "cw_soz")
    hx = {**HTML, "HX-Request": "true", "HX-Target": "inbox-results"}
    fragment = text(client.get("/inbox?scope=open", headers=hx))
    assert fragment.startswith('<div id="inbox-results">') and "<html" not in fragment
    token = re.search(r'name="csrf_token" value="([^"]+)"', fragment)
    assert token is not None
    claimed = client.post(f"/tasks/{task_id}/claim", headers=hx, follow_redirects=True,
                          data={"next": "/inbox", "csrf_token": token.group(1)})
    body = text(claimed)
    assert claimed.status_code == 200 and body.startswith('<div id="inbox-results">')
    assert "übernommen" in body and api_engine.tasks.info(task_id).assignee == "cw_soz"


def test_other_teams_tasks_cannot_be_claimed(client: FlaskClient, api_engine: Staffel) -> None:
    jc_task = start_jc(api_engine).open_tasks[0].id
    login(client, "cw_soz")
    response = post(client, f"/tasks/{jc_task}/claim")
    assert response.status_code == 404 and "Seite nicht gefunden" in text(response)
    assert api_engine.tasks.info(jc_task).assignee is None


def test_supervisor_reassigns_several_tasks_at_once(client: FlaskClient,
                                                    api_engine: Staffel) -> None:
    ids = [start_basic(api_engine, f"82000{i:02d}-423").open_tasks[0].id for i in range(3)]
    jc_task = start_jc(api_engine).open_tasks[0].id
    login(client, "sup_soz")
    page = text(client.get("/inbox", headers=HTML))
    assert 'form="bulk-assign"' in page and '<option value="cw_soz2">' in page
    response = post(client, "/inbox/assign", {"task_ids": [*ids[:2], jc_task],
                                              "assignee": "cw_soz2", "next": "/inbox"})
    assert response.status_code == 302
    assert [api_engine.tasks.info(i).assignee for i in ids] == ["cw_soz2", "cw_soz2", None]
    assert api_engine.tasks.info(jc_task).assignee is None
    page = text(client.get("/inbox", headers=HTML))
    assert "2 Aufgaben an cw_soz2 zugewiesen." in page
    assert "1 Aufgabe konnte nicht zugewiesen werden" in page
    post(client, "/inbox/assign", {"task_ids": [ids[2]], "assignee": "cw_jc"})
    assert api_engine.tasks.info(ids[2]).assignee is None  # not a member of the team
    assert "gehört nicht zum Team" in text(client.get("/inbox", headers=HTML))


def test_caseworkers_may_not_reassign(client: FlaskClient, api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    login(client, "cw_soz")
    assert 'form="bulk-assign"' not in text(client.get("/inbox", headers=HTML))
    response = post(client, "/inbox/assign", {"task_ids": [task_id], "assignee": "cw_soz"})
    assert response.status_code == 403
    assert api_engine.tasks.info(task_id).assignee is None


def test_roles_without_an_inbox(client: FlaskClient) -> None:
    """Issue 15, point 11: a process owner lands on his diagrams, not an empty inbox."""
    signed_in = login(client, "owner")
    assert signed_in.status_code == 302 and signed_in.location == "/inbox"
    for path in ("/", "/inbox"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 302 and page.location == "/editor"
    assert "Prozess-Editor" in text(client.get("/editor", headers=HTML))
    assert client.get("/inbox?scope=mine", headers={**HTML, "HX-Request": "true"}).location \
        == "/editor"


def test_admin_sees_tasks_but_gets_no_work_buttons(client: FlaskClient,
                                                   api_engine: Staffel) -> None:
    task_id = start_basic(api_engine).open_tasks[0].id
    login(client, "admin")
    page = client.get("/inbox", headers=HTML)
    assert rows(page) == [task_id]
    assert "/claim" not in text(page) and "Bearbeiten" not in text(page)
    assert "HX-Request, HX-Target" in page.headers["Vary"]
    assert post(client, f"/tasks/{task_id}/claim").status_code == 403


def test_the_task_type_filter_lists_only_the_types_of_my_teams(
        client: FlaskClient, api_engine: Staffel) -> None:
    """Issue 15, point 7: the task-type filter offers the user tasks of the lanes of the user's
    teams (and those whose team is decided at run time), not every team's."""
    def offered(username: str) -> set[str]:
        fresh = client.application.test_client()
        login(fresh, username)
        page = text(fresh.get("/inbox", headers=HTML))
        select = page.split('id="filter-type"', 1)[1].split("</select>", 1)[0]
        return set(re.findall(r'<option value="([^"]+)"', select))

    outline = api_engine.definitions.outline("basic", 1)
    assert dict(outline.task_teams)["Task_register"] == "sozialamt"
    assert dict(api_engine.definitions.outline("child", 1).task_teams)["Task_ack"] \
        == "jc_leistung"
    assert "Task_register" in offered("cw_soz") and "Task_ack" not in offered("cw_soz")
    assert "Task_ack" in offered("cw_jc") and "Task_register" not in offered("cw_jc")
    assert {"Task_register", "Task_ack"} <= offered("admin")
