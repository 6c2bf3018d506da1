"""CSV files as downloads, in the language of whoever asked (see :mod:`adapters.csv_export`).

* Pages: the language chosen in the session (German unless English was chosen).
* API: German when ``Accept-Language`` prefers German over English (the same rule as the
  German ``message`` of an error), else English: a client that sends no ``Accept-Language``
  gets the stable English headers and ISO dates.
"""

from __future__ import annotations

from flask import Response, request

from adapters.csv_export import MIMETYPE
from web.i18n import current_language

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def page_csv_language() -> str:
    """The language of a CSV downloaded from a page: the page's language."""
    return current_language()


def api_csv_language() -> str:
    """The language of a CSV from the API: ``de`` if Accept-Language prefers it, else ``en``."""
    return "de" if request.accept_languages.best_match(["en", "de"]) == "de" else "en"


def csv_download(data: bytes | str, file_name: str, lang: str) -> Response:
    """A CSV in ``lang`` as an attachment named ``file_name``, never cached, never sniffed."""
    return Response(data, mimetype=MIMETYPE, headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{file_name}"',
        "Content-Language": lang, "Vary": "Accept-Language, Cookie"})
