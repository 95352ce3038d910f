"""Every JSON model field of our apps holds only what every database stores
(``createpdf.storable``): a new ``models.JSONField`` would let a NUL or a lone surrogate reach
PostgreSQL's jsonb from a form, and a lone surrogate could not even be redisplayed."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from createpdf.storable import StorableJSONField, StorableJSONFormField

OUR_APPS = ("createpdf", "betterform", "monday_integration", "betterform_site")


def test_every_json_field_of_our_apps_is_storable():
    json_fields = [
        f"{model._meta.label}.{field.name}"
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.JSONField)
    ]
    plain = [name for name in json_fields if not isinstance(_field(name), StorableJSONField)]
    assert len(json_fields) >= 13 and plain == []


def test_their_form_fields_refuse_and_escape():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.JSONField) and field.editable:
                    assert isinstance(field.formfield(), StorableJSONFormField), field


def _field(name: str) -> models.Field:
    label, field = name.rsplit(".", 1)
    return apps.get_model(label)._meta.get_field(field)
