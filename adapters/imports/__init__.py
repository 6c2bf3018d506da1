"""Inbound imports (issue 7): the Ausländerbehörde's permit lists, BAMF decisions and course
providers' reports become messages correlated to cases; what cannot be matched becomes a
clarification for the Eingangszone. See ``docs/adr/0007-inbound-imports.md``.

* :class:`Importer` — take a file in (CLI, upload page, benchmark)
* the bookkeeping (files, lines, clarifications) lives in the engine: ``staffel.imports``
"""

from adapters.imports.model import KINDS, ImportRejected
from adapters.imports.service import Importer, ImportResult

__all__ = ["KINDS", "ImportRejected", "ImportResult", "Importer"]
