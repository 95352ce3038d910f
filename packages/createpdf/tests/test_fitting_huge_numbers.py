"""``createpdf.fitting.check_fits`` on numbers beyond what the decimal context holds
(``1E+99999999``, ``1E-99999999``, integers of thousands of digits): always ``DoesNotFit``
with the usual message, never ``decimal.Overflow`` or ``InvalidOperation``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models

from createpdf.fitting import DoesNotFit, check_fits


class Amount(models.Model):
    """A DecimalField to check against (abstract: no table, nothing registered)."""

    value = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        abstract = True
        app_label = "createpdf"

    def __str__(self) -> str:
        return str(self.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (Decimal("1e99999999"), "has 100000000 digits before the point"),
        ("1e99999999", "has 100000000 digits before the point"),
        (Decimal("-9.5e999999999999999999"), "has 1000000000000000000 digits before"),
        (Decimal("1e1000000"), "has 1000001 digits before the point"),
        pytest.param(10**5000, "has 5001 digits before the point", id="int-5001-digits"),
        (Decimal("1e-99999999"), "is 1E-99999999, which has too many decimal places"),
        (Decimal("0." + "0" * 5000 + "1"), "which has too many decimal places"),
        (Decimal("1." + "1" * 40), "which has too many decimal places"),
    ],
)
def test_a_number_beyond_the_decimal_context_does_not_fit(value, problem):
    with pytest.raises(DoesNotFit, match=problem) as error:
        check_fits(Amount, "value", value, source="the amount")
    assert "at most 9 digits before the point and 3 after (Amount.value)" in str(error.value)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0E+99999999"),  # zero, however written
        Decimal("0E-99999999"),
        Decimal("-0.000"),
        Decimal("1.500000000000000000000000000000000000000"),
        Decimal("5E+8"),
        Decimal("-999999999.999"),
    ],
)
def test_a_number_written_with_a_huge_exponent_or_zeros_still_fits(value):
    assert check_fits(Amount, "value", value, source="the amount") is value
