"""Document templates (versioned) and the documents rendered from them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError
from django.db.models.signals import pre_delete

from createpdf.leases import HOLDER_MAX_LENGTH
from createpdf.storable import StorableJSONField


@reversion.register()
class DocumentTemplate(models.Model):
    """A template authored in the database; it overrides a packaged default of the same slug."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    html = models.TextField(help_text="Jinja2 (sandboxed, autoescaped) producing HTML.")
    css = models.TextField(blank=True, help_text="CSS applied to the rendered HTML.")
    sample_context = StorableJSONField(
        default=dict,
        blank=True,
        help_text="Context used by the preview.",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    def clean(self) -> None:
        from createpdf.rendering import TemplateError, compile_template

        try:
            compile_template(self.html)
        except TemplateError as error:
            raise ValidationError({"html": str(error)}) from None


_DASHES = re.compile(r"-{2,}")  # Document.filename: one dash where the title had several


def document_upload_path(document: Document, filename: str) -> str:
    """One fixed path per document, so a render that a killed worker left half-written is
    replaced by the next attempt instead of lingering beside it."""
    return f"documents/{document.pk}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Refuse (``ProtectedError``, nothing deleted) when any is kept as a record."""
        _refuse_kept(self.model._base_manager.filter(pk__in=self.values("pk"), kept=True))
        return super().delete()


class Document(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RENDERING = "rendering"
        DONE = "done"
        FAILED = "failed"

    template_slug = models.SlugField(max_length=100)
    template = models.ForeignKey(
        DocumentTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        help_text="The database template used, if it was not a packaged default.",
    )
    template_version = models.CharField(
        max_length=100, help_text="'db:<reversion version id>' or 'package:<content hash>'."
    )
    cache_key = models.CharField(
        max_length=64, db_index=True, help_text="sha256 of template version and context."
    )
    title = models.CharField(max_length=200, blank=True)

    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_id = models.CharField(max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")

    context = StorableJSONField(default=dict, blank=True)
    report = StorableJSONField(
        null=True,
        blank=True,
        editable=False,
        help_text="A report's name and parameters; the worker builds the context from them.",
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    file = models.FileField(upload_to=document_upload_path, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    kept = models.BooleanField(
        default=False,
        editable=False,
        help_text="Kept as a record: never rendered again or deleted.",
    )
    leased_by = models.CharField(
        max_length=HOLDER_MAX_LENGTH, blank=True, help_text="The worker rendering it now."
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Another worker may take the render over after this."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    requested_by_key = models.CharField(
        max_length=150,
        blank=True,
        db_index=True,
        help_text="The API key (its id) that asked, when no user did.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source_type", "source_id"])]

    def __str__(self) -> str:
        return f"{self.template_slug} #{self.pk} ({self.status})"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse (``ProtectedError``) a document kept as a record (``kept``), as stored."""
        if self.kept or Document.objects.filter(pk=self.pk, kept=True).exists():
            _refuse_kept([self])
        return super().delete(*args, **kwargs)

    @property
    def filename(self) -> str:
        """``<title as letters, digits, - and _>-<id>.pdf``, the title part cut so that the
        stored path (``document_upload_path``) fits the ``file`` field's ``max_length``. Every
        run of other characters and dashes is one dash, and none starts or ends the title
        part: "Quote Q-2026-0031 (signed)" #3 is ``Quote-Q-2026-0031-signed-3.pdf``, not
        ``...0031--signed-3.pdf``; a title of nothing usable is ``document-<id>.pdf``."""
        base = self.title or self.template_slug
        safe = "".join(char if char.isalnum() or char in "-_" else "-" for char in base)
        safe = _DASHES.sub("-", safe)
        suffix = f"-{self.pk}.pdf"
        room = self._meta.get_field("file").max_length - len(document_upload_path(self, suffix))
        return f"{safe[: max(room, 0)].strip('-') or 'document'}{suffix}"


KEPT_REASON = (
    "it is kept as a record (e.g. a PDF someone signed): it is never rendered again or deleted."
)


def _refuse_kept(documents: Iterable[Document]) -> None:
    kept = list(documents)
    if kept:
        names = ", ".join(f"#{document.pk}" for document in kept)
        raise ProtectedError(f"Document {names} cannot be deleted: {KEPT_REASON}", set(kept))


def refuse_kept_deletion(sender: type[Document], instance: Document, **_: Any) -> None:
    """``pre_delete`` of ``Document``, the last guard: a kept document is never deleted, by
    any door (``Document.delete`` and ``DocumentQuerySet.delete`` refuse first, before any
    row goes; this catches a cascade or a document kept since the check)."""
    if instance.kept or Document.objects.filter(pk=instance.pk, kept=True).exists():
        _refuse_kept([instance])


pre_delete.connect(refuse_kept_deletion, sender=Document, dispatch_uid="createpdf.kept")


class Deletion(models.Model):
    """A tombstone: an object of a reversion-registered model was deleted. Written at delete
    time (``createpdf.deletions``), removed when the object comes back; the deleted listings
    and recover read these rows instead of scanning every version."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.CharField(max_length=191)
    object_repr = models.TextField()
    version = models.ForeignKey(
        "reversion.Version",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The object's last version before it was deleted: the one to recover from.",
    )
    deleted_at = models.DateTimeField()
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The user of the revision active at delete time, if any.",
    )
    comment = models.TextField(
        blank=True, help_text="The comment of the revision active at delete time, if any."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The object's owner (its 'owner' foreign key) when it was deleted.",
    )

    class Meta:
        ordering = ["-deleted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="createpdf_deletion_one_per_object"
            )
        ]
        indexes = [
            models.Index(
                fields=["content_type", "-deleted_at", "-id"], name="createpdf_deletion_listing"
            ),
            models.Index(
                fields=["content_type", "owner", "-deleted_at", "-id"],
                name="createpdf_deletion_by_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_repr!r} (#{self.object_id}) deleted"
