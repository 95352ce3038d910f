"""Packaged templates on the document template list, each with an "Override" action.

Apps ship default templates (``<app>/document_templates/<slug>.html``, read by
``createpdf.template_store``); they are used until a database row of the same slug overrides
them, and the list of database rows alone did not show they exist. ``PackagedTemplatesAdmin``
(mixed into ``DocumentTemplateAdmin``) lists them below the rows with what is in use for each
slug. "Override" copies one into the database (``override_packaged_template``) and opens the
copy's change page; overriding again opens the same copy instead of making another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reversion
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from createpdf.models import DocumentTemplate
from createpdf.template_store import ResolvedTemplate, packaged_templates


@dataclass(frozen=True)
class PackagedRow:
    """One packaged template and the database row of its slug, if any."""

    template: ResolvedTemplate
    override: DocumentTemplate | None

    @property
    def app_label(self) -> str:
        return self.template.origin.removeprefix("package:")

    @property
    def in_use(self) -> str:
        if self.override is None:
            return "packaged"
        return "database copy" if self.override.active else "packaged (the copy is inactive)"


def packaged_rows() -> list[PackagedRow]:
    """Every packaged template by slug, with the database template of the same slug."""
    packaged = packaged_templates()
    overrides = DocumentTemplate.objects.filter(slug__in=list(packaged)).in_bulk(field_name="slug")
    return [PackagedRow(packaged[slug], overrides.get(slug)) for slug in sorted(packaged)]


def override_packaged_template(slug: str, *, user: Any = None) -> tuple[DocumentTemplate, bool]:
    """The database template overriding packaged ``slug``: created as a copy of the packaged
    one (name, HTML, CSS, sample context; active), or the existing row of that slug. Returns
    ``(template, created)``; raises ``LookupError`` when no app ships ``slug``. The copy is one
    reversion revision, so its History starts at the packaged text."""
    packaged = packaged_templates().get(slug)
    if packaged is None:
        raise LookupError(f"no packaged template {slug!r}")
    existing = DocumentTemplate.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    copy = DocumentTemplate(
        slug=slug,
        name=packaged.name,
        html=packaged.html,
        css=packaged.css,
        sample_context=packaged.sample_context,
        active=True,
    )
    copy.full_clean()  # a packaged template compiles; this keeps the one rule for every row
    try:
        with transaction.atomic(), reversion.create_revision():
            if getattr(user, "pk", None):
                reversion.set_user(user)
            reversion.set_comment(f"Copied from the packaged template ({packaged.origin}).")
            copy.save()
    except IntegrityError:  # another request copied it meanwhile: use theirs
        return DocumentTemplate.objects.get(slug=slug), False
    return copy, True


class PackagedTemplatesAdmin:
    """Mix in before the ``ModelAdmin`` of ``DocumentTemplate``."""

    change_list_template = "admin/createpdf/documenttemplate/change_list.html"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(require_POST(self.override_view))
        return [
            path(
                "packaged/<slug:slug>/override/",
                view,
                name="createpdf_documenttemplate_override",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "packaged_templates": packaged_rows()}
        return super().changelist_view(request, extra_context)

    def override_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        try:
            template, created = override_packaged_template(slug, user=request.user)
        except LookupError:
            raise Http404(f"No packaged template {slug!r}.") from None
        if created:
            self.log_addition(request, template, [{"added": {}}])
            message = f"Copied the packaged template “{slug}”: edit the copy; it is used now."
            self.message_user(request, message, messages.SUCCESS)
        else:
            message = f"“{slug}” is overridden already: this is its database copy."
            self.message_user(request, message, messages.INFO)
        return HttpResponseRedirect(
            reverse("admin:createpdf_documenttemplate_change", args=[template.pk])
        )
