"""The German catalogue covers every page string (no build step: it is read from the .po)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web.i18n import TRANSLATIONS, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("web/pages/**.py", "python"), ("web/forms_render.py", "python"),
           ("web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def used_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_page_string_has_a_german_translation() -> None:
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    translated = {(m.id[0] if isinstance(m.id, tuple) else m.id)
                  for m in catalog if m.id and m.string and not m.fuzzy
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    used = used_messages()
    assert len(used) > 100
    assert sorted(used - translated) == []


def test_catalogue_is_compiled_in_memory() -> None:
    german = load_catalogue("de")
    assert german.gettext("Inbox") == "Posteingang"
    assert german.ngettext("%(num)d task assigned to %(user)s.",
                           "%(num)d tasks assigned to %(user)s.", 2).startswith("%(num)d Aufg")
    assert load_catalogue("en").gettext("Inbox") == "Inbox"
