"""Widgets of the mapping editor: selects of a board's real columns and status labels in
place of typed ids and raw JSON.

Each picks-widget renders one select per key (a target of ``column_map``, a quote line field
of ``subitem_map``, a stage of ``stage_labels``) and gives the form field the JSON the model
stores, so the shapes and the checks (``mapping_checks``) stay the same. A post that carries
the field itself (raw JSON, as before, or from a script) is taken as it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join

from monday_integration.parsing import Column

Choices = list[tuple[Any, Any]]
SEPARATOR = "__"


def column_label(column: Column) -> str:
    """``Title (id, type)``: what an admin recognises and what the mapping stores."""
    return f"{column.title or column.id} ({column.id}, {column.type})"


def column_choices(columns: Iterable[Column], blank: str = "---------") -> Choices:
    return [("", blank), *((column.id, column_label(column)) for column in columns)]


def label_choices(columns: Iterable[Column], blank: str = "---------") -> Choices:
    """The labels of each status column, grouped by column (the value is the label text)."""
    groups: Choices = [("", blank)]
    for column in columns:
        labels = [label for _, label in sorted(column.labels.items()) if label.strip()]
        if labels:
            groups.append((column_label(column), [(label, label) for label in labels]))
    return groups


def _values(choices: Choices) -> set[str]:
    found = set()
    for value, label in choices:
        if isinstance(label, list | tuple):
            found.update(str(inner) for inner, _ in label)
        else:
            found.add(str(value))
    return found


def with_current(choices: Choices, current: Any) -> Choices:
    """``choices`` plus the current value when the board lacks it, so a save does not drop it
    silently (``check_mapping`` then names it)."""
    if current in (None, "") or str(current) in _values(choices):
        return choices
    return [*choices, (str(current), f"{current} (not on this board)")]


class KeepingSelect(forms.Select):
    """A select that keeps a current value missing from its choices (see ``with_current``)."""

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        self.choices = with_current(list(self.choices), value)
        return super().get_context(name, value, attrs)


class PicksWidget(forms.Widget):
    """One select per key of ``rows`` (``[(key, label)]``), all with ``choices``; the value is
    ``{key: picked}`` as JSON, or ``{picked: key}`` when ``inverted`` (``column_map`` is keyed
    by column id). The select of key ``k`` is posted as ``<name>__<k>``."""

    template_name = ""  # rendered in ``render``

    def __init__(
        self,
        rows: Sequence[tuple[str, str]],
        choices: Choices,
        *,
        inverted: bool = False,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.rows = list(rows)
        self.choices = choices
        self.inverted = inverted

    def picks(self, value: Any) -> dict[str, str]:
        """``{key: picked}`` from a stored value (a dict, or its JSON)."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return {}
        if not isinstance(value, dict):
            return {}
        if self.inverted:
            return {str(key): str(picked) for picked, key in value.items()}
        return {str(key): str(picked) for key, picked in value.items()}

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:  # the JSON itself: taken as it is
            return data.get(name)
        names = {key: f"{name}{SEPARATOR}{key}" for key, _ in self.rows}
        if not any(sub in data for sub in names.values()):
            return None
        picked = {key: data.get(sub) for key, sub in names.items() if data.get(sub)}
        if self.inverted:
            return json.dumps({column: key for key, column in picked.items()})
        return json.dumps(picked)

    def duplicates(self, data: Any, name: str) -> list[str]:
        """Values picked for more than one key (an inverted map can hold a column once)."""
        seen: dict[str, int] = {}
        for key, _ in self.rows:
            picked = data.get(f"{name}{SEPARATOR}{key}")
            if picked:
                seen[picked] = seen.get(picked, 0) + 1
        return [picked for picked, count in seen.items() if count > 1]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return self.value_from_datadict(data, files, name) is None

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> str:
        picks = self.picks(value)
        extra = [(key, key) for key in picks if key not in dict(self.rows)]
        rows = []
        for key, label in [*self.rows, *extra]:
            sub = f"{name}{SEPARATOR}{key}"
            select = forms.Select(choices=with_current(self.choices, picks.get(key)))
            html = select.render(sub, picks.get(key, ""), {"id": f"id_{sub}"})
            rows.append((sub, label, key, html))
        body = format_html_join(
            "",
            '<tr><th><label for="id_{}">{}</label> <code>{}</code></th><td>{}</td></tr>',
            rows,
        )
        return format_html('<table class="mapping-picks" id="id_{}">{}</table>', name, body)
