"""Restore one object from its django-reversion history: that object and the rows it owns.

django-reversion's ``Revision.revert()`` puts back every object saved in the same revision, so
reverting a quote built from a submission also moved the submission back. ``restore_version``
restores exactly one object:

- the object, as the version stored it;
- the rows it *owns*: the reverse foreign keys and one-to-ones named in its
  ``reversion.register(follow=[...])``, followed recursively. Owned rows saved in the version's
  revision are restored; owned rows that exist now but are not in it are deleted (a quote's
  lines);
- nothing else. Parents (forward foreign keys, followed or not), many-to-many targets and
  every other object of the revision keep their current state.

A parent that no longer exists: a nullable link is cleared and reported in
``Restored.warnings``; a required one raises ``MissingParent`` naming it and the version to
recover it from. Nothing is written until every check has passed. The restore is saved as a
new revision (the caller's, when one is active) holding only the object and its owned rows,
with the comment "Reverted to version N." or "Recovered version N." unless the caller set one.

Generic: it knows no model of ours, so any model registered later behaves the same. Both doors
to the history call it: betterform's API (``HistoryMixin``) and every admin built on
``createpdf.history_admin.RestoringVersionAdmin``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reversion
from django.core.serializers.base import DeserializedObject
from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel, ProtectedError, RestrictedError
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import _get_options  # no public accessor for the registration


class RestoreError(Exception):
    """Nothing was restored; the message says why, in a sentence for a person."""


@dataclass(frozen=True)
class MissingRow:
    """A parent that no longer exists; ``version`` is the one to recover it from, if any."""

    model: str  # "betterform.form"
    verbose_name: str
    field: str  # the link on the restored row, e.g. "form"
    object_id: str
    object_repr: str
    version: int | None

    def describe(self) -> str:
        if self.object_repr == f"#{self.object_id}":
            return self.object_repr
        return f"{self.object_repr!r} (#{self.object_id})"


class MissingParent(RestoreError):
    """A required parent no longer exists; ``missing`` lists each, with how to bring it back."""

    def __init__(self, message: str, missing: list[MissingRow]) -> None:
        super().__init__(message)
        self.missing = missing


class RestoreConflict(RestoreError):
    """The stored version clashes with the rows there are now (a unique value taken since, a
    row that protects an owned row from deletion) or cannot be loaded at all."""


@dataclass(frozen=True)
class Restored:
    """What ``restore_version`` did: the object as saved, whether it had been deleted, the
    comment it gave the revision, and the links it cleared because their parent is gone."""

    object: models.Model
    recovered: bool  # it did not exist before
    comment: str  # "Reverted to version N." / "Recovered version N."
    warnings: list[str] = field(default_factory=list)  # links cleared: the parent is gone


def owned_relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """The reverse foreign keys and one-to-ones named in the model's reversion ``follow``: the
    rows a restore of ``model`` brings back with it (and deletes when not in the version)."""
    follow = _get_options(model).follow
    return [
        rel
        for rel in model._meta.related_objects
        if (rel.one_to_many or rel.one_to_one) and rel.get_accessor_name() in follow
    ]


@dataclass
class _Row:
    version: Version
    item: DeserializedObject
    owned: list[tuple[ForeignObjectRel, list[_Row]]] = field(default_factory=list)


@dataclass
class _Findings:
    warnings: list[str] = field(default_factory=list)  # nullable links cleared
    problems: list[str] = field(default_factory=list)  # "its form 'Kitchen' (#7)"
    missing: list[MissingRow] = field(default_factory=list)


def restore_version(version: Version) -> Restored:
    """Restore the object of ``version`` and the rows it owns, as that version stored them, and
    nothing else; record it in a new revision (or the caller's active one).

    Clears nullable links to parents that no longer exist (said in ``warnings``). Raises
    ``MissingParent`` when a required parent is gone and ``RestoreConflict`` when the version
    clashes with the rows there are now; either way nothing was written.
    """
    db = version.db
    recovered = not _exists(version)
    comment = _comment(version, recovered)
    found = _Findings()
    with transaction.atomic(using=db), reversion.create_revision():
        if not reversion.get_comment():
            reversion.set_comment(comment)
        row = _plan(version, None, found)
        if found.problems:
            raise MissingParent(_refusal(version, found), found.missing)
        try:
            with transaction.atomic(using=db):
                _write(row, db)
        except IntegrityError as error:
            raise RestoreConflict(
                f"{_title(version)} cannot be restored: it clashes with a row stored since "
                f"({error})."
            ) from None
        except (ProtectedError, RestrictedError) as error:
            blockers = ", ".join(sorted({str(obj) for obj in error.args[1]})[:5])
            raise RestoreConflict(
                f"{_title(version)} cannot be restored: rows it does not have in that version "
                f"are still used by {blockers}."
            ) from None
        reversion.add_to_revision(row.item.object, model_db=db)
    return Restored(row.item.object, recovered, comment, found.warnings)


def restore_comment(version: Version) -> str:
    """The comment of the revision a restore records: "Reverted to version N." while the
    object exists, "Recovered version N." when it does not."""
    return _comment(version, recovered=not _exists(version))


def _comment(version: Version, recovered: bool) -> str:
    return f"{'Recovered' if recovered else 'Reverted to'} version {version.pk}."


def _exists(version: Version) -> bool:
    model = version._model
    lookup = {_get_options(model).object_id_field: version.object_id}
    return model._base_manager.using(version.db).filter(**lookup).exists()


def _title(version: Version) -> str:
    return f"{version._model._meta.verbose_name.capitalize()} {version.object_repr!r}"


def _load(version: Version) -> DeserializedObject:
    try:
        return version._object_version
    except RevertError as error:
        raise RestoreConflict(str(error)) from None


def _plan(version: Version, owner_link: models.Field | None, found: _Findings) -> _Row:
    """Load the version, check its parents (clearing nullable links to gone ones) and collect
    its owned rows from the same revision, recursively; no writes."""
    row = _Row(version, _load(version))
    _check_parents(row, owner_link, found)
    obj = row.item.object
    for rel in owned_relations(type(obj)):
        link = rel.field
        parent_value = getattr(obj, link.target_field.attname)
        candidates = version.revision.version_set.get_for_model(rel.related_model, version.db)
        children = [
            _plan(child, link, found)
            for child in candidates.order_by("pk")
            if getattr(_load(child).object, link.attname) == parent_value
        ]
        row.owned.append((rel, children))
    return row


def _check_parents(row: _Row, owner_link: models.Field | None, found: _Findings) -> None:
    """Every forward link but the one to the owner being restored must point at a row that
    exists: a nullable one is cleared otherwise, a required one is a problem."""
    obj, db = row.item.object, row.version.db
    whose = "" if owner_link is None else f"{_title(row.version)}: "  # an owned row's problem
    for link in type(obj)._meta.concrete_fields:
        if not (link.many_to_one or link.one_to_one) or link is owner_link:
            continue
        value = getattr(obj, link.attname)
        parent = link.remote_field.model
        lookup = {link.remote_field.field_name: value}
        if value is None or parent._base_manager.using(db).filter(**lookup).exists():
            continue
        gone = _missing_row(link, parent, value, db)
        if link.null:
            setattr(obj, link.attname, None)
            found.warnings.append(
                f"{_title(row.version)} was restored without its {link.verbose_name} "
                f"{gone.describe()}: it no longer exists."
            )
            continue
        found.missing.append(gone)
        found.problems.append(f"{whose}its {link.verbose_name} {gone.describe()}")
    for name, ids in (row.item.m2m_data or {}).items():
        target = type(obj)._meta.get_field(name).remote_field.model
        there = set(target._base_manager.using(db).filter(pk__in=ids).values_list("pk", flat=True))
        if len(there) < len(ids):
            row.item.m2m_data[name] = [pk for pk in ids if pk in there]
            found.warnings.append(
                f"{_title(row.version)} was restored without {len(ids) - len(there)} of its "
                f"{name}: they no longer exist."
            )


def _refusal(version: Version, found: _Findings) -> str:
    """Which required parents are gone, and how to bring them back (if they can be)."""
    title, label = _title(version), version._model._meta.verbose_name
    gone = " and ".join(found.problems)
    verb = "no longer exists" if len(found.problems) == 1 else "no longer exist"
    lost = [row for row in found.missing if row.version is None]
    back = [f"that {row.verbose_name} (version {row.version})" for row in found.missing]
    if not lost:
        how = f"Recover {' and '.join(back)} first, then try again"
        return f"{title} cannot be restored: {gone} {verb}. {how}."
    names = " and ".join(f"the {row.verbose_name}" for row in lost)
    how = f"{names} {'is' if len(lost) == 1 else 'are'} not in the history, so the {label} "
    how += "cannot be brought back"
    if len(back) > len(lost):
        how += "; recovering the rest will not be enough"
    return f"{title} cannot be restored: {gone} {verb}. {how[0].upper()}{how[1:]}."


def _missing_row(link: models.Field, parent: type[models.Model], value: Any, db: str) -> MissingRow:
    last = None
    if reversion.is_registered(parent):
        last = Version.objects.get_for_object_reference(parent, value, model_db=db).first()
    return MissingRow(
        model=parent._meta.label_lower,
        verbose_name=str(parent._meta.verbose_name),
        field=link.name,
        object_id=str(value),
        object_repr=last.object_repr if last else f"#{value}",
        version=last.pk if last else None,
    )


def _write(row: _Row, db: str) -> None:
    """Save the row as stored, then delete its owned rows missing from the version and
    restore the others."""
    row.item.save(using=db)
    obj = row.item.object
    for rel, children in row.owned:
        link = rel.field
        now = rel.related_model._base_manager.using(db).filter(
            **{link.attname: getattr(obj, link.target_field.attname)}
        )
        now.exclude(pk__in=[child.item.object.pk for child in children]).delete()
        for child in children:
            _write(child, db)
