"""Benchmarks: each measures Rapport next to a baseline timed in the same run, and reports the ratio."""
