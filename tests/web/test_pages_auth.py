"""Sign-in, sign-out, CSRF, language switch, error pages and vendor files of the pages."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.web.test_pages_support import HTML, csrf_token, login, post, text


def test_pages_need_a_session_and_go_back_after_login(client: FlaskClient) -> None:
    response = client.get("/inbox?stage=S1", headers=HTML)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    page = client.get(response.location, headers=HTML)
    assert 'name="next" value="/inbox?stage=S1"' in text(page)
    token = csrf_token(client)
    done = client.post("/login", data={"username": "cw_soz", "password": "correct horse battery",
                                       "csrf_token": token, "next": "/inbox?stage=S1"})
    assert done.status_code == 302 and done.location == "/inbox?stage=S1"


def test_login_page_is_german_accessible_and_csrf_protected(client: FlaskClient) -> None:
    page = text(client.get("/login", headers=HTML))
    assert '<html lang="de">' in page
    assert 'href="#main"' in page and 'id="main"' in page  # skip link and its target
    assert '<label for="username">Benutzername</label>' in page
    assert '<label for="password">Passwort</label>' in page
    assert 'name="csrf_token"' in page
    no_token = client.post("/login", data={"username": "cw_soz", "password": "x"},
                           headers=HTML)
    assert no_token.status_code == 400
    assert "Das Formular ist abgelaufen" in text(no_token)
    assert "Traceback" not in text(no_token)


def test_wrong_password_gives_a_clear_german_message(client: FlaskClient) -> None:
    response = login(client, "cw_soz", "wrong password")
    body = text(response)
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch" in body
    assert 'aria-invalid="true"' in body and 'value="cw_soz"' in body
    assert client.get("/inbox", headers=HTML).status_code == 302  # still signed out


def test_login_logout_and_open_redirects_are_refused(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": "cw_soz",
                                           "password": "correct horse battery",
                                           "csrf_token": token,
                                           "next": "https://evil.example/"})
    assert response.location == "/inbox"
    inbox = text(client.get("/inbox", headers=HTML))
    assert "Sie sind angemeldet." in inbox and "cw_soz" in inbox
    out = post(client, "/logout")
    assert out.status_code == 302 and out.location == "/login"
    assert client.get("/inbox", headers=HTML).status_code == 302
    assert client.post("/logout", headers=HTML).status_code == 400  # CSRF on logout too


def test_language_switch_is_kept_in_the_session(client: FlaskClient) -> None:
    login(client, "cw_soz")
    assert "Posteingang" in text(client.get("/inbox", headers=HTML))
    switched = post(client, "/language", {"lang": "en", "next": "/inbox"})
    assert switched.location == "/inbox"
    page = text(client.get("/inbox", headers=HTML))
    assert '<html lang="en">' in page and "<h1>Inbox</h1>" in page
    assert 'aria-pressed="true"' in page
    post(client, "/language", {"lang": "xx", "next": "/inbox"})  # unknown: ignored
    assert "<h1>Inbox</h1>" in text(client.get("/inbox", headers=HTML))
    post(client, "/language", {"lang": "de", "next": "//evil.example"})
    assert "<h1>Posteingang</h1>" in text(client.get("/inbox", headers=HTML))


def test_unknown_page_is_a_html_404_and_the_api_keeps_json(client: FlaskClient) -> None:
    login(client, "cw_soz")
    page = client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and "Seite nicht gefunden" in text(page)
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.is_json


def test_vendor_files_come_from_node_modules_by_allow_list(client: FlaskClient) -> None:
    htmx = client.get("/static/vendor/htmx.org/dist/htmx.min.js")
    assert htmx.status_code == 200 and b"htmx" in htmx.data[:2000]
    htmx.close()
    css = client.get("/static/vendor/bpmn-js/dist/assets/bpmn-js.css")
    assert css.status_code == 200
    css.close()
    for path in ("htmx.org/package.json", "bpmn-js/../htmx.org/dist/htmx.min.js",
                 "left-pad/dist/index.js", "bpmn-js/dist/../package.json", ".bin/x"):
        assert client.get(f"/static/vendor/{path}").status_code == 404, path
    assert client.get("/static/css/staffel.css").status_code == 200
