"""Quote numbers: ``Q-<year>-<0001>``, sequential per year with no gaps, safe when many
quotes are created at once (the year's counter row is locked while a number is taken)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from betterform.models import QuoteNumberSequence

PREFIX = "Q"


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:04d}"


def next_quote_number(year: int) -> tuple[int, str]:
    """Take the next number of ``year``; call inside the transaction that saves the quote, so
    a rolled-back quote gives its number back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_quote_number() must run inside transaction.atomic()")
    try:
        with transaction.atomic():  # a savepoint: a lost creation race is retried below
            QuoteNumberSequence.objects.get_or_create(year=year)
    except IntegrityError:
        pass
    counter = QuoteNumberSequence.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, format_number(year, counter.last)
