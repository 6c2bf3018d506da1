"""Issue 15, done-when: no English in the German UI. Every demo role signs in with a German
browser and follows every link of the app (one page per kind of address: ids are collapsed),
and each page's visible text and its accessible texts (labels, titles, placeholders, button
values) are searched for the English original of any string the German catalogue translates.
Proper names and terms that are the same in both languages are not catalogue strings that
change, so they never count. At 375 px the daily pages (inbox, cases, tasks, dashboard,
imports) must not scroll sideways (issue 15, point 8)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from engine import Staffel
from tests.browser.conftest import watched_page
from tests.browser.live_server import Live, live_server, sign_in
from tests.browser.test_heatmap_rollup import cases as lifecycle_cases
from tests.lifecycle.helpers import BPMN_DIR
from web.demo import seed_demo
from web.i18n import TRANSLATIONS

ROLES = ("cw_eingangszone", "cw_sozialamt", "cw_auslaenderbehoerde", "cw_jc_leistung",
         "supervisor", "owner", "admin")
MAX_PAGES = 60  # per role; the app has fewer kinds of pages than that
SKIP = re.compile(r"/(logout|static/|language)|\.(bpmn|dmn|csv|ics|json|pdf|svg|png|xml)(\?|$)"
                  r"|/(original|report\.|download|export)")
NARROW = re.compile(r"^/(inbox|cases|cases/:id|tasks/:id|dashboard(/\w+)?|imports)$")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]")
#: English catalogue strings that are German words too, used in German text on their own
ALSO_GERMAN = {"Administration"}  # the role's German name ("Verwaltung" is the menu)
ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{32}|\d+|ST-[0-9A-F-]+)(?=/|$)")
TEXTS = """() => {
  const out = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt],'
                                             + 'input[type=submit],input[type=button]')) {
    for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (attr === 'value' && !(el.type === 'submit' || el.type === 'button')) { continue; }
      const v = el.getAttribute(attr); if (v) { out.push(v); }
    }
  }
  return out.join('\\n');
}"""


def english_phrases() -> list[tuple[str, re.Pattern[str]]]:
    """(msgid, pattern) of every catalogue string whose German differs: the literal pieces
    between its placeholders (at least 4 letters each), matched as whole words."""
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, german in zip(ids, strings, strict=False):
            if not german or english == german:
                continue
            pieces = [p.strip(" .,:;–-()") for p in PLACEHOLDER.split(english)]
            pieces = [p for p in pieces if len(re.sub(r"[^A-Za-z]", "", p)) >= 4]
            if not pieces or any(p in german for p in pieces) or english in ALSO_GERMAN:
                continue  # the same word in German (e.g. "Team", "Dashboard")
            pattern = r"\s*".join(re.escape(p) for p in pieces[0].split())
            found.append((english, re.compile(rf"(?<![\w/=-]){pattern}(?![\w/=-])")))
    return found


def prepare(eng: Staffel) -> None:
    seed_demo(eng)
    lifecycle_cases(eng)


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    with live_server([BPMN_DIR], prepare=prepare) as server:
        yield server


def kind_of(path: str) -> str:
    """The kind of a page: its path with ids (and usernames on the user pages) collapsed."""
    path = ID.sub("/:id", path)
    return re.sub(r"^/admin/users/(?!new$)[\w.-]+", "/admin/users/:name", path)


def crawl(page: Any, live: Live) -> dict[str, str]:
    """Visit every kind of page reachable by links from the landing page: {kind: text}."""
    seen: dict[str, str] = {}
    queue = [urlsplit(page.url).path]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if kind_of(urlsplit(path).path) in seen:
            continue
        response = page.goto(live.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        seen[kind_of(urlsplit(path).path)] = page.evaluate(TEXTS)
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in links:
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or SKIP.search(href):
                continue
            if kind_of(parts.path) not in seen:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.parametrize("username", ROLES)
def test_the_german_ui_has_no_english(browser: Any, live: Live, username: str) -> None:
    phrases = english_phrases()
    assert len(phrases) > 300
    with watched_page(browser, german=True, width=375, height=800) as page:
        sign_in(page, live, username)
        pages = crawl(page, live)
        assert len(pages) >= 2, pages.keys()
        leaks = sorted({f"{kind}: {english!r} in …{body[max(0, m.start() - 50):m.end() + 30]!r}…"
                        for kind, body in pages.items() for english, pattern in phrases
                        if (m := pattern.search(body))})
        assert not leaks, "\n".join(leaks)
        wide = []
        for kind in pages:
            if NARROW.match(kind) and ":id" not in kind:
                page.goto(live.url + kind)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > 375:
                    wide.append(f"{kind}: {width}px")
        assert not wide, "\n".join(wide)
