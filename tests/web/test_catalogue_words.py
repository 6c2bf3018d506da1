"""One German word, one meaning (issue 15, point 13): "Übernehmen" is claiming a task only;
applying the editor's properties (and any filter) is "Anwenden"."""

from __future__ import annotations

from babel.messages.pofile import read_po

from web.i18n import TRANSLATIONS


def test_uebernehmen_means_claim_only() -> None:
    with (TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    taking = sorted(str(m.id) for m in catalog if m.id and m.string == "Übernehmen")
    assert taking == ["Claim"]
    assert catalog.get("Apply").string == "Anwenden"
