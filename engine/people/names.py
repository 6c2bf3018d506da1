"""Names and file numbers as compared: the same key for ``Özdemir``, ``OEZDEMIR`` and
``Oezdemir``. Used by the case search, the duplicate warning of "Fall anlegen" and the
matching of agency files."""

from __future__ import annotations

import functools
import re
import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "œ": "oe",
                          "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_SEPARATORS = re.compile(r"[\s\-‐‑–'’`´.]+")


@functools.lru_cache(maxsize=65_536)
def name_key(value: str) -> str:
    """The comparison key of a name: case-insensitive, Unicode-normalised, ``ä`` = ``ae``,
    other accents dropped, hyphens/apostrophes/blanks as one blank."""
    text = unicodedata.normalize("NFKC", value).casefold().translate(_UMLAUTS)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text).strip()


def compact(value: str | None) -> str:
    """An Aktenzeichen or case number as compared: no spaces, upper case."""
    return "".join((value or "").split()).upper()
