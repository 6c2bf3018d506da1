"""The bookkeeping of agency files: import files with their original bytes and report, one
row per line with a fingerprint (re-imports change nothing), clarifications for the
Eingangszone, and the cases a file's lines may belong to. The readers of the formats live in
``adapters/imports``; they reach this room through ``staffel.imports``.

May import: ``execution`` (the unit of work), ``law``, ``people`` (how names and file numbers
are compared), ``persistence``, the kernel.
"""
