"""The personal-data duties (GDPR, SGB X §§67 ff.; docs/privacy.md): the read log, the access
report (Art. 15), consent withdrawal (Art. 7(3)), retention and erasure (Art. 17, four eyes).

Encryption at rest and the blind index are below, in ``engine.persistence.crypto`` and
``engine.people.blind_index``. May import: the kernel, ``law``, ``persistence``, ``audit``,
``execution``, ``people``.
"""
