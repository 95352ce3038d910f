"""Read-only HTML for the admin: a form's schema and a submission's answers, by label.

Everything goes through ``format_html``/``format_html_join``, so every label, option and
answer is escaped.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from betterform.conf import conf
from betterform.schema import CHOICE_TYPES, SchemaError, validate_schema


def error_lines(errors: dict[str, list[str]]) -> list[str]:
    return [f"{where}: {message}" for where, items in errors.items() for message in items]


def _list(items: Any, template: str = "{}") -> SafeString:
    return format_html_join(mark_safe("<br>"), template, items)


LIMITS = ["min", "max", "max_length", "min_date", "max_date", "min_choices", "max_choices"]
FIELD_ROW = "<tr><td><code>{}</code></td>" + "<td>{}</td>" * 6 + "</tr>"
SECTION = (
    "<h3>{}</h3><p>{}</p><table><thead><tr><th>Key</th><th>Label</th><th>Type</th>"
    "<th>Required</th><th>Limits</th><th>Options</th><th>Pricing</th></tr></thead>"
    "<tbody>{}</tbody></table>"
)


def _field_row(field: dict[str, Any], currency: str) -> tuple[Any, ...]:
    pricing = field.get("pricing", {})
    priced = [
        f"{pricing['unit_price']} {currency} per {pricing.get('unit_label') or 'unit'}"
        if "unit_price" in pricing else "",
        f"{pricing['price']} {currency} when checked" if "price" in pricing else "",
        f"tax {pricing['tax_rate']}%" if "tax_rate" in pricing else "",
    ]  # fmt: skip
    options = (
        (o["label"], o["value"], f" + {o['price']} {currency}" if "price" in o else "")
        for o in field.get("options", [])
    )
    return (
        field["key"],
        field["label"],
        field["type"],
        "yes" if field.get("required") else "no",
        _list((f"{name.replace('_', ' ')} {field[name]}",) for name in LIMITS if name in field),
        _list(options, "{} (<code>{}</code>){}"),
        _list((text,) for text in priced if text),
    )


def schema_html(schema: Any) -> SafeString:
    """Sections as tables of fields (limits, options with prices, pricing), then the fees."""
    try:
        validate_schema(schema)
    except SchemaError as error:
        lines = _list((line,) for line in error_lines(error.errors))
        return format_html("<p>This schema has errors:</p><p>{}</p>", lines)
    pricing = schema.get("pricing", {})
    currency = pricing.get("currency", conf.BETTERFORM_DEFAULT_CURRENCY)
    sections = format_html_join(
        "",
        SECTION,
        (
            (s["title"], s.get("description", ""), format_html_join("", FIELD_ROW, rows))
            for s in schema["sections"]
            for rows in [[_field_row(field, currency) for field in s["fields"]]]
        ),
    )
    fees = _list(
        (
            (fee["description"], fee["amount"], currency, fee.get("tax_rate", "default"))
            for fee in pricing.get("fixed_fees", [])
        ),
        "{}: {} {} (tax rate: {})",
    )
    return format_html(
        '<div class="betterform-schema">{}<h3>Pricing</h3><p>Currency {}, tax rate {}%</p>'
        "<p>Fixed fees:<br>{}</p></div>",
        sections,
        currency,
        pricing.get("tax_rate", "0"),
        fees or "none",
    )


def answer_text(field: dict[str, Any], value: Any, currency: str) -> str:
    """An answer as a person reads it: option labels, Yes/No, amounts with their unit."""
    if value is None or value == "" or value == []:
        return "-"
    kind, unit = field["type"], field.get("pricing", {}).get("unit_label", "")
    if kind == "boolean":
        return "Yes" if value else "No"
    if kind in CHOICE_TYPES:
        labels = {option["value"]: option["label"] for option in field.get("options", [])}
        return ", ".join(
            labels.get(v, str(v)) for v in (value if isinstance(value, list) else [value])
        )
    if kind == "money":
        return f"{value} {currency}"
    return f"{value} {unit}".strip()


def answers_html(schema: dict[str, Any], answers: dict[str, Any]) -> SafeString:
    """The answers in schema order, by field label; answers to unknown keys come last."""
    currency = schema.get("pricing", {}).get("currency", conf.BETTERFORM_DEFAULT_CURRENCY)
    row = '<tr><th>{}</th><td style="white-space:pre-line">{}</td></tr>'
    blocks, known = [], set()
    for section in schema.get("sections", []):
        rows = []
        for field in section.get("fields", []):
            known.add(field["key"])
            rows.append((field["label"], answer_text(field, answers.get(field["key"]), currency)))
        blocks.append((section.get("title", ""), format_html_join("", row, rows)))
    unknown = [(key, json.dumps(value)) for key, value in answers.items() if key not in known]
    if unknown:
        blocks.append(("Not in the schema", format_html_join("", row, unknown)))
    return format_html(
        '<div class="betterform-answers">{}</div>',
        format_html_join("", "<h3>{}</h3><table>{}</table>", blocks),
    )


# --- forms -------------------------------------------------------------------------------------


def adopt(target: models.Model, saved: models.Model) -> None:
    """Turn the admin's unsaved instance into the row a service created (for inlines, the
    admin log and the redirect)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding, target._state.db = False, saved._state.db


def admin_link(obj: models.Model) -> str:
    url = reverse(f"admin:betterform_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)
