"""A quote is numbered last, just before its commit: the year's counter row stays locked from
the number to the commit, so the other quotes created meanwhile wait only for that (under
``./dev load`` this wait made the API's slowest answers). What the outside sees is unchanged:
the final number everywhere, the history included, and no number lost to a rollback."""

from __future__ import annotations

from decimal import Decimal

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from betterform import services
from betterform.limits import DoesNotFit
from betterform.models import Quote
from betterform.numbering import PROVISIONAL_YEAR, format_number, provisional_number

pytestmark = pytest.mark.django_db

LINE = {"description": "Item", "quantity": "2", "unit_price": "10.00"}


def test_the_counter_is_locked_after_the_quote_and_its_lines_are_stored():
    with CaptureQueriesContext(connection) as captured:
        services.create_quote(lines=[LINE, LINE])
    sql = [q["sql"] for q in captured]
    counter_update = next(
        i for i, s in enumerate(sql) if s.startswith('UPDATE "betterform_quotenumbersequence"')
    )
    lines_insert = next(i for i, s in enumerate(sql) if 'INSERT INTO "betterform_quoteline"' in s)
    quote_insert = next(i for i, s in enumerate(sql) if 'INSERT INTO "betterform_quote"' in s)
    assert quote_insert < lines_insert < counter_update
    after = [s for s in sql[counter_update + 1 :] if not s.startswith(("RELEASE", "SAVEPOINT"))]
    assert len(after) == 1 and after[0].startswith('UPDATE "betterform_quote" SET'), after


def test_the_quote_and_its_history_hold_the_final_number():
    with reversion.create_revision():
        quote = services.create_quote(lines=[LINE])
    year = timezone.localdate().year
    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.year, stored.number) == (year, format_number(year, stored.sequence))
    assert stored.total == Decimal("20.00")
    version = Version.objects.get_for_object(stored).get()
    assert version.field_dict["number"] == stored.number
    assert version.field_dict["year"] == year
    assert not Quote.objects.filter(year=PROVISIONAL_YEAR).exists()


def test_a_quote_that_fails_gives_no_number_away():
    first = services.create_quote(lines=[LINE])
    too_big = {"description": "Huge", "quantity": "999999999", "unit_price": "99999999.99"}
    with pytest.raises(DoesNotFit):
        services.create_quote(lines=[too_big, too_big])
    second = services.create_quote(lines=[LINE])
    assert second.sequence == first.sequence + 1
    assert Quote.objects.count() == 2


def test_a_provisional_number_fits_the_columns_and_never_looks_real():
    for _ in range(200):
        year, sequence, number = provisional_number()
        assert year == PROVISIONAL_YEAR and 1 <= sequence < 2**31
        assert len(number) <= Quote._meta.get_field("number").max_length
        assert number.startswith("~")
