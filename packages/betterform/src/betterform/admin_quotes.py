"""The quote admin: the quote, its lines inline, and its totals in its currency.

Lines are checked and saved through the services as the API's are (``admin_quote_lines``).
The customer's side (the quote page, sent, viewed, the answer, the e-mails) is shown read-only
(``admin_quote_customer``); "Send to customer" and "Make a new version" are list actions
(``admin_quote_actions``), "Send to customer" also a button on the quote's page, beside
"Record the customer's answer" (``admin_quote_answer``: the status select offers only draft
and sent); an accepted,
declined or expired quote is read-only (``admin_quote_lock``), as the API refuses to change it.
The editor fits a 1366 px window (``static/betterform/admin/quote.css`` narrows the lines'
inputs): the lines table was 1,867 px wide there, and the totals were off screen.

While the lines are edited, ``static/betterform/admin/quote_totals.js`` posts them to
``quote/totals/`` (``QuoteAdmin.totals_view``), which totals them with ``betterform.pricing``
as a save would, so the page shows the totals before the quote is saved (issue 18).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST
from rangefilter.filters import DateRangeFilterBuilder

from betterform import company, services
from betterform.admin_display import admin_link as _admin_link
from betterform.admin_display import adopt as _adopt
from betterform.admin_export import QuoteResource, render_quote_pdfs
from betterform.admin_links import record_links_html
from betterform.admin_quote_actions import (
    make_new_version,
    send_button,
    send_one_view,
    send_to_customer,
)
from betterform.admin_quote_answer import SETTABLE_STATUSES, answer_button, record_answer_view
from betterform.admin_quote_customer import (  # QuoteAnswerAdmin registers on import
    CustomerFilter,
    answer_html,
    customer_page_html,
    customer_state,
    emails_html,
    is_locked,
    lock_html,
    sent_html,
    versions_html,
    views_html,
)
from betterform.admin_quote_lines import QuoteLineFormSet, lines_of
from betterform.admin_quote_lock import QuoteLockAdmin
from betterform.models import Quote, QuoteLine
from betterform.pricing import line_amounts, quote_totals
from createpdf.admin_export import CsvExportAdmin
from createpdf.admin_paging import RecentRelatedFilter, RecentValuesFilter, ScaledListAdmin
from createpdf.history_admin import RestoringVersionAdmin

TOTALS = {  # the quote's field: its label on the page
    "subtotal": "Subtotal",
    "discount_total": "Discount total",
    "tax_total": "Tax total",
    "total": "Total",
}


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


# What the totals preview reads as a number: plain decimals, as the lines' inputs send them (no
# exponents, NaN or infinities); ``services.check_lines`` then bounds their digits.
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
LINE_NUMBERS = ("quantity", "unit_price", "tax_rate", "discount_percent")
OPTIONAL = ("tax_rate", "discount_percent")  # blank is 0, as in services.check_lines


class Unpriceable(ValueError):
    """Lines the totals preview cannot total; the message says which line and value."""


def _number(value: Any, line: int, name: str) -> Decimal:
    text = value.strip() if isinstance(value, str) else value
    if text in ("", None) and name in OPTIONAL:
        return Decimal(0)
    if isinstance(text, int | float) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or len(text) > 40 or not NUMBER.fullmatch(text):
        shown = json.dumps(value)[:40] if value not in ("", None) else "empty"
        raise Unpriceable(f"Line {line}: {name.replace('_', ' ')} is {shown}, not a number.")
    return Decimal(text)


def preview_totals(data: Any) -> dict[str, Any]:
    """The totals of unsaved lines (``{"currency": ..., "lines": [{"quantity": ...}, ...]}``),
    each shown as the change page shows it (``_money``), computed by ``betterform.pricing`` as
    a save computes them. Raises ``Unpriceable`` (a number that is not one, too many lines)
    or ``ValueError`` from ``services.check_lines`` (a value a line cannot store, a total too
    large)."""
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise Unpriceable('Send {"currency": ..., "lines": [...]}.')
    currency = data.get("currency") or company.default_currency()
    if not isinstance(currency, str) or len(currency) > 3:
        raise Unpriceable(f"The currency {json.dumps(currency)[:20]} is not a currency code.")
    rows, most = data["lines"], services.MAX_QUOTE_LINES
    if len(rows) > most:  # before reading them; check_lines says the same
        raise Unpriceable(f"A quote holds at most {most} lines, not {len(rows)}.")
    lines = []
    for index, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise Unpriceable(f"Line {index} is not a line.")
        lines.append({name: _number(row.get(name), index, name) for name in LINE_NUMBERS})
    services.check_lines(lines)  # what a save would refuse: digits, the totals' size
    amounts = [line_amounts(**line) for line in lines]
    totals = quote_totals(amounts)
    return {
        "lines": [_money(line.total, currency) for line in amounts],
        **{field: _money(getattr(totals, field), currency) for field in TOTALS},
    }


def _shown_total(field: str, label: str) -> Any:
    def shown(self: Any, quote: Quote) -> str:
        return _money(getattr(quote, field), quote.currency) if quote.pk else "-"

    shown.__name__ = f"{field}_shown"
    return admin.display(description=label)(shown)


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    fields = ["description", "quantity", "unit", "unit_price", "tax_rate", "discount_percent"]
    fields += ["line_total"]
    readonly_fields = ["line_total"]
    extra = 1
    formset = QuoteLineFormSet  # checked as the API checks lines (services.check_lines)

    @admin.display(description="Line total")
    def line_total(self, line: QuoteLine) -> str:
        if line.pk is None:
            return "-"
        return _money(line.amounts.total, line.quote.currency)


@admin.register(Quote)
class QuoteAdmin(QuoteLockAdmin, CsvExportAdmin, ScaledListAdmin, RestoringVersionAdmin):
    # What fits at 1366 px beside the filters; validity and owner are on the quote and in the
    # CSV export.
    list_display = ["number", "title", "customer_name", "status", "customer_column"]
    list_display += ["total_with_currency", "created_at"]
    list_filter = [
        "status", CustomerFilter, ("currency", RecentValuesFilter), ("form", RecentRelatedFilter),
        ("created_at", DateRangeFilterBuilder()),
    ]  # fmt: skip
    resource_classes = [QuoteResource]
    actions = [render_quote_pdfs, send_to_customer, make_new_version]
    search_fields = ["number", "title", "customer_name", "customer_email"]
    list_select_related = ["owner"]
    totals = [f"{field}_shown" for field in TOTALS]
    readonly_fields = ["number", "submission_link", "linked_records", *totals]
    readonly_fields += ["created_at", "updated_at"]
    customer_side = ["customer_page", "sent", "views", "customer_answer", "emails_sent", "versions"]
    readonly_fields += [*customer_side, "lock_note"]
    fieldsets = [
        (None, {"fields": ["number", "title", "status", "form", "submission_link", "owner"]}),
        ("Totals", {"fields": totals, "description": "Recalculated from the lines on save."}),
        ("Customer", {"fields": ["customer_name", "customer_email"]}),
        (None, {"fields": ["currency", "valid_until", "notes", "created_at", "updated_at"]}),
        ("Linked records", {"fields": ["linked_records"]}),
    ]
    # Read-only displays of the customer's side (``admin_quote_customer``), called with the
    # quote; not named as the quote's relations (``answer``, ``emails``), which Django would
    # show instead.
    customer_page = staticmethod(admin.display(description="Customer's page")(customer_page_html))
    sent = staticmethod(admin.display(description="Sent")(sent_html))
    views = staticmethod(admin.display(description="Viewed")(views_html))
    customer_answer = staticmethod(admin.display(description="Answer")(answer_html))
    emails_sent = staticmethod(admin.display(description="E-mails sent")(emails_html))
    versions = staticmethod(admin.display(description="Versions")(versions_html))
    lock_note = staticmethod(admin.display(description="Locked")(lock_html))
    inlines = [QuoteLineInline]
    subtotal_shown, discount_total_shown, tax_total_shown, total_shown = (
        _shown_total(field, label) for field, label in TOTALS.items()
    )

    class Media:
        css = {"all": ["betterform/admin/quote.css"]}
        js = ["betterform/admin/quote_totals.js"]  # the totals while the lines are edited

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        """The customer's side once the quote exists; a locked quote opens with why."""
        if obj is None:
            return self.fieldsets
        customer = ("Customer's side", {"fields": self.customer_side})
        fieldsets = [*self.fieldsets[:3], customer, *self.fieldsets[3:]]
        if is_locked(obj):
            fieldsets.insert(0, ("Read-only", {"fields": ["lock_note"]}))
        return fieldsets

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(require_POST(self.totals_view))
        name = f"{self.opts.app_label}_{self.opts.model_name}_totals"
        send = self.admin_site.admin_view(self.send_view)
        send_name = f"{self.opts.app_label}_{self.opts.model_name}_send"
        answer = self.admin_site.admin_view(self.record_answer_view)
        answer_name = f"{self.opts.app_label}_{self.opts.model_name}_record_answer"
        # Before the admin's own: "<object_id>/" would take "totals/" otherwise.
        return [
            path("totals/", view, name=name),
            path("<path:object_id>/send/", send, name=send_name),
            path("<path:object_id>/record_answer/", answer, name=answer_name),
            *super().get_urls(),
        ]

    def send_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """``<id>/send/``: "Send to customer" for one quote (``admin_quote_actions``)."""
        return send_one_view(self, request, object_id)

    def record_answer_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """``<id>/record_answer/``: an answer given by phone or on paper
        (``admin_quote_answer``)."""
        return record_answer_view(self, request, object_id)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The status offers draft and sent: an answer is recorded, expiry is the cron's."""
        if db_field.name == "status":
            kwargs["choices"] = [c for c in db_field.choices if c[0] in SETTABLE_STATUSES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def render_change_form(
        self, request: HttpRequest, context: dict[str, Any], add: bool = False,
        change: bool = False, form_url: str = "", obj: Any = None,
    ) -> HttpResponse:  # fmt: skip
        """The page's "Send to customer" and "Record the customer's answer" buttons."""
        if obj is not None:
            context["send_to_customer"] = send_button(self, request, obj)
            context["record_answer"] = answer_button(self, request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def totals_view(self, request: HttpRequest) -> JsonResponse:
        """POST ``{"currency": "EUR", "lines": [{"quantity": "2", "unit_price": "10.00",
        "tax_rate": "21", "discount_percent": "0"}, ...]}``: each line's total and the quote's
        totals, as the change page shows them once saved; 400 ``{"error": ...}`` naming what
        cannot be totalled. Needs the permission to change or add quotes; saves nothing."""
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        try:
            data = json.loads(request.body)
        except ValueError:  # also UnicodeDecodeError
            return JsonResponse({"error": "The request is not JSON."}, status=400)
        try:
            return JsonResponse(preview_totals(data))
        except ValueError as error:  # Unpriceable, LinesInvalid, DoesNotFit
            return JsonResponse({"error": str(error)}, status=400)

    @admin.display(description="Customer")
    def customer_column(self, quote: Quote) -> str:
        return customer_state(quote)

    @admin.display(description="Total", ordering="total")
    def total_with_currency(self, quote: Quote) -> str:
        return _money(quote.total, quote.currency)

    @admin.display(description="PDF and monday")
    def linked_records(self, quote: Quote) -> str:
        return record_links_html(quote)  # PDFs, and what other apps add (admin_links)

    @admin.display(description="Submission")
    def submission_link(self, quote: Quote) -> str:
        return _admin_link(quote.submission) if quote.submission_id else "-"

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        return {"currency": company.default_currency(), **initial}

    def save_model(self, request: HttpRequest, obj: Quote, form: Any, change: bool) -> None:
        """Nothing yet: ``save_related`` saves the quote with its lines in one service call,
        as the API does (one announcement, totals computed once)."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj, lines = form.instance, lines_of(formsets)
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            services.update_quote(obj, lines=lines, **fields)
        else:
            fields = dict(form.cleaned_data)
            if fields.get("valid_until") is None:
                fields.pop("valid_until", None)  # the default validity
            _adopt(obj, services.create_quote(lines=lines or [], **fields))
        form.save_m2m()
        for formset in formsets:
            if isinstance(formset, QuoteLineFormSet):
                formset.save(commit=False)  # saves nothing; lists the changes for the log
            else:
                self.save_formset(request, form, formset, change=change)
