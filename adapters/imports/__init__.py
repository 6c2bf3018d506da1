"""Inbound imports (issue 7): the Ausländerbehörde's permit lists, BAMF decisions and course
providers' reports become messages correlated to cases; what cannot be matched becomes a
clarification for the Eingangszone. See ``docs/adr/0007-inbound-imports.md``.

* :class:`Importer` — take a file in (CLI, upload page, benchmark)
* :class:`ImportDesk` — past imports, reports, clarifications (resolve / discard)
"""

from adapters.imports.clarify import ImportDesk
from adapters.imports.model import KINDS, ImportRejected
from adapters.imports.service import Importer, ImportResult

__all__ = ["KINDS", "ImportDesk", "ImportRejected", "ImportResult", "Importer"]
