"""What of a process instance's data survives the erasure of its person (docs/privacy.md).

The rule, applied to every data dictionary in an instance's state (the workflow's data, every
task's ``data``, ``internal_data`` and ``delta``, every subprocess's, the events' payloads):

* **dropped by name**: the person's fields (:data:`PERSON_KEYS`: names, birth date,
  nationality, languages, Aktenzeichen, reference numbers);
* **kept**: booleans, numbers, ``None``; ISO dates and date-times (``2027-05-03``,
  ``2027-05-03T09:00:00+00:00``: deadlines and the statistics count by them); *codes*, the
  values of enumerations and of the engine's own variables (:data:`CODE`: one lower-case word
  such as ``refugee``, ``jc_leistung``, ``not_yet_filed``, a case id; a short upper-case code
  such as ``S5``, ``NW``, ``B1``; a paragraph such as ``§25(2) Alt. 1``);
* **dropped**: every other string (free text: notes, purposes, a qualification typed in, a
  name wherever it was typed);
* lists and dictionaries keep what their members keep; and, to be safe, any kept value that
  contains one of the erased values (a word of the name, the birth date, the Aktenzeichen) is
  dropped as well.

What this keeps is what the closing, the deadlines and the pseudonymous statistics need; what
it drops cannot be brought back (the erasure is final).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from engine.people.names import compact, name_key

PERSON_KEYS = frozenset({
    "person", "family_name", "given_name", "birth_date", "nationality", "languages",
    "bamf_aktenzeichen", "aktenzeichen", "admission_reference", "name", "names",
    "birth_name", "address", "phone", "email",
})
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}"
                      r"([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
CODE = re.compile(r"^(?:[a-z0-9][a-z0-9_.\-]{0,63}|[A-Z][A-Z0-9]{0,2}|[A-Z][a-z]?[0-9]"
                  r"|below_[A-Z][0-9]|§\s?\d+[a-z]?(\(\d+[a-z]?\))?( (Alt|Satz|Nr)\. \d+)?)$")
#: the keys of a serialized task or workflow that hold process data
DATA_KEYS = ("data", "internal_data", "delta", "payload", "correlations")


class Scrubber:
    """Applies the rule above, remembering how many values it dropped."""

    def __init__(self, erased_values: Iterable[str] = ()) -> None:
        self.needles = sorted({n for n in (_needle(v) for v in erased_values) if n})
        self.dropped = 0

    def keeps(self, value: str) -> bool:
        """True for a string the rule keeps (a date or a code naming no erased value)."""
        if not (ISO_DATE.match(value) or CODE.match(value)):
            return False
        flat = _needle(value)
        return not any(n in flat for n in self.needles)

    def value(self, value: Any) -> tuple[bool, Any]:
        """(kept?, the value as kept) of one value."""
        if value is None or isinstance(value, bool | int | float):
            return True, value
        if isinstance(value, str):
            return self.keeps(value), value
        if isinstance(value, list):
            kept = [v for ok, v in (self.value(x) for x in value) if ok]
            self.dropped += len(value) - len(kept)
            return True, kept
        if isinstance(value, dict):
            return True, self.mapping(value)
        return False, None

    def mapping(self, data: dict[str, Any]) -> dict[str, Any]:
        """The dictionary with the person's keys and every free text removed."""
        result: dict[str, Any] = {}
        for key, value in data.items():
            ok, kept = (False, None) if str(key).lower() in PERSON_KEYS else self.value(value)
            if ok:
                result[key] = kept
            else:
                self.dropped += 1
        return result

    def state(self, node: Any) -> Any:
        """Walk a serialized instance state: every data-holding key is scrubbed."""
        if isinstance(node, dict):
            return {k: (self.value(v)[1] if k in DATA_KEYS and isinstance(v, dict | list)
                        else self.state(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [self.state(x) for x in node]
        return node


def scrub_state(state: bytes, erased_values: Iterable[str] = ()) -> tuple[bytes, int]:
    """An instance's serialized state without person fields and free text, and how many
    values were dropped."""
    if not state:
        return state, 0
    scrubber = Scrubber(erased_values)
    cleaned = scrubber.state(json.loads(state))
    return json.dumps(cleaned, separators=(",", ":")).encode("utf-8"), scrubber.dropped


def person_values(person: dict[str, Any], aktenzeichen: str | None) -> list[str]:
    """The values an erasure removes and that must not survive anywhere else: every word of
    the name (three letters or more), the birth date and the Aktenzeichen."""
    values = [w for w in name_key(f"{person.get('family_name') or ''} "
                                  f"{person.get('given_name') or ''}").split() if len(w) >= 3]
    values += [str(person[k]) for k in ("birth_date",) if person.get(k)]
    if aktenzeichen:
        values.append(aktenzeichen)
    return values


def _needle(text: str) -> str:
    """A value as compared: name key without blanks (``Özdemir`` = ``OEZDEMIR``), or the
    compact form of a file number or date."""
    return compact(name_key(str(text))).upper()
