"""The admin's ModelForms: schemas and answers are validated exactly as the API does."""

from __future__ import annotations

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
from betterform.schema import SchemaError, validate_schema

Status = Submission.Status


class PrettyJSONField(forms.JSONField):
    """JSON shown indented, so a schema can be read and edited in its textarea."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False, cls=self.encoder)


JSON_FIELD = {
    models.JSONField: {
        "form_class": PrettyJSONField,
        "widget": forms.Textarea(attrs={"rows": 20, "cols": 100, "style": "font-family:monospace"}),
    }
}


class FormAdminForm(forms.ModelForm):
    class Meta:
        model = Form
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets choose)

    def clean_schema(self) -> Any:
        schema = self.cleaned_data["schema"]
        try:
            validate_schema(schema)
        except SchemaError as error:
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
