"""Quote numbers: ``Q-<year>-<0001>``, sequential per year with no gaps, safe when many
quotes are created at once (the year's counter row is locked while a number is taken).

The lock lasts until the transaction commits, so every other quote being created that year
waits meanwhile: a quote is stored under a provisional number first (``provisional_number``)
and numbered last, just before its commit (``services.create_quote``)."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from betterform.models import QuoteNumberSequence

PREFIX = "Q"


PROVISIONAL_YEAR = 0  # no quote is numbered in year 0


def provisional_number() -> tuple[int, int, str]:
    """``(year, sequence, number)`` unique to one quote being created, replaced by
    ``next_quote_number`` before its transaction commits, so no other transaction ever sees
    it. Random over 2**31 (the sequence column's range): two quotes in flight at once share
    one with a chance of about 1 in 2**31."""
    sequence = secrets.randbelow(2**31 - 1) + 1
    return PROVISIONAL_YEAR, sequence, f"~{sequence}"


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
