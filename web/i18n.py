"""Languages of the pages: German by default, English on request (stored in the session).

The catalogues are the ``.po`` files in ``web/translations/<lang>/LC_MESSAGES/messages.po``;
they are read and compiled in memory the first time a language is used, so there is no build
step (no ``pybabel compile``, no ``.mo`` files to forget). Message ids are English: English
needs no catalogue, German comes from ``de/messages.po``.

Update the catalogue after adding strings to templates or code, then fill in the new
``msgstr`` (``tests/web/test_pages_i18n.py`` fails while a page string has no German)::

    .venv/bin/pybabel extract -F web/babel.cfg -k _ -k gettext -k ngettext:1,2 \
        --no-location --sort-output -o /tmp/messages.pot .
    .venv/bin/pybabel update -i /tmp/messages.pot -d web/translations -l de \
        --no-fuzzy-matching
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, session
from flask_babel import Babel, Domain, get_locale

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES: dict[str, str] = {"de": "Deutsch", "en": "English"}
DEFAULT_LANGUAGE = "de"
SESSION_KEY = "lang"

@functools.lru_cache(maxsize=16)
def load_catalogue(lang: str) -> NullTranslations:
    """Return the translations of ``lang`` compiled from its ``.po`` file (cached)."""
    path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


class PoDomain(Domain):
    """A Flask-Babel domain that reads ``.po`` catalogues directly (see the module doc)."""

    def get_translations(self) -> NullTranslations:
        """Return the catalogue of the current request's language."""
        locale = get_locale()
        return load_catalogue(locale.language if locale is not None else DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of this request: the one chosen in the session, else German."""
    lang = session.get(SESSION_KEY)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def set_language(lang: str) -> bool:
    """Store the chosen language in the session; ``False`` for an unknown language."""
    if lang not in LANGUAGES:
        return False
    session[SESSION_KEY] = lang
    return True


def init_i18n(app: Flask) -> Babel:
    """Install Flask-Babel with the session language and the in-memory catalogues."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")
    babel = Babel(app, locale_selector=current_language)
    babel.domain_instance = PoDomain()  # replaces the cached .mo-based default domain
    app.jinja_env.globals.update(LANGUAGES=LANGUAGES, current_language=current_language)
    return babel
