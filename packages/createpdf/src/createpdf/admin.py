from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from rangefilter.filters import DateRangeFilterBuilder

from createpdf import services
from createpdf.admin_paging import RecentValuesFilter, ScaledListAdmin
from createpdf.admin_template_form import DocumentTemplateForm
from createpdf.admin_templates import PackagedTemplatesAdmin
from createpdf.conf import conf
from createpdf.history_admin import RestoringVersionAdmin
from createpdf.isolation import render_pdf
from createpdf.models import Document, DocumentTemplate
from createpdf.rendering import RenderError


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(PackagedTemplatesAdmin, ScaledListAdmin, RestoringVersionAdmin):
    """Template editor: saving refuses a template that does not compile (line and message);
    History lists every version and can revert (this template only, not the others of its
    revision), Recover deleted brings one back; Preview renders the sample context. The API
    has no history endpoints for templates: this is their history door. Packaged templates
    are listed below the rows, with an Override action (``createpdf.admin_templates``)."""

    form = DocumentTemplateForm  # the API's checks (template_checks)
    list_display = ["slug", "name", "active", "updated_at", "preview_link"]
    list_filter = ["active"]
    search_fields = ["slug", "name", "html"]
    prepopulated_fields = {"slug": ["name"]}
    change_form_template = "admin/createpdf/documenttemplate/change_form.html"

    @admin.display(description="Preview")
    def preview_link(self, template: DocumentTemplate) -> str:
        url = reverse("admin:createpdf_documenttemplate_preview", args=[template.pk])
        return format_html('<a href="{}" target="_blank">PDF</a>', url)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/preview/", preview, name="createpdf_documenttemplate_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = get_object_or_404(DocumentTemplate, pk=pk)
        try:
            rendered = render_pdf(
                template.html,
                template.css,
                template.sample_context or {},
                max_pages=conf.CREATEPDF_PREVIEW_MAX_PAGES,
            )
        except RenderError as error:
            return HttpResponse(f"Preview failed: {error}", status=400, content_type="text/plain")
        return HttpResponse(rendered.content, content_type="application/pdf")


@admin.register(Document)
class DocumentAdmin(ScaledListAdmin, admin.ModelAdmin):
    list_display = [
        "id",
        "template_slug",
        "title",
        "status",  # pages and render time are on the document: at 1366 px the list fits
        "requested_by",
        "created_at",
        "download_link",
    ]
    list_filter = [
        "status", "kept", ("template_slug", RecentValuesFilter),
        ("created_at", DateRangeFilterBuilder()),
    ]  # fmt: skip
    search_fields = ["title", "template_slug", "sha256", "error", "requested_by__username"]
    list_select_related = ["requested_by"]
    actions = ["rerender_selected"]
    # The source as a link to its admin page, the file as the authenticated download (the
    # media URL is not served); the other fields as stored.
    readonly_fields = [
        {"source_type": "source_link", "file": "file_link"}.get(field.name, field.name)
        for field in Document._meta.fields
        if field.name not in ("id", "source_id")
    ]
    exclude = ["source_type", "source_id", "file"]  # shown as the links above, never edited

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # documents come from the API, reports and other apps

    @admin.display(description="Source")
    def source_link(self, document: Document) -> str:
        """The source's admin change page (any model with an admin here), else its name."""
        if document.source_type_id is None:
            return "-"
        source_type = document.source_type
        source = document.source
        text = str(source) if source is not None else f"{source_type} {document.source_id}"
        try:
            url = reverse(
                f"admin:{source_type.app_label}_{source_type.model}_change",
                args=[document.source_id],
            )
        except NoReverseMatch:
            return f"{source_type.name}: {text}"
        return format_html('<a href="{}">{}: {}</a>', url, source_type.name, text)

    @admin.display(description="File")
    def file_link(self, document: Document) -> str:
        """The authenticated download (the API's), not the file's media URL."""
        if not document.file:
            return "-"
        url = reverse("createpdf:document-download", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document.file.name.rsplit("/", 1)[-1])

    @admin.display(description="PDF")
    def download_link(self, document: Document) -> str:
        if document.status != Document.Status.DONE:
            return "-"
        url = reverse("createpdf:document-download", args=[document.pk])
        return format_html('<a href="{}">download</a>', url)

    @admin.action(description="Render the selected documents again", permissions=["change"])
    def rerender_selected(self, request: HttpRequest, queryset) -> None:
        """Queue the selected documents again; a document kept as a record (``kept``) is
        skipped, named in a warning: its file is never replaced."""
        count, refused = 0, []
        for document in queryset:
            try:
                services.rerender(document)
            except services.DocumentKept:
                refused.append(document)
                continue
            count += 1
        if count or not refused:
            self.message_user(
                request, f"{count} document(s) queued for rendering.", messages.SUCCESS
            )
        if refused:
            names = ", ".join(f"#{document.pk}" for document in refused)
            self.message_user(
                request,
                f"Not rendered again: {names}. Kept as a record (e.g. a PDF someone signed, "
                "or a signed copy), a document's file is never replaced; request a new "
                "document for a new PDF.",
                messages.WARNING,
            )

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        """No Delete for a document kept as a record (``kept``); the bulk delete lists the
        kept ones it was given as protected and deletes nothing (``get_deleted_objects``)."""
        if obj is not None and obj.kept:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request: HttpRequest):
        """Django's list, with each kept document given as a protected object: the delete
        confirmation names them and deletes nothing."""
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        kept = [document for document in objs if document.kept]
        if kept and super().has_delete_permission(request):
            # Refused because kept, not for want of permission: say so (below) instead.
            perms_needed = set(perms_needed) - {Document._meta.verbose_name}
        protected = [
            *(f"{document} is kept as a record: it cannot be deleted." for document in kept),
            *protected,
        ]
        return to_delete, model_count, perms_needed, protected
