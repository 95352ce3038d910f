"""Benchmarks: each compares a BetterForm path with a baseline measured in the same run.

``python -m benchmarks`` (or ``./dev bench``) runs every ``bench_*.py`` module here; each exposes
``run() -> list[Comparison]``. Ratios, not seconds, are the result: they hold across machines.
"""
