"""The customer's side of a quote, read-only in the admin: the quote page's link, when it was
sent and opened, the customer's answer (who signed, when, from where, the sha256 of the PDF
they were shown, the signed copy; for an answer a team member recorded, who recorded it and
their note instead of an address, a browser and a signed copy) and every e-mail it went out
in; a list filter by where the customer is; and ``QuoteAnswer`` as a view-only admin.

The admin never writes any of this: ``betterform.sending``, ``betterform.answering`` and
``betterform.recorded_answers`` do (issue 16; "Record the customer's answer" is
``admin_quote_answer``'s page). Everything is escaped by ``format_html``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from betterform import services
from betterform.admin_links import admin_change_url
from betterform.models import Quote, QuoteAnswer, QuoteEmail
from createpdf.models import Document

Status = Quote.Status
ROW = "<tr><th>{}</th><td>{}</td></tr>"
MESSAGE_SHOWN = 120  # characters of the rep's message shown in the e-mails table
EMAILS_SHOWN = 20
OPEN = (Status.DRAFT, Status.SENT)  # the customer may still answer (unless past valid_until)


def when(value: datetime.datetime | None) -> str:
    """A time as the admin shows it, in the site's time zone; "-" for none."""
    if value is None:
        return "-"
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M %Z}"


def _table(rows: list[tuple[Any, Any]]) -> SafeString:
    return format_html("<table>{}</table>", format_html_join("", ROW, rows))


def customer_path(quote: Quote) -> str | None:
    """The quote page's path (``/q/<token>/``), or None when the site does not serve the
    customer's pages (``betterform.customer.urls`` not included)."""
    try:
        return reverse("betterform_customer:quote", args=[quote.customer_token])
    except NoReverseMatch:
        return None


def customer_page_html(quote: Quote) -> str:
    path = customer_path(quote)
    if quote.pk is None or path is None:
        return "-"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a><br>'
        '<span class="help">What the customer sees. Opened by staff, it is not counted as a '
        "view. Keep the link private: anyone holding it can answer the quote.</span>",
        path,
        path,
    )


def sent_html(quote: Quote) -> str:
    if quote.sent_at is None:
        return "Not sent yet (\u201cSend to customer\u201d, above or in the list, e-mails it)."
    reminded = f"; reminded {when(quote.reminded_at)}" if quote.reminded_at else ""
    return f"{when(quote.sent_at)}{reminded}"


def views_html(quote: Quote) -> str:
    if not quote.view_count:
        return "Not opened yet."
    times = "once" if quote.view_count == 1 else f"{quote.view_count} times"
    return (
        f"Opened {times}: first {when(quote.first_viewed_at)}, last {when(quote.last_viewed_at)}."
    )


def _document_html(document: Document | None) -> Any:
    """A document's admin link and its download link, or "-"."""
    if document is None:
        return "-"
    label = document.title or f"Document {document.pk}"
    page = admin_change_url(document)
    shown = format_html('<a href="{}">{}</a>', page, label) if page else label
    if document.status != Document.Status.DONE:
        return format_html("{} ({})", shown, document.status)
    download = reverse("createpdf:document-download", args=[document.pk])
    return format_html('{} (<a href="{}">download</a>)', shown, download)


def answer_of(quote: Quote) -> QuoteAnswer | None:
    if quote.pk is None:
        return None
    return (
        QuoteAnswer.objects.filter(quote_id=quote.pk)
        .select_related("shown_document", "signed_document")
        .first()
    )


def answer_html(quote: Quote) -> str:
    """The customer's answer as a table, or why there is none yet. A recorded answer
    (``QuoteAnswer.is_recorded``) shows who recorded it and their note; it has no address,
    browser or signed copy (nobody signed: ``signed_copy``)."""
    answer = answer_of(quote)
    if answer is None:
        if quote.status == Status.EXPIRED:
            return "None: the quote expired unanswered."
        return "Not answered yet."
    accepted = answer.decision == QuoteAnswer.Decision.ACCEPTED
    recorded = answer.is_recorded
    rows: list[tuple[Any, Any]] = [("Decision", answer.get_decision_display())]
    if accepted:
        rows.append(("Answered by" if recorded else "Signed by", answer.signer_name or "-"))
    else:
        rows.append(("Reason", answer.reason or "(none given)"))
    rows.append(("When", when(answer.answered_at)))
    if recorded:
        rows += [("Recorded by", answer.recorded_by_name or "-"), ("Note", answer.note or "-")]
    else:
        rows += [("From address", answer.ip_address or "-"), ("Browser", answer.user_agent or "-")]
    rows += [
        ("PDF shown", _document_html(answer.shown_document)),
        ("Its sha256", format_html("<code>{}</code>", answer.shown_sha256 or "-")),
    ]
    if accepted and recorded:
        rows.append(("Signed copy", "None: the answer was recorded, nobody signed the quote."))
    elif accepted:
        signed = _document_html(answer.signed_document)
        if answer.signed_document_id is None:
            signed = "Being rendered: reload the page in a moment."
        rows.append(("Signed copy", signed))
        if answer.consent_text:
            rows.append(("Consent given", answer.consent_text))
    return _table(rows)


