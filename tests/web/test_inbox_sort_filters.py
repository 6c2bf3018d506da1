"""Issue 15, point 7: the inbox sorts by its columns, filters by a due range and by who holds
a task, and keeps filters a user saved under a name (his own only)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import MAX_SAVED_FILTERS, Staffel
from engine.persistence.preference_models import SavedFilter
from tests.web.conftest import snapshot, start_basic
from tests.web.test_pages_support import HTML, login, post, text

ROWS = re.compile(r'<tr id="task-([0-9a-f-]+)"')


def rows(response: Any) -> list[str]:
    return ROWS.findall(text(response))


def three_cases(eng: Staffel) -> list[Any]:
    """Three Sozialamt tasks due on 4, 5 and 8 March 2027 (three working days each)."""
    first = start_basic(eng, "8100001-423")
    eng.clock.advance(by=timedelta(days=1))
    second = start_basic(eng, "8100002-423")
    eng.clock.advance(by=timedelta(days=1))
    third = start_basic(eng, "8100003-423")
    return [first, second, third]


def saved(eng: Staffel) -> int:
    with eng.db.read() as session:
        return session.scalar(select(func.count()).select_from(SavedFilter)) or 0


def test_columns_sort_both_ways(client: FlaskClient, api_engine: Staffel) -> None:
    cases = three_cases(api_engine)
    ids = [c.open_tasks[0].id for c in cases]
    api_engine.tasks.claim(ids[0], "cw_soz2")
    login(client, "sup_soz")
    assert rows(client.get("/inbox", headers=HTML)) == ids  # soonest due first
    newest_first = client.get("/inbox?sort=due&desc=1", headers=HTML)
    assert rows(newest_first) == ids[::-1]
    assert 'aria-sort="descending"' in text(newest_first)
    by_case = sorted(cases, key=lambda c: c.case_number)
    assert rows(client.get("/inbox?sort=case", headers=HTML)) == [c.open_tasks[0].id
                                                                  for c in by_case]
    assert rows(client.get("/inbox?sort=case&desc=1", headers=HTML)) == [
        c.open_tasks[0].id for c in by_case[::-1]]
    held_first = rows(client.get("/inbox?sort=assignee", headers=HTML))
    assert held_first[0] == ids[0]  # the held task first, nobody's last
    page = text(client.get("/inbox?sort=case", headers=HTML))
    assert 'aria-sort="ascending"' in page and "sort=case&amp;desc=1" in page
    # an unknown order falls back to the due date
    assert rows(client.get("/inbox?sort=evil", headers=HTML)) == ids


def test_due_range(client: FlaskClient, api_engine: Staffel) -> None:
    ids = [c.open_tasks[0].id for c in three_cases(api_engine)]
    login(client, "cw_soz")
    assert "04.03.2027" in text(client.get("/inbox", headers=HTML))
    assert rows(client.get("/inbox?due_from=2027-03-04&due_to=2027-03-04",
                           headers=HTML)) == ids[:1]
    assert rows(client.get("/inbox?due_from=2027-03-05", headers=HTML)) == ids[1:]
    assert rows(client.get("/inbox?due_to=2027-03-05", headers=HTML)) == ids[:2]
    bad = client.get("/inbox?due_from=morgen", headers=HTML)
    assert bad.status_code == 200 and rows(bad) == ids
    assert "„morgen“ ist kein Datum" in text(bad) and 'aria-invalid="true"' in text(bad)
    turned = client.get("/inbox?due_from=2027-03-08&due_to=2027-03-04", headers=HTML)
    assert "Das Ende des Fälligkeitszeitraums liegt vor seinem Anfang." in text(turned)
    assert rows(turned) == ids[2:]  # the start still applies


def test_assignee_filter(client: FlaskClient, api_engine: Staffel) -> None:
    ids = [c.open_tasks[0].id for c in three_cases(api_engine)]
    api_engine.tasks.claim(ids[1], "cw_soz2")
    login(client, "sup_soz")
    page = text(client.get("/inbox", headers=HTML))
    assert '<option value="cw_soz2"' in page and "Noch niemand" in page
    assert rows(client.get("/inbox?assignee=cw_soz2", headers=HTML)) == [ids[1]]
    assert rows(client.get("/inbox?assignee=-", headers=HTML)) == [ids[0], ids[2]]
    assert rows(client.get("/inbox?assignee=nobody-here", headers=HTML)) == []


def test_saved_filters_are_per_user(client: FlaskClient, api_engine: Staffel) -> None:
    cases = three_cases(api_engine)
    login(client, "cw_soz")
    query = "due_from=2027-03-05&sort=case&desc=1&page=3&junk=1&scope=team"
    done = post(client, "/inbox/filters", {"name": "Ab Freitag", "query": query})
    assert done.status_code == 302
    [mine] = api_engine.saved_filters.list("cw_soz")
    assert mine.name == "Ab Freitag"
    assert mine.query == "scope=team&due_from=2027-03-05&sort=case&desc=1"  # normalised
    page = client.get("/inbox", headers=HTML)
    assert "Ab Freitag" in text(page) and "Filter „Ab Freitag“ gespeichert." in text(page)
    href = re.search(r'<a href="(/inbox\?[^"]+)">Ab Freitag</a>', text(page))
    assert href is not None
    later = sorted(cases[1:], key=lambda c: c.case_number, reverse=True)
    assert rows(client.get(href.group(1).replace("&amp;", "&"), headers=HTML)) == [
        c.open_tasks[0].id for c in later]
    # the same name replaces the query
    post(client, "/inbox/filters", {"name": "Ab Freitag", "query": "overdue=1"})
    assert [f.query for f in api_engine.saved_filters.list("cw_soz")] == ["overdue=1&scope=open"]
    assert "aktualisiert" in text(client.get("/inbox", headers=HTML))
    # a colleague neither sees nor deletes it
    post(client, "/logout", {})
    login(client, "cw_soz2")
    assert "Ab Freitag" not in text(client.get("/inbox", headers=HTML))
    other = post(client, f"/inbox/filters/{mine.id}/delete", {})
    assert other.status_code == 404 and saved(api_engine) == 1
    post(client, "/logout", {})
    login(client, "cw_soz")
    gone = post(client, f"/inbox/filters/{mine.id}/delete", {})
    assert gone.status_code == 302 and saved(api_engine) == 0


def test_bad_saved_filters_change_nothing(client: FlaskClient, api_engine: Staffel) -> None:
    login(client, "cw_soz")
    for name in ("", "   ", "x" * 61, "tab\there"):
        post(client, "/inbox/filters", {"name": name, "query": "overdue=1"})
        assert saved(api_engine) == 0
    assert "einen Namen mit höchstens 60 Zeichen" in text(client.get("/inbox", headers=HTML))
    for n in range(MAX_SAVED_FILTERS):
        post(client, "/inbox/filters", {"name": f"Filter {n}", "query": "overdue=1"})
    assert saved(api_engine) == MAX_SAVED_FILTERS
    post(client, "/inbox/filters", {"name": "one more", "query": "overdue=1"})
    assert saved(api_engine) == MAX_SAVED_FILTERS
    assert "bereits 20 gespeicherte Filter" in text(client.get("/inbox", headers=HTML))


def test_the_api_sorts_and_filters_like_the_page(api: Any, api_engine: Staffel) -> None:
    cases = three_cases(api_engine)
    ids = [c.open_tasks[0].id for c in cases]
    api_engine.tasks.claim(ids[1], "cw_soz2")

    def listed(query: str) -> list[str]:
        answer = api.get(f"/api/v1/tasks?{query}", as_="sup_soz")
        assert answer.status_code == 200, answer.get_json()
        return [item["id"] for item in answer.get_json()["items"]]

    assert listed("") == ids and listed("sort=due_at") == ids
    assert listed("sort=due&descending=true") == ids[::-1]
    by_case = [c.open_tasks[0].id for c in sorted(cases, key=lambda c: c.case_number)]
    assert listed("sort=case") == by_case
    assert listed("due_from=2027-03-05&due_to=2027-03-05") == ids[1:2]
    assert listed("unassigned=true") == [ids[0], ids[2]]
    assert listed("assignee=cw_soz2") == ids[1:2]
    before = snapshot(api_engine)
    bad = api.get("/api/v1/tasks?due_from=2027-03-08&due_to=2027-03-04", as_="sup_soz")
    assert bad.status_code == 422 and "due_to" in str(bad.get_json())
    for query in ("sort=evil", "due_from=morgen", "descending=vielleicht"):
        assert api.get(f"/api/v1/tasks?{query}", as_="sup_soz").status_code == 422, query
    assert snapshot(api_engine) == before
