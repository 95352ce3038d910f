"""Serializers for forms: the full form for staff, reps and API clients, and the public view
of a published form.

Writes go through ``services.save_form`` so the schema is validated and a new form version is
recorded whenever the schema changes; a schema error becomes a 400 naming each problem's path.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from betterform import services
from betterform.api.permissions import owner_for_new_object
from betterform.models import Form
from betterform.schema import SchemaError

#: Name of the queryset annotation holding the current version number (see FormViewSet).
VERSION_ANNOTATION = "current_version_number"


def schema_error(error: SchemaError) -> serializers.ValidationError:
    """``{"schema": ["<path>: <message>", ...]}``: one flat list, each message with its path."""
    messages = [f"{path}: {message}" for path, items in error.errors.items() for message in items]
    return serializers.ValidationError({"schema": messages})


class FormSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    public_url = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField()

    class Meta:
        model = Form
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "schema",
            "published",
            "public_token",
            "public_url",
            "owner",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_token", "created_at", "updated_at"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_public_url(self, form: Form) -> str | None:
        """Where customers fill in the form; only a published form has one."""
        if not form.published:
            return None
        path = reverse("betterform:public-form", args=[form.public_token])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_version(self, form: Form) -> int | None:
        """The current form version's number; lists annotate it to avoid a query per row."""
        if VERSION_ANNOTATION in form.__dict__:
            return form.__dict__[VERSION_ANNOTATION]
        return form.versions.aggregate(number=Max("number"))["number"]

    def create(self, validated_data: dict[str, Any]) -> Form:
        owner = owner_for_new_object(self.context["request"])
        form = Form(**validated_data, owner=owner)
        try:
            return services.save_form(form)
        except SchemaError as error:
            raise schema_error(error) from None

    def update(self, instance: Form, validated_data: dict[str, Any]) -> Form:
        for name, value in validated_data.items():
            setattr(instance, name, value)
        try:
            services.save_form(instance)
        except SchemaError as error:
            raise schema_error(error) from None
        instance.__dict__.pop(VERSION_ANNOTATION, None)  # the schema may have a new version
        return instance


class PublicFormSerializer(serializers.ModelSerializer):
    """What an anonymous visitor sees of a published form: enough to render it, no internals."""

    class Meta:
        model = Form
        fields = ["name", "description", "schema"]
        read_only_fields = fields
