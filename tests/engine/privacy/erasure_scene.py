"""The scene of the erasure and retention tests: a closed case whose person's values sit in
its person, its Aktenzeichen, its process data (typed free text), a kept message's payload and
an agency file's original; and a dump of every table with every encrypted value opened."""

from __future__ import annotations

import zlib
from typing import Any

from sqlalchemy import create_engine, inspect, text

from adapters.imports import Importer
from engine import Staffel
from engine.persistence.crypto import TOKEN_PREFIX, KeyRing
from engine.persistence.db import normalise_url
from engine.persistence.inbound import InboundMessage
from engine.persistence.models import Case
from engine.states import InboundState
from tests.web.test_pages_imports import DECISIONS

PERSON = {"family_name": "Qarawi", "given_name": "Zubeida", "birth_date": "1987-11-23",
          "nationality": "SY", "languages": ["ar"]}
AZ = "7654321-987"
#: what must be gone after the erasure (as typed, and as the dump would show it)
SECRETS = ("Qarawi", "QARAWI", "Zubeida", "1987-11-23", AZ, "7654321987")


def closed_case(eng: Staffel, az: str = AZ, person: dict[str, Any] | None = None) -> str:
    """A resettlement case of the ``parent`` diagram: a jc_leistung task completed with a
    note naming the person, then the case closes (``close_case()``). Returns its id."""
    case = eng.cases.start(person or PERSON, "NW", "resettlement", az, process_key="parent",
                           actor="tester", data={
                               "decision_date": "2027-01-31",
                               "contact_note": "Zubeida Qarawi ruft dienstags an",
                               "callback_day": "1987-11-23"})
    task = eng.cases.get(case.id).open_tasks[0]
    eng.tasks.complete(task.id, {"note": "Frau Qarawi angerufen, 7654321-987"}, actor="sup_jc")
    assert eng.cases.get(case.id).closed_at is not None
    return case.id


def keep_message(eng: Staffel, case_id: str) -> None:
    """A message row of the case that still holds its payload (as one kept before closing)."""
    with eng.unit("tester") as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        uow.session.add(InboundMessage(
            case_id=case_id, name="bamf_decision", message_id="M-1",
            state=InboundState.DISCARDED, payload={"outcome": "refugee", "name": "Qarawi"},
            fields=["outcome", "name"], source="api", received_by="tester",
            received_at=uow.now))


def ended_by_import(eng: Staffel, az: str = AZ) -> tuple[str, int]:
    """A ``basic`` case (free text in its data) whose wait for the BAMF decision ends with an
    agency file's line matched by the Aktenzeichen: its process completes (no closing step).
    Returns the case id and the file id."""
    case = eng.cases.start(PERSON, "NW", "asylum", az, process_key="basic", actor="tester",
                           data={"contact_note": "Zubeida Qarawi ruft dienstags an"})
    eng.tasks.complete(case.open_tasks[0].id, {"interpreter_needed": True, "language": "ar"},
                       actor="tester")
    line = DECISIONS.format(az=az, family="Qarawi").replace("Rana", "Zubeida")
    result = Importer(eng).import_file("decisions", "q.xml", line.replace(
        "1990-04-12", "1987-11-23").encode(), "cw_ez")
    assert eng.cases.get(case.id).status == "completed"
    return case.id, int(result.file_id)


def opened_dump(url: str, ring: KeyRing) -> str:
    """Every value of every table; encrypted values opened with the key ring (so a value the
    erasure missed would show, encrypted or not)."""
    plain = create_engine(normalise_url(url))
    parts: list[str] = []
    with plain.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.extend(_opened(value, ring) for value in row if value is not None)
    plain.dispose()
    return "\n".join(parts)


def _opened(value: Any, ring: KeyRing) -> str:
    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
    if raw.startswith(TOKEN_PREFIX):
        opened = ring.decrypt(raw)
        if isinstance(value, bytes | memoryview):
            opened = zlib.decompress(opened)
        return opened.decode("utf-8", "replace")
    return raw.decode("latin-1")


def found(dump: str) -> list[str]:
    """The secrets the dump still holds."""
    return [s for s in SECRETS if s.casefold() in dump.casefold()]
