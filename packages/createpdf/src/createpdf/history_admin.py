"""``RestoringVersionAdmin``: django-reversion's ``VersionAdmin`` (History, Recover deleted)
whose revert and recover views restore one object and the rows it owns, through
``createpdf.history.restore_version``, instead of every object of the version's revision;
its Recover deleted page lists the tombstones of ``createpdf.deletions``.

Use it wherever ``VersionAdmin`` would be used::

    @admin.register(Quote)
    class QuoteAdmin(RestoringVersionAdmin): ...

As in reversion, the version is shown in the change form (GET: restored, rendered, rolled
back) and saving that form keeps it, as a new revision by the admin user with the comment
"Reverted to version N." or "Recovered version N.". A link cleared because its parent is gone
is a warning message; a required parent that is gone is an error message naming it, and
nothing is restored. A version of another model is a 404. Deleting (one object or the bulk
action) runs in a revision by the admin user, so the tombstone that records the deletion
(``createpdf.deletions``) names who deleted it.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import reversion
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin
from reversion.models import Version
from reversion.utils import mute_signals

from createpdf.deletions import deleted_objects
from createpdf.history import RestoreError, restore_version


class _Preview(Exception):
    """Carries the rendered form out of the transaction, which then rolls back."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


class RestoringVersionAdmin(VersionAdmin):
    """``VersionAdmin`` whose History and Recover deleted restore exactly one object."""

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        """Delete as the admin user: the tombstone (``createpdf.deletions``) names them."""
        with self.create_revision(request):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        """The bulk delete action, as the admin user (one tombstone each)."""
        with self.create_revision(request):
            super().delete_queryset(request, queryset)

    def recoverlist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Recover deleted: reversion's page, listing the tombstones (most recent deletion
        first) instead of scanning every version of the model."""
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        tombstones = deleted_objects(self.model).select_related("version__revision")
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name),
            "title": _("Recover deleted %(name)s") % {"name": opts.verbose_name_plural},
            "deleted": [tombstone.version for tombstone in tombstones],
            **(extra_context or {}),
        }
        template = self.recover_list_template or self._reversion_get_template_list(
            "recover_list.html"
        )
        return render(request, template, context)

    def revision_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """Show a version in the change form; saving it restores the object (and its rows)."""
        versions = Version.objects.get_for_model(self.model)
        version = get_object_or_404(versions, pk=version_id, object_id=unquote(object_id))
        context = {"title": _("Revert %(name)s") % {"name": version.object_repr}, "revert": True}
        template = self.revision_form_template or self._reversion_get_template_list(
            "revision_form.html"
        )
        return self._restore_view(request, version, template, {**context, **(extra_context or {})})

    def recover_view(
        self, request: HttpRequest, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Show a deleted object's version in the change form; saving it brings it back."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_for_model(self.model), pk=version_id)
        context = {"title": _("Recover %(name)s") % {"name": version.object_repr}, "recover": True}
        template = self.recover_form_template or self._reversion_get_template_list(
            "recover_form.html"
        )
        return self._restore_view(request, version, template, {**context, **(extra_context or {})})

    def _restore_view(
        self, request: HttpRequest, version: Version, template: Any, context: dict[str, Any]
    ) -> HttpResponse:
        # Showing a version writes it and rolls back: no signal handler should see that.
        viewing = request.method == "GET"
        muted = mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        try:
            with (
                transaction.atomic(using=version.db),
                muted if viewing else nullcontext(),
                self.create_revision(request),
            ):
                restored = restore_version(version)
                for warning in restored.warnings:
                    messages.warning(request, warning)
                object_id = quote(str(restored.object.pk))
                response = self.changeform_view(request, object_id, request.path, context)
                if request.method == "POST" and response.status_code == 302:
                    reversion.set_comment(restored.comment)  # the change form set its own
                    return response
                if response.status_code != 200:
                    raise RestoreError(f"Could not load {version.object_repr!r} in the form.")
                response.template_name = template
                response.render()
                raise _Preview(response)
        except (RestoreError, models.ProtectedError) as error:
            messages.error(request, str(error))
            opts = self.model._meta
            return redirect(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
        except _Preview as preview:
            return preview.response
