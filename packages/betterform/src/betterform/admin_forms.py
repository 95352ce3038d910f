"""The admin's ModelForms: schemas and answers are validated exactly as the API does."""

from __future__ import annotations

import copy
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.fields import InvalidJSONInput

from betterform import services
from betterform.admin_display import error_lines
from betterform.answers import AnswersError, clean_answers
from betterform.models import Form, Submission
from betterform.schema import (
    CHOICE_TYPES,
    FIELD_TYPES,
    LENGTH_TYPES,
    NUMERIC_TYPES,
    SchemaError,
    validate_schema,
)
from createpdf.storable import StorableJSONFormField, escape_unstorable

Status = Submission.Status


class PrettyJSONField(StorableJSONFormField):
    """JSON shown indented, so a schema can be read and edited in its textarea; a syntax
    error says where it is (line and column, as ``json.JSONDecodeError`` counts them)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as error:
            if getattr(error, "code", None) != "invalid" or not isinstance(value, str):
                raise
            try:
                json.loads(value, cls=self.decoder)
            except json.JSONDecodeError as syntax:
                raise ValidationError(
                    f"Not valid JSON: {syntax.msg} at line {syntax.lineno}, column {syntax.colno}.",
                    code="invalid",
                ) from None
            raise

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        return escape_unstorable(json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder))


JSON_FIELD = {
    models.JSONField: {
        "form_class": PrettyJSONField,
        "widget": forms.Textarea(attrs={"rows": 20, "cols": 100, "style": "font-family:monospace"}),
    }
}


# What a new form starts with: the smallest valid schema (a form needs a field), to edit.
STARTER_SCHEMA = {
    "sections": [
        {
            "title": "Details",
            "fields": [{"key": "description", "label": "What do you need?", "type": "textarea"}],
        }
    ]
}


# What the form builder (static/betterform/admin/form_builder.js) offers for each field type:
# the lists of ``schema.py``; the two pricing lists are the ones ``schema._field_errors`` (and
# ``pricing.price_answers``) accept for ``pricing.unit_price`` and ``pricing.price``.
BUILDER_RULES = {
    "types": list(FIELD_TYPES),
    "choice": list(CHOICE_TYPES),
    "numeric": list(NUMERIC_TYPES),
    "length": list(LENGTH_TYPES),
    "date": ["date"],
    "multi": ["multi_choice"],
    "unit_price": ["integer", "number"],
    "price": ["boolean"],
}


class FormAdminForm(forms.ModelForm):
    """The schema is checked by ``validate_schema`` (the API's check) and saved through
    ``services.save_form``; a new form starts from ``STARTER_SCHEMA``, not ``null``.

    The schema textarea stays the one field the server validates; the form builder script
    enhances it (reads and rewrites its JSON). The textarea carries what the script needs:
    ``data-schema-builder`` (``BUILDER_RULES`` as JSON) and, after a refused save,
    ``data-schema-errors``: ``validate_schema``'s errors as JSON, ``{path: [message, ...]}``
    (e.g. ``{"sections[0].fields[1].key": ["'area' is already used at ..."]}``), which the
    builder shows next to the section, field or option the path names."""

    class Meta:
        model = Form
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "schema" in self.fields:
            self.initial.setdefault("schema", copy.deepcopy(STARTER_SCHEMA))
        if "schema" in self.fields:
            attrs = self.fields["schema"].widget.attrs  # the form's own copy of the widget
            attrs["data-schema-builder"] = json.dumps(BUILDER_RULES)

    def clean_schema(self) -> Any:
        schema = self.cleaned_data["schema"]
        try:
            validate_schema(schema)
        except SchemaError as error:
            attrs = self.fields["schema"].widget.attrs
            attrs["data-schema-errors"] = json.dumps(error.errors, ensure_ascii=False)
            raise ValidationError(error_lines(error.errors)) from None
        return schema


class SubmissionAdminForm(forms.ModelForm):
    """A new submission's answers are validated like the API's; afterwards they are read-only
    and the status offers only the moves the workflow allows."""

    class Meta:
        model = Submission
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            current = self.instance.status if self.instance.pk else None
            new = (Status.DRAFT, Status.SUBMITTED)
            allowed = (current, *services.TRANSITIONS[current]) if current else new
            self.fields["status"].choices = [c for c in Status.choices if c[0] in allowed]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        adding, status = self.instance.pk is None, data.get("status")
        try:
            if adding and data.get("form"):
                schema = services.current_version(data["form"]).schema
                answers = data.get("answers") or {}
                data["answers"] = clean_answers(schema, answers, partial=status == Status.DRAFT)
            elif not adding and self.instance.status == Status.DRAFT and status == Status.SUBMITTED:
                clean_answers(self.instance.form_version.schema, self.instance.answers)
        except AnswersError as error:
            self.add_error("answers" if adding else "status", error_lines(error.errors))
        return data
