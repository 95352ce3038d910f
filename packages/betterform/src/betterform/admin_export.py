"""What the quote and submission lists export as CSV (``createpdf.admin_export``): explicit
columns, related names instead of ids, and no answers or notes (free text stays in the admin);
and the quote list's bulk "render PDF" action, which queues what the API's ``request_quote_pdf``
queues."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export import fields, resources

from betterform.documents import request_quote_pdf
from betterform.models import Quote, Submission
from createpdf.template_store import TemplateNotFound


class _FormAndOwnerResource(resources.ModelResource):
    """A row's form by name and owner by username, read with the rows (one query)."""

    form = fields.Field(attribute="form__name", column_name="form")
    owner = fields.Field(attribute="owner__username", column_name="owner")

    def filter_export(self, queryset: QuerySet[Any], **kwargs: Any) -> QuerySet[Any]:
        return super().filter_export(queryset, **kwargs).select_related("form", "owner")


class QuoteResource(_FormAndOwnerResource):
    class Meta:
        model = Quote
        fields = export_order = [
            "number", "title", "status", "customer_name", "customer_email", "form",
            "currency", "subtotal", "discount_total", "tax_total", "total",
            "valid_until", "owner", "created_at",
        ]  # fmt: skip


class SubmissionResource(_FormAndOwnerResource):
    class Meta:
        model = Submission
        fields = export_order = [
            "id", "form", "status", "source", "customer_name", "customer_email",
            "customer_phone", "customer_company", "external_reference", "owner", "created_at",
        ]  # fmt: skip


@admin.action(description="Render the PDF of the selected quotes", permissions=["change"])
def render_quote_pdfs(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Quote]
) -> None:
    """Queue each selected quote's PDF as the API's ``POST /quotes/{id}/pdf/`` does: an
    unchanged quote keeps the document already asked for (counted as "already there")."""
    queued = reused = 0
    for quote in queryset.select_related("form", "submission").prefetch_related("lines"):
        try:
            _, created = request_quote_pdf(quote, requested_by=request.user)
        except TemplateNotFound as missing:  # the whole batch would fail alike: say it once
            model_admin.message_user(request, f"Nothing rendered: {missing}", messages.ERROR)
            return
        queued, reused = queued + created, reused + (not created)
    model_admin.message_user(
        request,
        f"{queued} PDF(s) queued for rendering, {reused} already rendered or on their way.",
        messages.SUCCESS,
    )
