"""Shapes of createpdf's API: what clients send and what they get back."""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from createpdf import registry, template_checks
from createpdf.fitting import max_length
from createpdf.models import Document, DocumentTemplate
from createpdf.template_store import TemplateNotFound, resolve_template


def validate_context(value: Any) -> dict[str, Any]:
    if message := template_checks.context_error(value):
        raise serializers.ValidationError(message)
    return value


# A ``ModelSerializer`` whose fields are built from the model once per class, then copied (as
# DRF copies declared fields) for each instance. Building them reads the model's fields on
# every instantiation, which was a fifth of answering a repeated document request. Only for
# serializers whose fields do not depend on the instance or the context.
# A comment, not a docstring: drf-spectacular describes a serializer's component with the
# first docstring along its MRO, so this one showed in /api/schema/ as ``Document``'s.
class FieldsBuiltOnce:
    _built_fields: dict[str, Any] | None = None

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        if cls.__dict__.get("_built_fields") is None:
            cls._built_fields = super().get_fields()  # type: ignore[misc]
        return copy.deepcopy(cls._built_fields)


class DocumentSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "url",
            "status",
            "template_slug",
            "template_version",
            "title",
            "source",
            "download_url",
            "sha256",
            "size",
            "pages",
            "render_ms",
            "attempts",
            "error",
            "kept",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_url(self, document: Document) -> str:
        return self._absolute(reverse("createpdf:document-detail", args=[document.pk]))

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, document: Document) -> str | None:
        if document.status != Document.Status.DONE:
            return None
        return self._absolute(reverse("createpdf:document-download", args=[document.pk]))

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"type": {"type": "string"}, "id": {"type": "string"}},
        }
    )
    def get_source(self, document: Document) -> dict[str, str] | None:
        if document.source_type_id is None:
            return None
        model = document.source_type.model_class() if document.source_type else None
        label = model._meta.label_lower if model else ""
        return {"type": label, "id": document.source_id}


class SourceReferenceSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A registered source, e.g. 'betterform.quote'.")
    id = serializers.CharField()


class DocumentRequestSerializer(serializers.Serializer):
    """Either a template slug with its context, or a registered source object."""

    template = serializers.SlugField(required=False)
    context = serializers.JSONField(required=False, validators=[validate_context])
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=max_length(Document, "title")
    )
    source = SourceReferenceSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("template" in attrs) == ("source" in attrs):
            raise serializers.ValidationError(
                "Send either 'template' (with 'context') or 'source', not both or neither."
            )
        if "template" in attrs:
            try:
                attrs["resolved_template"] = resolve_template(attrs["template"])
            except TemplateNotFound as error:
                raise serializers.ValidationError({"template": str(error)}) from None
            attrs.setdefault("context", {})
            return attrs
        reference = attrs["source"]
        source = registry.sources().get(reference["type"])
        if source is None:
            known = ", ".join(sorted(registry.sources())) or "none"
            raise serializers.ValidationError(
                {"source": f"unknown source type {reference['type']!r} (known: {known})."}
            )
        queryset = source.queryset(self.context["request"])
        try:  # an id that is not one of the model's (text for a number) names no object
            key = queryset.model._meta.pk.to_python(reference["id"])
        except DjangoValidationError:
            key = None
        instance = queryset.filter(pk=key).first() if key is not None else None
        if instance is None:
            raise serializers.ValidationError(
                {"source": f"no {reference['type']} with id {reference['id']!r} that you can see."}
            )
        attrs["source_definition"], attrs["source_instance"] = source, instance
        return attrs


class DocumentTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentTemplate
        fields = ["id", "slug", "name", "html", "css", "sample_context", "active", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    # The admin's template form runs the same checks (``template_checks``).
    def validate_html(self, value: str) -> str:
        if message := template_checks.source_error(value):
            raise serializers.ValidationError(message)
        return value

    def validate_css(self, value: str) -> str:
        return self.validate_html(value)

    def validate_sample_context(self, value: Any) -> dict[str, Any]:
        # A form field "null" parses to None past allow_null; the column is NOT NULL.
        return validate_context(value)


class AvailableTemplateSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    origin = serializers.CharField(help_text="'database' or 'package:<app>'.")
    version = serializers.CharField()


class PreviewSerializer(serializers.Serializer):
    """A saved template by slug, or unsaved ``html``/``css``; the context defaults to the
    template's sample context."""

    template = serializers.SlugField(required=False)
    html = serializers.CharField(required=False, trim_whitespace=False)
    css = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    context = serializers.JSONField(required=False, validators=[validate_context])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "template" in attrs and "html" in attrs:
            raise serializers.ValidationError("Send either 'template' or 'html', not both.")
        if "template" not in attrs and "html" not in attrs:
            raise serializers.ValidationError(
                "Send 'template' (a stored or packaged template's slug) or 'html' to preview."
            )
        if "template" in attrs:
            try:
                template = resolve_template(attrs["template"])
            except TemplateNotFound as error:
                raise serializers.ValidationError({"template": str(error)}) from None
            attrs["html"], attrs["css"] = template.html, template.css
            attrs.setdefault("context", template.sample_context)
        attrs.setdefault("css", "")
        attrs.setdefault("context", {})
        return attrs


class ReportSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    parameters = serializers.DictField(help_text="Parameter name -> type and help text.")
    url = serializers.CharField()
