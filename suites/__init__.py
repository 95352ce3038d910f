"""Suites that run the whole system and print figures: ``nox -s fuzz|load|faults|security``.

Unlike the tests, each starts real processes (uvicorn, workers, a fresh database) through
``suites.live`` and exits non-zero when a stated bar is missed.
"""
