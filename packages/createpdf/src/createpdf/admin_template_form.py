"""The template admin's form: checked by ``template_checks`` as the API's serializer is, so
the admin never saves a template the API refuses (a CSS that does not compile included)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from createpdf import template_checks
from createpdf.models import DocumentTemplate


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = "__all__"  # noqa: DJ007 (the admin chooses)

    def clean_html(self) -> str:
        return _checked(self.cleaned_data["html"], template_checks.source_error)

    def clean_css(self) -> str:
        return _checked(self.cleaned_data["css"], template_checks.source_error)

    def clean_sample_context(self) -> Any:
        return _checked(self.cleaned_data["sample_context"], template_checks.context_error)


def _checked(value: Any, error_of: Any) -> Any:
    if message := error_of(value):
        raise ValidationError(message)
    return value
