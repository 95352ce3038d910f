"""A cheaper ``to_representation`` for the API's lists: the same JSON as DRF's, byte for byte.

DRF builds every serializer's fields again for each request (``ModelSerializer.get_fields``:
model introspection and deep copies), then, for every field of every row, walks the field
mapping, calls ``field.get_attribute`` (source path, callables, a ``PKOnlyObject`` for a
related id) and ``field.to_representation`` (a ``DecimalField`` copies the decimal context
each time). For a page of 25 quotes with their 100 lines that was 40% of the request
(``benchmarks/bench_profile.py``). :class:`FastRepresentation` works a serializer's fields
out into steps ``(name, get, show)`` once, then runs them on each model instance:

- a concrete model column (``source`` is its name, or a path through foreign keys that cannot
  be null): ``getattr``, then the field's own ``to_representation``; a ``DecimalField``
  through :func:`decimal_step` (its quantizing set up once);
- a forward foreign key shown as its id by a plain ``PrimaryKeyRelatedField``: the ``_id``
  column; shown by a ``SlugRelatedField``: the related object;
- ``source="*"`` (a nested serializer of the same row): the instance;
- a field that knows a cheaper way (``representation_step()``, e.g. a line's amounts) or a
  serializer that does (``representation_getter(field)``, e.g. lines loaded for a page);
- anything else: DRF's own steps for that field (``get_attribute``, ``SkipField``, ``None``).

When no step reads the request or the serializer it was built in (DRF's plain fields read
only settings and the current time zone, on each call), the steps are built once per class
and model on a serializer made without arguments, and a list page builds no fields at all;
otherwise once per serializer instance. ``None`` stays ``None`` without calling the field, as
DRF does; what is not a model instance goes to DRF's ``to_representation`` whole. ``FAST``
set to False gives DRF's path everywhere: ``tests/test_fast_representation.py`` compares the
two, byte for byte.
"""

from __future__ import annotations

import decimal
import weakref
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from rest_framework import relations, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

FAST = True

Getter = Callable[[Any], Any]
Shower = Callable[[Any], Any]
Step = tuple[str, Getter | None, Any]  # get None: DRF's steps for the field (third item)


def _same(value: Any) -> Any:
    return value


def decimal_step(field: serializers.DecimalField, *, as_decimal_field: bool = False) -> Shower:
    """``DecimalField.to_representation`` for ``field`` with its quantizing set up once (the
    context is the thread's at that moment, as DRF copies it on every call). DRF's own method
    where the output is not the plain string (``coerce_to_string`` off, ``localize``,
    ``normalize_output``) or the field's class changes it. ``as_decimal_field``: the value is
    shown as ``DecimalField`` shows it even where the field's class overrides
    ``to_representation`` for its own input (``LineAmountField`` is given a line)."""
    kind = type(field)
    if as_decimal_field:
        plain: Shower = partial(serializers.DecimalField.to_representation, field)
    else:
        plain = field.to_representation
    overridden = kind.to_representation is not serializers.DecimalField.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if (
        (overridden and not as_decimal_field)
        or kind.quantize is not serializers.DecimalField.quantize
        or not coerce
        or field.localize
        or getattr(field, "normalize_output", False)  # DRF 3.15 has none
        or field.decimal_places is None
    ):
        return plain
    context = decimal.getcontext().copy()
    if field.max_digits is not None:
        context.prec = field.max_digits
    exponent = decimal.Decimal(".1") ** field.decimal_places
    rounding = field.rounding

    def show(value: Any) -> str:
        if value is None:
            return ""  # as DRF shows None when it coerces to strings
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value).strip())
        return f"{value.quantize(exponent, rounding=rounding, context=context):f}"

    show.context_free = True  # type: ignore[attr-defined]
    return show


def _columns(model: type[models.Model], path: list[str]) -> list[models.Field] | None:
    """The model fields along ``path``: a concrete column at its end, reached through foreign
    keys that cannot be null (so every step finds an object, as DRF's ``get_attribute``
    would, and never skips the field); None when the path is anything else."""
    if not path:
        return None
    columns = []
    for index, name in enumerate(path):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False):
            return None
        columns.append(field)
        if index < len(path) - 1:
            if not field.many_to_one or field.null:
                return None
            model = field.related_model
    return columns


def _plain_pk_field(field: Field) -> bool:
    """A ``PrimaryKeyRelatedField`` that shows the id as DRF does (no ``pk_field``, the
    id-only optimization and DRF's own ``get_attribute`` and ``to_representation``)."""
    kind, plain = type(field), relations.PrimaryKeyRelatedField
    return (
        isinstance(field, plain)
        and field.pk_field is None
        and kind.use_pk_only_optimization is plain.use_pk_only_optimization
        and kind.to_representation is plain.to_representation
        and kind.get_attribute is relations.RelatedField.get_attribute
    )


def _default_get(field: Field) -> bool:
    return type(field).get_attribute is Field.get_attribute


# DRF's to_representation of these fields reads nothing of the request or the parent
# serializer (settings and the current time zone are read on each call), so one field object
# can show values for every request.
_CONTEXT_FREE = {
    kind.to_representation
    for kind in (
        # DRF 3.18's, for big integer columns such as ids (3.15 has none: IntegerField's).
        getattr(serializers, "BigIntegerField", serializers.IntegerField),
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.JSONField,
        serializers.TimeField,
        serializers.UUIDField,
        relations.SlugRelatedField,  # the related object's slug attribute
    )
}

