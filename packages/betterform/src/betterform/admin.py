"""The admin: forms with a readable schema, submissions with their answers laid out by field
label, quotes with inline lines and totals. Every admin keeps a reversion history (History,
Recover deleted) whose revert and recover restore that one object (a quote with its lines) and
nothing else of its revision (``createpdf.history_admin.RestoringVersionAdmin``). Every write
goes through ``betterform.services``, so the admin cannot store what the API would refuse (a
bad schema, unvalidated answers, an illegal status move).
"""

from __future__ import annotations

import json
from typing import Any

import reversion
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from rangefilter.filters import DateRangeFilterBuilder

from betterform import services
from betterform.admin_company import CompanyProfileAdmin  # noqa: F401  (registers it)
from betterform.admin_display import admin_link as _admin_link
from betterform.admin_display import adopt as _adopt
from betterform.admin_display import answers_html, schema_html
from betterform.admin_export import SubmissionResource
from betterform.admin_forms import JSON_FIELD, FormAdminForm, SubmissionAdminForm
from betterform.admin_links import record_links_html
from betterform.admin_quotes import QuoteAdmin  # noqa: F401  (registers it)
from betterform.answers import AnswersError
from betterform.models import Form, FormVersion, Submission
from betterform.schema import SchemaError
from createpdf.admin_export import CsvExportAdmin
from createpdf.admin_paging import RecentRelatedFilter, ScaledListAdmin
from createpdf.history_admin import RestoringVersionAdmin

Status = Submission.Status
# The customer's HTML form page (betterform.customer), not the JSON API, which lists option
# prices and is for integrations (issue 18).
PUBLIC_URL_NAME = "betterform_customer:form"  # args: [token]


class FormVersionInline(admin.TabularInline):
    model = FormVersion
    fields = readonly_fields = ["number", "created_at"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Versions (recorded when the schema changes)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Form)
