"""The import pages of the Eingangszone: upload and report, downloads, Klärfälle (resolve,
discard), the inbox badge, and 404 for every other team."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine import Staffel
from tests.adapters.imports_world import DATA, counts, waits
from tests.web.conftest import PASSWORD, start_waiting
from tests.web.test_pages_support import HTML, login, post, text

DECISIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bescheide xmlns="urn:staffel:import:decisions:1">
  <bescheid>
    <aktenzeichen>{az}</aktenzeichen>
    <familienname>{family}</familienname>
    <vorname>Rana</vorname>
    <geburtsdatum>1990-04-12</geburtsdatum>
    <entscheidung>fluechtlingseigenschaft</entscheidung>
    <bescheiddatum>2027-03-01</bescheiddatum>
    <zugestelltAm>2027-03-03</zugestelltAm>
  </bescheid>
</bescheide>
"""


@pytest.fixture
def users(api_engine: Staffel) -> Staffel:
    api_engine.people.add("sup_ez", PASSWORD, ["supervisor"], ["eingangszone"])
    return api_engine


def upload(client: FlaskClient, kind: str, name: str, body: bytes) -> Any:
    return post(client, "/imports", {"kind": kind, "file": (io.BytesIO(body), name)},
                content_type="multipart/form-data")


def decisions(az: str, family: str = "Haddad") -> bytes:
    return DECISIONS.format(az=az, family=family).encode("utf-8")