# Steps shared by every instance of a serializer class, per model, kept on the class itself
# (so a class made per request, like the revert answer's, takes its steps with it): built once
# on a serializer made without arguments or context, for classes whose every step reads
# nothing of the request. Forgotten when a setting changes (``decimal_step`` reads them).
_SHARED = "_fast_representation_steps"
_sharing: weakref.WeakSet[type] = weakref.WeakSet()


@receiver(setting_changed)
def _forget_steps(**kwargs: Any) -> None:
    for kind in list(_sharing):
        kind.__dict__.get(_SHARED, {}).clear()


class FastRepresentation:
    """Mixin for a ``Serializer``: ``to_representation`` through steps worked out once per
    serializer class and model (see the module's docstring), or once per instance where a
    step depends on the serializer's context. A class whose fields depend on how it is built
    (arguments other than DRF's) must not use it."""

    _steps: tuple[type[models.Model], list[Step]] | None = None

    def representation_getter(self, field: Field) -> Getter | None:
        """Hook: a cheaper way to read ``field``'s value from an instance, or None. What it
        returns must not read the request: it may serve every request."""
        return None

    def to_representation(self, instance: Any) -> Any:
        if not FAST or not isinstance(instance, models.Model):
            return super().to_representation(instance)  # type: ignore[misc]
        ret = {}
        for name, get, show in self.representation_steps(type(instance)):
            if get is None:  # DRF's steps for this field (Serializer.to_representation)
                try:
                    attribute = show.get_attribute(instance)
                except SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                ret[name] = None if check is None else show.to_representation(attribute)
                continue
            value = get(instance)
            ret[name] = None if value is None else show(value)
        return ret

    def representation_steps(self, model: type[models.Model]) -> list[Step]:
        """``(name, get, show)`` for each readable field, shared by the class when it can be."""
        shared = _shared_steps(type(self), model)
        if shared is not None:
            return shared
        if self._steps is None or self._steps[0] is not model:
            self._steps = (model, self._build_steps(model)[0])
        return self._steps[1]

    def _build_steps(self, model: type[models.Model]) -> tuple[list[Step], bool]:
        """The steps, and whether none of them reads the request (so they can be shared)."""
        steps: list[Step] = []
        shareable = True
        for field in self._readable_fields:  # type: ignore[attr-defined]
            step = self._step(field, model)
            if step is None:
                steps.append((field.field_name, None, field))
                shareable = False
            else:
                steps.append((field.field_name, step[0], step[1]))
                shareable = shareable and _context_free(field, step[1], model)
        return steps, shareable

    def _step(self, field: Field, model: type[models.Model]) -> tuple[Getter, Shower] | None:
        own = getattr(field, "representation_step", None)
        if own is not None:
            return own()
        if isinstance(field, serializers.DecimalField):
            show = decimal_step(field)
        else:
            show = field.to_representation
        getter = self.representation_getter(field)
        if getter is not None:
            return getter, show
        if field.source == "*":
            return (_same, show) if _default_get(field) else None
        columns = _columns(model, field.source_attrs)
        if columns is None:
            return None
        last = columns[-1]
        if isinstance(field, relations.RelatedField):
            if len(columns) != 1 or not last.many_to_one:
                return None
            if _plain_pk_field(field):  # DRF: PKOnlyObject(serializable_value), shown as its pk
                return attrgetter(last.attname), _same
            if (
                type(field).get_attribute is relations.RelatedField.get_attribute
                and not field.use_pk_only_optimization()
            ):
                return attrgetter(last.name), show
            return None
        if last.is_relation or not _default_get(field):
            return None
        return attrgetter(".".join(field.source_attrs)), show


def _shared_steps(kind: type, model: type[models.Model]) -> list[Step] | None:
    """The class's shared steps for ``model``, worked out on first use; None: not shareable."""
    by_model = kind.__dict__.get(_SHARED)
    if by_model is None:
        by_model = {}
        setattr(kind, _SHARED, by_model)
        _sharing.add(kind)
    if model not in by_model:
        by_model[model] = None  # while building (a nested serializer of its own class)
        try:
            template = kind()
        except TypeError:  # a serializer that must be given arguments: steps per instance
            return None
        steps, shareable = template._build_steps(model)
        by_model[model] = steps if shareable else None
    return by_model[model]


def _context_free(field: Field, show: Shower, model: type[models.Model]) -> bool:
    """Whether ``show`` reads nothing of the request or the serializer it was built in."""
    if show is _same or getattr(show, "context_free", False):
        return True
    if isinstance(field, serializers.ListSerializer):
        child = field.child
        child_model = getattr(getattr(child, "Meta", None), "model", None)
        return (
            type(field).to_representation is serializers.ListSerializer.to_representation
            and isinstance(child, FastRepresentation)
            and child_model is not None
            and _shared_steps(type(child), child_model) is not None
        )
    if isinstance(field, FastRepresentation):  # nested, the same row (source="*")
        return field.source == "*" and _shared_steps(type(field), model) is not None
    return getattr(show, "__func__", None) in _CONTEXT_FREE
