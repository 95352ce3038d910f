"""The quote admin's lines: checked and saved through the services, as the API's are.

The inline's formset checks the lines the quote would keep with ``services.check_lines`` (the
API's serializer calls it too), so the admin refuses what the API refuses with the same
message. ``QuoteAdmin`` then saves the quote and its lines in one ``services.create_quote`` /
``services.update_quote`` call, which fits and totals them as for the API.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from betterform import services

# The inline's editable line fields; ``source_key`` (not shown) is kept from the stored line.
LINE_FIELDS = ("description", "quantity", "unit", "unit_price", "tax_rate", "discount_percent")


class QuoteLineFormSet(BaseInlineFormSet):
    """Lines are validated together once each is valid: count, totals, what a line stores."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        try:
            services.check_lines(self.kept_lines())
        except ValueError as error:  # LinesInvalid, DoesNotFit
            raise ValidationError(str(error)) from None

    def kept_lines(self) -> list[dict[str, Any]]:
        """The lines the quote keeps, in order (stored ones as positioned, then new ones), as
        dicts for the services; deleted lines and blank extra forms are left out."""
        lines = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form):
                continue
            line = {name: data[name] for name in LINE_FIELDS if name in data}
            if form.instance.pk is not None:
                line["source_key"] = form.instance.source_key
            lines.append(line)
        return lines


def lines_of(formsets: list[Any]) -> list[dict[str, Any]] | None:
    """The kept lines of the change form's lines formset, or None when it has none (the lines
    stay as stored)."""
    for formset in formsets:
        if isinstance(formset, QuoteLineFormSet):
            return formset.kept_lines()
    return None