def emails_html(quote: Quote) -> str:
    """The e-mails the quote went out in, newest first (at most ``EMAILS_SHOWN``)."""
    if quote.pk is None:
        return "-"
    emails = list(
        QuoteEmail.objects.filter(quote_id=quote.pk).select_related("sent_by", "document")[
            :EMAILS_SHOWN
        ]
    )
    if not emails:
        return "None yet."
    rows = [
        (
            when(email.sent_at),
            email.get_kind_display(),
            email.to_email,
            email.subject,
            email.sent_by or "-",
            _shorten(email.message) or "-",
            _document_html(email.document),
        )
        for email in emails
    ]
    return format_html(
        '<table class="betterform-quote-emails"><thead><tr><th>Sent</th><th>Kind</th>'
        "<th>To</th><th>Subject</th><th>By</th><th>Message</th><th>PDF</th></tr></thead>"
        "<tbody>{}</tbody></table>",
        format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows),
    )


def _shorten(text: str) -> str:
    return text if len(text) <= MESSAGE_SHOWN else f"{text[: MESSAGE_SHOWN - 1]}\u2026"


def versions_html(quote: Quote) -> str:
    """The version this quote was copied from and the versions copied from it."""
    if quote.pk is None:
        return "-"
    rows: list[tuple[Any, Any]] = []
    if quote.previous_version_id:
        rows.append(("Copied from", _quote_link(quote.previous_version)))
    later = list(Quote.objects.filter(previous_version_id=quote.pk).order_by("pk")[:10])
    if later:
        links = format_html_join(", ", "{}", ((_quote_link(later_one),) for later_one in later))
        rows.append(("New versions", links))
    return _table(rows) if rows else "-"


def _quote_link(quote: Quote | None) -> Any:
    if quote is None:
        return "-"
    url = reverse("admin:betterform_quote_change", args=[quote.pk])
    return format_html('<a href="{}">{}</a> ({})', url, quote.number, quote.get_status_display())


def lock_message(quote: Quote) -> str | None:
    """Why ``quote`` (as stored) is locked and how to make a new version
    (``services.QuoteLocked``'s message), or None when it is not locked."""
    try:
        services.check_unlocked(quote)
    except services.QuoteLocked as locked:
        return str(locked)
    return None


def lock_html(quote: Quote) -> str:
    """``lock_message`` with a link to the list filtered to the quote, where the "Make a new
    version" action runs."""
    message = lock_message(quote)
    if message is None:
        return "-"
    listed = reverse("admin:betterform_quote_changelist") + f"?q={quote.number}"
    return format_html(
        '<p class="errornote">{}</p><p><a href="{}">Open it in the list</a>, tick it and run '
        "\u201cMake a new version\u201d: the copy is a draft you can change and send.</p>",
        message,
        listed,
    )


def is_locked(quote: Quote | None) -> bool:
    """Whether the admin shows ``quote`` read-only: as stored, accepted, declined or expired."""
    return quote is not None and quote.pk is not None and quote.status in services.LOCKED_STATUSES


def customer_state(quote: Quote) -> str:
    """The list's short "Customer" column, from the row's own fields (no query)."""
    if quote.status == Status.ACCEPTED:
        return "Accepted"
    if quote.status == Status.REJECTED:
        return "Declined"
    if quote.status == Status.EXPIRED:
        return "Expired"
    if quote.view_count:
        return f"Viewed \u00d7{quote.view_count}"
    if quote.sent_at:
        return "Sent, not opened"
    return "Not sent"


class CustomerFilter(admin.SimpleListFilter):
    """Where the customer is with the quote: not sent, sent and not opened, opened and not
    answered, accepted, declined, expired."""

    title = "customer"
    parameter_name = "customer"
    CHOICES = {
        "not_sent": ("Not sent", models.Q(sent_at__isnull=True, view_count=0, status__in=OPEN)),
        "unopened": (
            "Sent, not opened",
            models.Q(sent_at__isnull=False, view_count=0, status__in=OPEN),
        ),
        "viewed": (
            "Opened, not answered",
            models.Q(view_count__gt=0, status__in=OPEN),
        ),
        "accepted": ("Accepted", models.Q(status=Status.ACCEPTED)),
        "declined": ("Declined", models.Q(status=Status.REJECTED)),
        "expired": ("Expired", models.Q(status=Status.EXPIRED)),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.CHOICES.items()]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        chosen = self.CHOICES.get(self.value() or "")
        return queryset.filter(chosen[1]) if chosen else queryset


@admin.register(QuoteAnswer)
class QuoteAnswerAdmin(admin.ModelAdmin):
    """The customers' answers, view only: an answer is a record (``models_customer``)."""

    list_display = ["quote", "decision", "signer_name", "answered_at", "ip_address"]
    list_filter = ["decision"]
    search_fields = ["quote__number", "signer_name", "reason"]
    list_select_related = ["quote"]
    date_hierarchy = None
    fields = readonly_fields = [
        "quote", "decision", "signer_name", "reason", "consent_text", "answered_at",
        "ip_address", "user_agent", "shown_document", "shown_sha256", "signed_document",
        "recorded_by_name", "note",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
