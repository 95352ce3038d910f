"""CSV export for the apps' change lists (django-import-export), export only.

``CsvExportAdmin`` adds an "Export" button to a change list: it exports the rows the list
shows, with its filters, range filters and search (``ExportMixin.get_export_queryset`` builds
the same ``ChangeList``), to CSV, and only that format. Two things the library leaves to
settings are fixed here, so an app's admin is safe in any project that installs it:

- Permission: the library lets any staff user export unless the project sets
  ``IMPORT_EXPORT_EXPORT_PERMISSION_CODE``; here exporting also needs the view permission
  on the model (what reading the list needs).
- Formula injection: the library's ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` only strips a
  leading ``=``. ``SafeCSV`` prefixes ``'`` to every text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return (OWASP's advice), except plain numbers such as
  ``-5.00``, so a spreadsheet shows the text instead of running it.
"""

from __future__ import annotations

import re
from typing import Any

import tablib
from django.http import HttpRequest
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")


def escape_formula(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as text: a string that a spreadsheet would read as
    a formula gets a leading ``'``; anything else (numbers, None, dates) is returned as is."""
    formula = isinstance(value, str) and value.startswith(FORMULA_START)
    return "'" + value if formula and not _PLAIN_NUMBER.fullmatch(value) else value


class SafeCSV(CSV):
    """CSV whose text cells cannot run as spreadsheet formulas (``escape_formula``)."""

    def export_data(self, dataset: Any, **kwargs: Any) -> Any:
        rows = [[escape_formula(cell) for cell in row] for row in dataset]
        headers = [escape_formula(header) for header in dataset.headers or []]
        return super().export_data(tablib.Dataset(*rows, headers=headers or None), **kwargs)


class CsvExportAdmin(ExportMixin):
    """Mix in before ``admin.ModelAdmin`` (and before ``ScaledListAdmin``); set
    ``resource_classes`` to resources with explicit ``fields``. Import is not offered."""

    def get_export_formats(self) -> list[type]:
        return [SafeCSV]  # not the project's IMPORT_EXPORT_FORMATS: CSV only, escaped

    def has_export_permission(self, request: HttpRequest) -> bool:
        may_view = self.has_view_permission(request)  # type: ignore[attr-defined]
        return may_view and super().has_export_permission(request)