@pytest.mark.parametrize("username", ["cw_soz", "sup_soz", "cw_jc", "owner"])
def test_other_teams_get_404_everywhere(client: FlaskClient, users: Staffel,
                                        username: str) -> None:
    login(client, "cw_ez")
    upload(client, "decisions", "d.xml", decisions("9999999-999"))
    post(client, "/logout")
    login(client, username)
    before = counts(users)
    for path in ("/imports", "/imports/1", "/imports/1/original", "/imports/1/report.csv",
                 "/imports/clarifications"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert "Klärfall" not in text(response)
    assert upload(client, "decisions", "e.xml", decisions("8888888-888")).status_code == 404
    assert post(client, "/imports/clarifications/1/discard", {"reason": "x"}).status_code == 404
    assert post(client, "/imports/clarifications/1/resolve",
                {"case_number": "ST-1"}).status_code == 404
    assert counts(users) == before
    inbox = text(client.get("/inbox", headers=HTML))
    assert "clarifications-badge" not in inbox and 'href="/imports"' not in inbox


@pytest.mark.parametrize("username", ["cw_ez", "sup_ez", "admin"])
def test_the_eingangszone_its_leads_and_admins_get_in(client: FlaskClient, users: Staffel,
                                                      username: str) -> None:
    login(client, username)
    page = client.get("/imports", headers=HTML)
    assert page.status_code == 200
    assert "Datei hochladen" in text(page) and 'href="/imports"' in text(page)
    clarifications = client.get("/imports/clarifications", headers=HTML).status_code
    assert clarifications == (404 if username == "admin" else 200)  # persons' data


def test_upload_report_and_downloads(client: FlaskClient, users: Staffel) -> None:
    case = start_waiting(users, "8000000-001")
    login(client, "cw_ez")
    body = decisions("8000000-001")
    response = upload(client, "decisions", "bescheide.xml", body)
    assert response.status_code == 302
    report_url = response.headers["Location"]
    page = text(client.get(report_url, headers=HTML))
    assert "Die Datei wurde importiert." in page and "bescheide.xml" in page
    assert "Jede Zeile wurde ihrem Fall zugestellt." in page
    assert "bamf_decision" not in waits(users, case.id)
    file_id = int(report_url.rstrip("/").rsplit("/", 1)[1])
    original = client.get(f"/imports/{file_id}/original", headers=HTML)
    assert original.data == body
    assert "attachment" in original.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(client.get(f"/imports/{file_id}/report.csv").data
                                       .decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Zeile", "Ergebnis"] and rows[1][:3] == ["3", "correlated",
                                                                  case.case_number]
    report = json.loads(client.get(f"/imports/{file_id}/report.json").data)
    assert report["counts"]["correlated"] == 1 and report["lines"][0]["line"] == 3
    assert client.get(f"/imports/{file_id}/report.xlsx", headers=HTML).status_code == 404
    assert client.get("/imports/999", headers=HTML).status_code == 404
    # the same file again: nothing changes, the earlier report is shown
    before = counts(users)
    again = upload(client, "decisions", "copy.xml", body)
    assert again.headers["Location"] == report_url
    assert "bereits importiert" in text(client.get(report_url, headers=HTML))
    assert counts(users) == before


@pytest.mark.parametrize(("kind", "name", "needle"), [
    ("permits", "permits_xxe.xml", "nichts wurde importiert"),
    ("permits", "permits_wrong_header.csv", "wrong header"),
    ("", "permits_semicolon.csv", "Wählen Sie, welche Art von Datei"),
])
def test_a_rejected_upload_is_422_and_stores_nothing(client: FlaskClient, users: Staffel,
                                                     kind: str, name: str, needle: str) -> None:
    login(client, "cw_ez")
    before = counts(users)
    response = upload(client, kind, name, (DATA / name).read_bytes())
    assert response.status_code == 422
    assert needle in text(response) and 'aria-invalid="true"' in text(response)
    assert counts(users) == before


def test_an_upload_without_a_file_is_422(client: FlaskClient, users: Staffel) -> None:
    login(client, "cw_ez")
    response = post(client, "/imports", {"kind": "permits"})
    assert response.status_code == 422 and "Wählen Sie eine Datei." in text(response)


def test_clarifications_resolve_and_discard(client: FlaskClient, users: Staffel) -> None:
    waiting = start_waiting(users, "8000000-001")
    login(client, "cw_ez")
    upload(client, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    upload(client, "decisions", "b.xml", decisions("9999999-992", "Niemand"))
    inbox = text(client.get("/inbox", headers=HTML))
    assert "2 Klärfälle aus Importen sind offen" in inbox
    page = text(client.get("/imports/clarifications", headers=HTML))
    assert page.count('class="clarification"') == 2 and "Kein Fall gefunden" in page
    first, second = (c.id for c in users.imports.clarifications().items)
    before = counts(users)
    bad = post(client, f"/imports/clarifications/{first}/resolve", {"case_number": "ST-NOPE"})
    assert bad.status_code == 422 and "Es gibt keinen Fall mit dieser Nummer." in text(bad)
    empty = post(client, f"/imports/clarifications/{second}/discard", {"reason": " "})
    assert empty.status_code == 422 and "Geben Sie einen Grund an." in text(empty)
    assert counts(users) == before
    done = post(client, f"/imports/clarifications/{first}/resolve",
                {"case_number": waiting.case_number})
    assert done.status_code == 302
    assert "bamf_decision" not in waits(users, waiting.id)
    twice = post(client, f"/imports/clarifications/{first}/resolve",
                 {"case_number": waiting.case_number})
    assert twice.status_code == 409 and "bereits entschieden" in text(twice)
    gone = post(client, f"/imports/clarifications/{second}/discard",
                {"reason": "Person unbekannt, BAMF informiert"})
    assert gone.status_code == 302
    assert "0 Klärfälle aus Importen sind offen" in text(client.get("/inbox", headers=HTML))
    decided = text(client.get("/imports/clarifications?state=discarded", headers=HTML))
    assert "Person unbekannt, BAMF informiert" in decided and "Niemand" not in decided
    assert client.get("/imports/clarifications?state=resolved",
                      headers=HTML).status_code == 200
    actions = [e.action for e in users.audit.events()]
    assert "import_clarification_resolved" in actions
    assert "import_clarification_discarded" in actions


def test_resolving_to_a_case_that_can_no_longer_use_it_is_409(client: FlaskClient,
                                                              users: Staffel) -> None:
    done = start_waiting(users, "8000000-002")
    users.messages.correlate("bamf_decision", {"outcome": "refugee"}, case_id=done.id)
    login(client, "cw_ez")
    upload(client, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    (clar,) = users.imports.clarifications().items
    before = counts(users)
    response = post(client, f"/imports/clarifications/{clar.id}/resolve",
                    {"case_number": done.case_number})
    assert response.status_code == 409
    assert f"Fall {done.case_number} (Phase S1) kann diese Nachricht nicht mehr" in text(response)
    assert counts(users) == before


def test_resolving_to_a_case_that_does_not_wait_yet_keeps_the_message(
        client: FlaskClient, users: Staffel) -> None:
    from tests.web.conftest import start_basic

    busy = start_basic(users, "8000000-002")  # its sozialamt task is still open
    login(client, "cw_ez")
    upload(client, "decisions", "a.xml", decisions("9999999-991", "Unbekannt"))
    (clar,) = users.imports.clarifications().items
    response = post(client, f"/imports/clarifications/{clar.id}/resolve",
                    {"case_number": busy.case_number})
    assert response.status_code == 302
    assert [k.message for k in users.cases.get(busy.id).buffered] == ["bamf_decision"]
    assert users.imports.clarification(clar.id).resolution == {
        "case_id": busy.id, "case_number": busy.case_number, "kept": True}


def test_a_bare_25_2_asks_for_the_alternative(client: FlaskClient, users: Staffel) -> None:
    case = start_waiting(users, "8000000-002")
    login(client, "cw_ez")
    upload(client, "permits", "abh.csv",
           (b"Aktenzeichen;Familienname;Vorname;Geburtsdatum;Paragraph;Erteilt_am;Gueltig_bis\n"
            b";Unbekannt;Niemand;01.01.1980;25 Abs. 2;;01.03.2030\n"))
    (clar,) = users.imports.clarifications().items
    page = text(client.get("/imports/clarifications", headers=HTML))
    assert "§25(2): welche Alternative?" in page and "Alt. 2 – subsidiärer Schutz" in page
    before = counts(users)
    unknown = post(client, f"/imports/clarifications/{clar.id}/resolve",
                   {"case_number": case.case_number})
    assert unknown.status_code == 422
    assert "Wählen Sie die Alternative" in text(unknown)
    wrong = post(client, f"/imports/clarifications/{clar.id}/resolve",
                 {"case_number": case.case_number, "alternative": "7"})
    assert wrong.status_code == 422 and "Wählen Sie Alt. 1 oder Alt. 2." in text(wrong)
    assert 'aria-invalid="true" aria-describedby="alt-' in text(wrong)
    assert counts(users) == before
    assert users.imports.clarification(clar.id).state == "open"


def test_a_line_for_a_case_that_does_not_wait_yet_is_counted_as_kept(client: FlaskClient,
                                                                     users: Staffel) -> None:
    from tests.web.conftest import start_basic

    busy = start_basic(users, "8000000-003")  # its sozialamt task is still open
    login(client, "cw_ez")
    response = upload(client, "decisions", "early.xml", decisions("8000000-003"))
    assert response.status_code in (200, 302)
    (imported,) = users.imports.files().items
    assert imported.counts["buffered"] == 1 and imported.counts["clarification"] == 0
    page = " ".join(text(client.get(f"/imports/{imported.id}", headers=HTML)).split())
    assert "Für später aufbewahrt</dt><dd>1</dd>" in page
    listing = text(client.get("/imports", headers=HTML))
    assert "Für später aufbewahrt" in listing
    assert [k.message for k in users.cases.get(busy.id).buffered] == ["bamf_decision"]
