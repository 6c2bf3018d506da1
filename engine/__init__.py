"""Staffel engine: durable, safe BPMN execution for the refugee legal-status lifecycle.

This package is pure domain code: it never imports Flask, ``web`` or ``adapters``.
Callers use the façade in :mod:`engine.api`.
"""
