"""The case view speaks German in its audit details and handover rows (issue 15, point 13):
"Zugang: Asylverfahren" instead of "entry: asylum", data categories by their names instead of
"weitergegeben: identity"."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from engine import Staffel
from tests.web.test_pages_case import start_handover
from tests.web.test_pages_support import HTML, login, text


def test_audit_details_and_handover_rows_are_german(client: FlaskClient,
                                                    api_engine: Staffel) -> None:
    case = start_handover(api_engine)
    login(client, "cw_soz")
    body = html.unescape(text(client.get(f"/cases/{case.id}", headers=HTML)))
    audit = body.split('id="audit"')[1]
    assert "Zugang: Asylverfahren" in audit and "Land: Nordrhein-Westfalen" in audit
    assert not re.search(r"\b(entry|land|from_team|to_team|legal_basis|shared_fields): ", audit)
    handovers = body.split('id="handovers"')[1].split("</section>")[0] if 'id="handovers"' in \
        body else body
    shared = re.findall(r"weitergegeben: ([^<]+)<", handovers)
    assert shared, "the handover row names the data shared"
    for names in shared:
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bidentity\b", names), names
