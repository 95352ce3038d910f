"""The public form page's inputs, built from a form's schema, and the posted inputs read back
as the ``answers`` and ``customer`` the JSON endpoint takes.

Reading converts only what HTML cannot say as JSON (a ticked box, several ticked boxes, a whole
number); every rule (required, limits, options) stays in ``betterform.answers.clean_answers``,
which the submission service applies to both doors, so the page shows the API's own messages.
What no answer can be read from is refused here, next to its input (``read_answers``): a value
sent twice for one answer, a box "ticked" with something else than yes, a NUL character (the
API refuses those in any JSON body), a value longer than its field takes.

Input names are ``answer-<key>`` and ``customer-<detail>``: a field key (``[a-z][a-z0-9_]*``)
never holds ``-``, so no answer can be mistaken for a customer detail or Django's CSRF field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.safestring import SafeString

from betterform.answers import DEFAULT_MAX_LENGTH
from betterform.customer.field_words import limits_text, money, price_text
from betterform.services import CUSTOMER_FIELDS

ANSWER = "answer-"
CUSTOMER = "customer-"
NO_ATTRS = SafeString("")
SELECT_FROM = 8  # a choice with this many options or more is a drop-down, not radio buttons
WHOLE = re.compile(r"[+-]?\d{1,30}")
INPUT_TYPES = {"text": "text", "email": "email", "phone": "tel", "date": "date"}
NUMBER_STEPS = {
    "integer": ("1", "numeric"),
    "number": ("any", "decimal"),
    "money": ("0.01", "decimal"),
}
# The customer's details (the JSON endpoint's ``customer``): label, input type, autocomplete.
# "Your ...": a form may ask for a phone or an e-mail of its own, and each label must be unique.
CUSTOMER_INPUTS = {
    "name": ("Your name", "text", "name"),
    "email": ("Your email", "email", "email"),
    "phone": ("Your phone", "tel", "tel"),
    "company": ("Your company", "text", "organization"),
    "address": ("Your address", "textarea", "street-address"),
}


@dataclass
class Choice:
    """One radio button, check box or drop-down option."""

    id: str
    label: str
    price: str
    attrs: SafeString


@dataclass
class Input:
    """What the template needs for one question. ``kind`` picks its markup: ``input``,
    ``textarea``, ``checkbox``, ``select``, or a fieldset of ``radios`` / ``checkboxes``;
    ``id`` is the element its label names and the error summary links to."""

    kind: str
    id: str
    label: str
    required: bool = False
    help_text: str = ""
    limits: str = ""
    price: str = ""
    errors: list[str] = field(default_factory=list)
    attrs: SafeString = NO_ATTRS
    value: str = ""
    choices: list[Choice] = field(default_factory=list)
    describedby: str = ""

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def target(self) -> str:
        """The id the error summary links to: the first choice of a group."""
        return self.choices[0].id if self.kind in ("radios", "checkboxes") else self.id


@dataclass
class Section:
    title: str
    description: str
    inputs: list[Input]


# --- reading the post ------------------------------------------------------------------------

# A ticked box sends its ``value`` ("on"); the other usual ways of saying yes are taken too.
TICKED = frozenset({"on", "true", "1", "yes"})
# The longest answer a field that is not text takes (a number, a date, an option's value).
OTHER_MAX_LENGTH = 1000
NUL = "\x00"
NUL_MESSAGE = "holds a NUL character (\\u0000), which cannot be stored; remove it"


@dataclass
class Posted:
    """The post read back: ``answers`` as JSON values (unanswered fields left out) and the
    ``problems`` (field key -> messages) of values no answer can be read from. A field with a
    problem is left out of ``answers``; nothing is to be stored while there are problems."""

    answers: dict[str, Any]
    problems: dict[str, list[str]]


def _problem(spec: dict[str, Any], values: list[str]) -> str:
    """What is wrong with the posted ``values`` of a field before any rule is applied:
    several values for one answer, a NUL, a value longer than the field could take, a box
    "ticked" with something else than yes. "" when nothing is."""
    kind = spec["type"]
    if kind != "multi_choice" and len(values) > 1:
        if kind == "choice":
            return "choose only one option"
        return "was sent more than once; give one answer"
    if any(NUL in value for value in values):
        return NUL_MESSAGE
    limit = spec.get("max_length", DEFAULT_MAX_LENGTH.get(kind, OTHER_MAX_LENGTH))
    if any(len(value) > limit for value in values):
        if kind in DEFAULT_MAX_LENGTH:  # the words clean_answers uses
            return f"must be at most {limit} characters"
        return f"is too long: at most {limit} characters"
    if kind == "boolean" and values and values[0] and values[0].strip().lower() not in TICKED:
        return "must be ticked or left unticked"
    return ""


def _read(kind: str, data: QueryDict, name: str, required: bool) -> Any:
    if kind == "multi_choice":
        return [value for value in data.getlist(name) if value]
    if kind == "boolean":
        # An unticked box sends nothing: "no" for an optional question, "unanswered" (so the
        # required message) for one that must be ticked.
        return True if data.get(name) else (None if required else False)
    text = data.get(name, "")
    if kind == "integer" and WHOLE.fullmatch(text.strip()):
        return int(text)
    return text  # clean_answers says what is wrong with it, as it does for the API


def read_answers(schema: dict[str, Any], data: QueryDict) -> Posted:
    """The posted answers as JSON values, keyed by field, and the values no answer can be
    read from (``Posted``)."""
    posted = Posted({}, {})
    for section in schema["sections"]:
        for spec in section["fields"]:
            name = ANSWER + spec["key"]
            if problem := _problem(spec, data.getlist(name)):
                posted.problems[spec["key"]] = [problem]
                continue
            value = _read(spec["type"], data, name, bool(spec.get("required")))
            if value not in (None, "", []):
                posted.answers[spec["key"]] = value
    return posted


def parse_customer(data: QueryDict) -> dict[str, str]:
    """The posted customer details (``{"name": ..., "email": ...}``), as typed."""
    return {name: data.get(CUSTOMER + name, "") for name in CUSTOMER_FIELDS}


# --- building the inputs ---------------------------------------------------------------------


def _described(item: Input) -> str:
    ids = [item.hint_id] if (item.help_text or item.limits or item.price) else []
    return " ".join([*ids, item.error_id] if item.errors else ids)


def _aria(item: Input) -> dict[str, Any]:
    return {
        "aria-describedby": item.describedby or None,
        "aria-invalid": bool(item.errors) and "true",
    }


def _attrs(**values: Any) -> SafeString:
    """``flatatt`` of the values that are set: True is a bare attribute, None/False absent."""
    return flatatt(
        {
            name.replace("_", "-"): value
            for name, value in values.items()
            if value is not None and value is not False
        }
    )


def _choices(item: Input, spec: dict[str, Any], data: QueryDict | None, currency: str) -> None:
    chosen = data.getlist(item.id) if data is not None else []
    input_type = "radio" if item.kind == "radios" else "checkbox"
    for index, option in enumerate(spec["options"]):
        price = option.get("price")
        priced = price is not None and Decimal(str(price)) > 0
        choice_id = item.id if item.kind == "select" else f"{item.id}-{index}"
        picked = option["value"] in chosen
        attrs = (
            _attrs(value=option["value"], selected=picked)
            if item.kind == "select"
            else _attrs(
                type=input_type,
                id=choice_id,
                name=item.id,
                value=option["value"],
                checked=picked,
                required=item.required and item.kind == "radios",
            )
        )
        label = option["label"]
        item.choices.append(
            Choice(choice_id, label, money(price, currency) if priced else "", attrs)
        )


def _answer_input(
    spec: dict[str, Any], data: QueryDict | None, errors: list[str], currency: str
) -> Input:
    kind = spec["type"]
    name = ANSWER + spec["key"]
    ui = {"textarea": "textarea", "boolean": "checkbox", "multi_choice": "checkboxes"}.get(
        kind, "input"
    )
    if kind == "choice":
        ui = "select" if len(spec["options"]) >= SELECT_FROM else "radios"
    item = Input(
        kind=ui,
        id=name,
        label=spec["label"],
        required=bool(spec.get("required")),
        help_text=spec.get("help_text", ""),
        limits=limits_text(spec),
        price=price_text(spec, currency),
        errors=errors,
    )
    item.describedby = _described(item)
    value = data.get(name, "") if data is not None else ""
    common = {"id": name, "name": name, **_aria(item)}
    if ui in ("radios", "checkboxes", "select"):
        _choices(item, spec, data, currency)
        if ui == "select":
            item.attrs = _attrs(**common, required=item.required)
        return item
    if ui == "checkbox":
        item.attrs = _attrs(
            type="checkbox", value="on", checked=bool(value), required=item.required, **common
        )
        return item
    length = spec.get("max_length", DEFAULT_MAX_LENGTH.get(kind))
    if ui == "textarea":
        item.value = value
        item.attrs = _attrs(rows=5, maxlength=length, required=item.required, **common)
        return item
    extra: dict[str, Any] = {"maxlength": length} if kind in DEFAULT_MAX_LENGTH else {}
    if kind in NUMBER_STEPS:
        step, mode = NUMBER_STEPS[kind]
        extra = {"step": step, "inputmode": mode, "min": spec.get("min"), "max": spec.get("max")}
    elif kind == "date":
        extra = {"min": spec.get("min_date"), "max": spec.get("max_date")}
    elif kind == "email":
        extra["spellcheck"] = "false"
    item.attrs = _attrs(
        type=INPUT_TYPES.get(kind, "number" if kind in NUMBER_STEPS else "text"),
        value=value or None,
        required=item.required,
        **common,
        **extra,
    )
    return item


def answer_sections(
    schema: dict[str, Any],
    data: QueryDict | None,
    errors: Mapping[str, list[str]],
    currency: str,
) -> list[Section]:
    """The schema's sections with their inputs, holding ``data`` (a failed post's) and each
    field's ``errors``."""
    return [
        Section(
            section["title"],
            section.get("description", ""),
            [
                _answer_input(spec, data, list(errors.get(spec["key"], [])), currency)
                for spec in section["fields"]
            ],
        )
        for section in schema["sections"]
    ]


def customer_inputs(data: QueryDict | None, errors: Mapping[str, list[str]]) -> list[Input]:
    """The customer's details, all optional as in the JSON endpoint."""
    inputs = []
    for name, (label, input_type, autocomplete) in CUSTOMER_INPUTS.items():
        item = Input(
            kind="input", id=CUSTOMER + name, label=label, errors=list(errors.get(name, []))
        )
        item.describedby = _described(item)
        value = data.get(item.id, "") if data is not None else ""
        common = {"id": item.id, "name": item.id, "autocomplete": autocomplete, **_aria(item)}
        if input_type == "textarea":
            item.kind, item.value = "textarea", value
            item.attrs = _attrs(rows=3, **common)
        else:
            item.attrs = _attrs(type=input_type, value=value or None, **common)
        inputs.append(item)
    return inputs


def error_summary(sections: list[Section], customer: list[Input]) -> list[tuple[str, str]]:
    """``(link to the input, "Label: message")`` for every input with an error, in page order."""
    inputs = [item for section in sections for item in section.inputs] + customer
    return [
        (f"#{item.target}", f"{item.label}: {message}")
        for item in inputs
        for message in item.errors
    ]
