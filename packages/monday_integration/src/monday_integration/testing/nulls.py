"""A fault: a mutation answered with ``null`` and no ``errors``.

monday's schema makes the results of ``create_webhook``, ``add_file_to_column``,
``create_update`` and the ``change_*`` mutations nullable, and a real answer
``{"data": {"create_webhook": null}}`` without ``errors`` has been seen. Switch it on with
``answer_null(fake.faults, "create_update")``; like every fault it counts down ``times``
(``None``: until ``fake.faults.clear()``) and shows in ``fake.faults.active``. Nothing is
applied: the mutation answers null instead of running.
"""

from __future__ import annotations

from monday_integration.testing.faults import Fault, Faults

KIND = "null_answer:"


def answer_null(faults: Faults, field: str, times: int | None = 1) -> Fault:
    """The next ``times`` calls of mutation ``field`` answer ``null`` (and apply nothing)."""
    # Faults keeps every kind in one ordered list; a kind per field lets ``_take`` pick it.
    return faults._add(Fault(KIND + field, times, {"field": field}))


def take_null(faults: Faults, field: str) -> bool:
    """Whether this call of ``field`` answers null (one count of the fault is used)."""
    return faults._take((KIND + field,)) is not None
