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

from betterform import services
from betterform.admin_display import answers_html, schema_html
from betterform.admin_forms import JSON_FIELD, FormAdminForm, SubmissionAdminForm
from betterform.answers import AnswersError
from betterform.conf import conf
from betterform.models import Form, FormVersion, Quote, QuoteLine, Submission
from betterform.schema import SchemaError
from createpdf.admin_paging import RecentRelatedFilter, RecentValuesFilter, ScaledListAdmin
from createpdf.history_admin import RestoringVersionAdmin

Status = Submission.Status
PUBLIC_URL_NAME = "betterform:public-form"  # kwargs: token


def _adopt(target: models.Model, saved: models.Model) -> None:
    """Turn the admin's unsaved instance into the row a service created (for inlines, the
    admin log and the redirect)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding, target._state.db = False, saved._state.db


def _admin_link(obj: models.Model) -> str:
    url = reverse(f"admin:betterform_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


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
            url = reverse(PUBLIC_URL_NAME, kwargs={"token": form.public_token})
        except NoReverseMatch:
            return "-"
        state = "" if form.published else " (not published: it answers 404 until it is)"
        return format_html('<a href="{}">{}</a>{}', url, url, state)

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
READONLY_SUBMISSION += ["raw_answers", "quote_links", "created_at", "updated_at"]
CUSTOMER = ["customer_name", "customer_email", "customer_phone", "customer_company"]


@admin.register(Submission)
class SubmissionAdmin(ScaledListAdmin, RestoringVersionAdmin):
    form = SubmissionAdminForm
    formfield_overrides = JSON_FIELD
    list_display = [
        "id", "form", "customer_name", "customer_email", "status", "source", "created_at"
    ]  # fmt: skip
    list_filter = ["status", "source", ("form", RecentRelatedFilter), "created_at"]
    search_fields = [*CUSTOMER[:2], "customer_company", "external_reference"]
    list_select_related = ["form"]
    actions = ["build_quote"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        customer = ("Customer", {"fields": [*CUSTOMER, "customer_address"]})
        if obj is None:
            main = ["form", "status", "source", "external_reference", "owner"]
            return [(None, {"fields": main}), ("Answers", {"fields": ["answers"]}), customer]
        main = ["form", "form_version", "status", "source", "external_reference", "owner"]
        return [
            (None, {"fields": [*main, "quote_links", "created_at", "updated_at"]}),
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
            except (AnswersError, services.IllegalTransition) as error:
                self.message_user(request, f"#{submission.pk}: {error}", messages.ERROR)
        if numbers:
            built = ", ".join(numbers)
            self.message_user(request, f"Built {len(numbers)} quote(s): {built}.", messages.SUCCESS)


# --- quotes ------------------------------------------------------------------------------------


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ["description", "quantity", "unit", "unit_price", "tax_rate", "discount_percent"]
    fields += ["line_total"]
    readonly_fields = ["line_total"]
    extra = 1

    @admin.display(description="Line total")
    def line_total(self, line: QuoteLine) -> str:
        if line.pk is None:
            return "-"
        return f"{line.amounts.total} {line.quote.currency}"


@admin.register(Quote)
class QuoteAdmin(ScaledListAdmin, RestoringVersionAdmin):
    list_display = ["number", "title", "customer_name", "status", "total_with_currency"]
    list_display += ["valid_until", "owner", "created_at"]
    list_filter = [
        "status", ("currency", RecentValuesFilter), ("form", RecentRelatedFilter), "created_at"
    ]  # fmt: skip
    search_fields = ["number", "title", "customer_name", "customer_email"]
    list_select_related = ["owner"]
    totals = ["subtotal", "discount_total", "tax_total", "total"]
    readonly_fields = ["number", "submission_link", *totals, "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["number", "title", "status", "form", "submission_link", "owner"]}),
        (None, {"fields": ["currency", "valid_until", "notes", "created_at", "updated_at"]}),
        ("Customer", {"fields": ["customer_name", "customer_email"]}),
        ("Totals", {"fields": totals, "description": "Recalculated from the lines on save."}),
    ]
    inlines = [QuoteLineInline]

    @admin.display(description="Total", ordering="total")
    def total_with_currency(self, quote: Quote) -> str:
        return f"{quote.total} {quote.currency}"

    @admin.display(description="Submission")
    def submission_link(self, quote: Quote) -> str:
        return _admin_link(quote.submission) if quote.submission_id else "-"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        return {"currency": conf.BETTERFORM_DEFAULT_CURRENCY, **initial}

    def save_model(self, request: HttpRequest, obj: Quote, form: Any, change: bool) -> None:
        if change:
            services.update_quote(
                obj, **{name: form.cleaned_data[name] for name in form.changed_data}
            )
            return
        fields = dict(form.cleaned_data)
        if fields.get("valid_until") is None:
            fields.pop("valid_until", None)  # the default validity
        _adopt(obj, services.create_quote(**fields))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """New lines go after the existing ones."""
        lines = formset.save(commit=False)
        for line in formset.deleted_objects:
            line.delete()
        last = form.instance.lines.aggregate(last=Max("position"))["last"]
        position = -1 if last is None else last
        for line in lines:
            if line.pk is None:
                position += 1
                line.position = position
            line.save()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.recalculate(form.instance)
