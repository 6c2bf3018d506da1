"""Tiny runs of the benchmarks in bench/ so they cannot rot (issue 16)."""