class FormAdmin(ScaledListAdmin, RestoringVersionAdmin):
    form = FormAdminForm
    formfield_overrides = JSON_FIELD
    list_display = [
        "name", "slug", "published", "owner", "submission_count", "current_version", "updated_at"
    ]  # fmt: skip
    list_filter = ["published", ("owner", RecentRelatedFilter)]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["owner"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["current_version", "public_token", "public_url", "schema_overview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "owner", "published"]}),
        ("Publishing", {"fields": ["current_version", "public_token", "public_url"]}),
        ("Schema", {"fields": ["schema_overview", "schema"]}),
    ]
    inlines = [FormVersionInline]
    actions = ["publish", "unpublish"]

    class Media:
        # The form builder: a structured editor over the schema textarea (which it keeps
        # up to date, and which stays the field the server validates; see FormAdminForm).
        js = ["betterform/admin/form_builder.js"]
        css = {"all": ["betterform/admin/form_builder.css"]}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Form]:
        per_form = Submission.objects.filter(form=OuterRef("pk")).order_by().values("form")
        latest = FormVersion.objects.filter(form=OuterRef("pk")).order_by().values("form")
        return (
            super()
            .get_queryset(request)
            .annotate(
                # COUNT(*), not COUNT(id): the form_id index answers it alone (an index-only
                # scan), where counting ids reads every submission's row, one page each.
                submission_count=Coalesce(Subquery(per_form.annotate(n=Count("*")).values("n")), 0),
                version_number=Subquery(latest.annotate(n=Max("number")).values("n")),
            )
        )

    @admin.display(description="Submissions", ordering="submission_count")
    def submission_count(self, form: Form) -> int:
        return getattr(form, "submission_count", 0)

    @admin.display(description="Version", ordering="version_number")
    def current_version(self, form: Form) -> Any:
        return getattr(form, "version_number", None) or "-"

    @admin.display(description="Public URL")
    def public_url(self, form: Form) -> str:
        try:
            url = reverse(PUBLIC_URL_NAME, args=[form.public_token])
        except NoReverseMatch:  # the site does not include betterform.customer.urls
            return "-"
        state = "" if form.published else " (not published: it answers 404 until it is)"
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>{}', url, url, state)

    @admin.display(description="Schema, readable")
    def schema_overview(self, form: Form) -> str:
        return schema_html(form.schema) if form.schema else "-"

    def save_model(self, request: HttpRequest, obj: Form, form: Any, change: bool) -> None:
        services.save_form(obj)  # validates and records a FormVersion when the schema changed

    @admin.action(description="Publish the selected forms", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: models.QuerySet[Form]) -> None:
        self._set_published(request, queryset, published=True)

    @admin.action(description="Unpublish the selected forms", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: models.QuerySet[Form]) -> None:
        self._set_published(request, queryset, published=False)

    def _set_published(self, request: HttpRequest, queryset: Any, *, published: bool) -> None:
        done = "published" if published else "unpublished"
        count = 0
        for form in queryset.filter(published=not published):
            form.published = published
            try:
                with self.create_revision(request):  # one revision per form: revertible alone
                    reversion.set_comment(f"{done.capitalize()} in the admin.")
                    services.save_form(form)
            except SchemaError as error:
                self.message_user(request, f"{form}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, f"{count} form(s) {done}.", messages.SUCCESS)


# --- submissions -------------------------------------------------------------------------------


READONLY_SUBMISSION = ["form", "form_version", "source", "answers", "answers_overview"]
READONLY_SUBMISSION += ["raw_answers", "quote_links", "linked_records"]
READONLY_SUBMISSION += ["created_at", "updated_at"]
CUSTOMER = ["customer_name", "customer_email", "customer_phone", "customer_company"]


@admin.register(Submission)
class SubmissionAdmin(CsvExportAdmin, ScaledListAdmin, RestoringVersionAdmin):
    form = SubmissionAdminForm
    formfield_overrides = JSON_FIELD
    # What fits at 1366 px beside the filters; the email is searched and in the CSV export.
    list_display = ["id", "form", "customer_name", "status", "source", "created_at"]
    list_filter = [
        "status", "source", ("form", RecentRelatedFilter), ("created_at", DateRangeFilterBuilder())
    ]  # fmt: skip
    resource_classes = [SubmissionResource]
    search_fields = [*CUSTOMER[:2], "customer_company", "external_reference"]
    list_select_related = ["form"]
    actions = ["build_quote"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        customer = ("Customer", {"fields": [*CUSTOMER, "customer_address"]})
        if obj is None:
            main = ["form", "status", "source", "external_reference", "owner"]
            return [(None, {"fields": main}), ("Answers", {"fields": ["answers"]}), customer]
        main = ["form", "form_version", "status", "source", "external_reference", "owner"]
        main += ["quote_links", "linked_records"]
        return [
            (None, {"fields": [*main, "created_at", "updated_at"]}),
            ("Answers", {"fields": ["answers_overview", "raw_answers"]}),
            customer,
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return [*READONLY_SUBMISSION]

    @admin.display(description="Answers")
    def answers_overview(self, submission: Submission) -> str:
        return answers_html(submission.form_version.schema, submission.answers)

    @admin.display(description="As stored (JSON)")
    def raw_answers(self, submission: Submission) -> str:
        return format_html("<pre>{}</pre>", json.dumps(submission.answers, indent=2))

    @admin.display(description="Linked records")
    def linked_records(self, submission: Submission) -> str:
        return record_links_html(submission)  # PDFs, and what other apps add (admin_links)

    @admin.display(description="Quotes")
    def quote_links(self, submission: Submission) -> str:
        links = [(_admin_link(quote),) for quote in submission.quotes.all()]
        return format_html_join(", ", "{}", links) or "-"

    def save_model(self, request: HttpRequest, obj: Submission, form: Any, change: bool) -> None:
        data = form.cleaned_data
        customer = {
            name: data[f"customer_{name}"]
            for name in services.CUSTOMER_FIELDS
            if f"customer_{name}" in data
        }
        if not change:
            created = services.create_submission(
                data["form"],
                answers=data["answers"],
                customer=customer,
                status=data["status"],
                source=data["source"],
                owner=data.get("owner"),
                external_reference=data.get("external_reference", ""),
            )
            _adopt(obj, created)
            return
        wanted, obj.status = obj.status, form.initial["status"]
        reference = data.get("external_reference")
        services.update_submission(obj, customer=customer, external_reference=reference)
        if wanted != obj.status:
            services.change_status(obj, wanted)

    @admin.action(description="Build quote", permissions=["change"])
    def build_quote(self, request: HttpRequest, queryset: models.QuerySet[Submission]) -> None:
        numbers = []
        for submission in queryset.select_related("form", "form_version", "owner"):
            owner = None if submission.owner_id else request.user
            try:
                with self.create_revision(request):  # one revision per submission and quote
                    reversion.set_comment("Quote built in the admin.")
                    numbers.append(services.build_quote(submission, owner=owner).number)
            except (AnswersError, services.IllegalTransition, services.QuoteLocked) as error:
                self.message_user(request, f"#{submission.pk}: {error}", messages.ERROR)
        if numbers:
            built = ", ".join(numbers)
            self.message_user(request, f"Built {len(numbers)} quote(s): {built}.", messages.SUCCESS)
