"""The record of deletions (``Deletion`` tombstones) for every reversion-registered model.

Listing deleted objects from django-reversion alone (``Version.objects.get_deleted``) scans
every version of the model and checks it against every live id, so it grows with the history.
Instead a tombstone is written when an object is deleted, whichever door deleted it (the API,
the admin's delete and bulk delete, a cascade, a script): a ``post_delete`` receiver connected
to each registered model when the apps are ready. It points at the object's last version (the
one to recover from; an object without versions cannot be recovered and gets none), and keeps
the user and comment of the revision active at delete time and the object's owner (its
``owner`` foreign key, if it has one), so a rep's listing is filtered in SQL.

The tombstone goes when the object comes back: a ``post_save`` of a raw save that inserted the
row, which is how ``createpdf.history.restore_version``, reversion's own revert and ``loaddata``
write it. ``deleted_objects`` and ``deletion_of`` are what the listings and recover read.

Models registered with reversion after the apps are ready are not watched (connect them with
``watch``). The receivers run inside the delete's transaction, on its database.
"""

from __future__ import annotations

from typing import Any

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from reversion.models import Version
from reversion.revisions import _get_options  # no public accessor for the registration

from createpdf.models import Deletion

OWNER_FIELD = "owner"


def watch(model: type[models.Model]) -> None:
    """Record the deletions of ``model`` (and forget them when its objects come back)."""
    uid = f"createpdf.deletions:{model._meta.label_lower}"
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)


def watch_registered_models() -> None:
    """``watch`` every model registered with reversion; called from ``CreatePdfConfig.ready``."""
    for model in reversion.get_registered_models():
        watch(model)


def deleted_objects(model: type[models.Model], owner: Any = None) -> models.QuerySet[Deletion]:
    """The tombstones of ``model``, most recent deletion first; only ``owner``'s when given
    (a user or a user id). Served by the table's indexes."""
    deletions = Deletion.objects.filter(content_type=ContentType.objects.get_for_model(model))
    if owner is not None:
        deletions = deletions.filter(owner=owner)
    return deletions.order_by("-deleted_at", "-pk")


def deletion_of(model: type[models.Model], version_id: int, owner: Any = None) -> Deletion | None:
    """The tombstone of ``model`` whose recover version is ``version_id`` (``owner``'s only,
    when given), with its version; None when there is none."""
    deletions = deleted_objects(model, owner).filter(version_id=version_id)
    return deletions.select_related("version__revision").first()


def _owner_id(instance: models.Model) -> Any:
    try:
        field = instance._meta.get_field(OWNER_FIELD)
    except FieldDoesNotExist:
        return None
    if not field.many_to_one or field.related_model._meta.label != settings.AUTH_USER_MODEL:
        return None
    return getattr(instance, field.attname)


def _deleted(sender: type[models.Model], instance: models.Model, using: str, **_: Any) -> None:
    object_id = getattr(instance, _get_options(sender).object_id_field)
    last = (
        Version.objects.get_for_object_reference(sender, object_id, model_db=using)
        .order_by("-pk")
        .values_list("pk", "object_repr")
        .first()
    )
    if last is None:
        return  # nothing to recover it from
    active = reversion.is_active()
    user = reversion.get_user() if active else None
    tombstone = Deletion(
        content_type=ContentType.objects.db_manager(using).get_for_model(sender),
        object_id=str(object_id),
        object_repr=last[1],
        version_id=last[0],
        deleted_at=timezone.now(),
        deleted_by_id=user.pk if user is not None and user.pk is not None else None,
        comment=(reversion.get_comment() if active else "") or "",
        owner_id=_owner_id(instance),
    )
    # An old tombstone of the same object (brought back by a plain save) is replaced.
    Deletion.objects.using(using).bulk_create(
        [tombstone],
        update_conflicts=True,
        unique_fields=["content_type", "object_id"],
        update_fields=[
            "object_repr",
            "version",
            "deleted_at",
            "deleted_by",
            "comment",
            "owner",
        ],
    )


def _saved(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    raw: bool,
    using: str,
    **_: Any,
) -> None:
    if not (created and raw):
        return  # a new object (not one put back) has no tombstone
    object_id = getattr(instance, _get_options(sender).object_id_field)
    Deletion.objects.using(using).filter(
        content_type=ContentType.objects.db_manager(using).get_for_model(sender),
        object_id=str(object_id),
    ).delete()
