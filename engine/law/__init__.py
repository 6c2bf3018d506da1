"""The law: German deadline arithmetic (§§187–193 BGB with Land holidays), the legal
parameters (:class:`~engine.law.rules.LegalRules`), the teams, the Länder and Berlin time,
and the permit paragraphs.

Pure functions and frozen values. May import: the standard library, ``holidays``,
``dateutil`` and :mod:`engine.errors` — nothing of persistence, execution or the web.
"""
