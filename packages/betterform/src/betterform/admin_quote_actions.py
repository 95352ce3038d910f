"""The quote list's actions on the customer's side (issues 16 and 18).

"Send to customer" first shows a page, like the delete confirmation, listing who each selected
quote goes to and taking an optional message; sending calls ``betterform.sending.send_quote``
for each quote, as ``POST /api/quotes/{id}/send/`` does, and says per quote what happened (sent
to whom, or not sent and why: ``SendError``'s message). "Make a new version" copies each quote
as a draft (``services.new_version``): the way to change an accepted, declined or expired one.

Both need the permission to change quotes (``tests/site/test_admin_action_permissions.py``).
"""

from __future__ import annotations

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from betterform import sending, services
from betterform.models import Quote

# Sending waits for each PDF (up to BETTERFORM_SEND_PDF_WAIT_SECONDS) inside the request: a
# bounded batch keeps the page's answer within reach of a proxy's timeout.
MAX_SENT_AT_ONCE = 20
SEND_TEMPLATE = "admin/betterform/quote/send_to_customer.html"


class SendForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=sending.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="Optional: your own words, above the quote's details and link in every "
        "e-mail sent now.",
    )


def site_url(request: HttpRequest) -> str:
    """The scheme and host the admin was reached on: the customers' links start with it."""
    return f"{request.scheme}://{request.get_host()}"


def _recipient(quote: Quote) -> str:
    if quote.status in services.LOCKED_STATUSES:
        return f"will not be sent: it is {quote.get_status_display().lower()}"
    if not quote.customer_email:
        return "will not be sent: no customer e-mail"
    again = " (again)" if quote.sent_at else ""
    return f"{quote.customer_name or 'the customer'} <{quote.customer_email}>{again}"


@admin.action(description="Send to customer (e-mail the PDF and the link)", permissions=["change"])
def send_to_customer(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Quote]
) -> TemplateResponse | None:
    """GET-like first call (from the list): the confirmation page. Its form posts back here
    with ``send``: each quote is sent, one message per quote."""
    selected = queryset.select_related("owner").order_by("-year", "-sequence")
    quotes = list(selected[: MAX_SENT_AT_ONCE + 1])
    if len(quotes) > MAX_SENT_AT_ONCE:
        model_admin.message_user(
            request,
            f"Send at most {MAX_SENT_AT_ONCE} quotes at once (each waits for its PDF); "
            "select fewer.",
            messages.ERROR,
        )
        return None
    form = SendForm(request.POST if "send" in request.POST else None)
    if form.is_bound and form.is_valid():
        for quote in quotes:
            _send(model_admin, request, quote, form.cleaned_data["message"])
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Send quotes to their customers",
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "quotes": [(quote, _recipient(quote)) for quote in quotes],
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": "send_to_customer",
        "media": model_admin.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, SEND_TEMPLATE, context)


def _send(model_admin: admin.ModelAdmin, request: HttpRequest, quote: Quote, message: str) -> None:
    try:  # send_quote records its own revision, by ``sent_by``
        email = sending.send_quote(
            quote, message=message, sent_by=request.user, base_url=site_url(request)
        )
    except sending.SendError as error:
        model_admin.message_user(request, f"{quote.number} not sent: {error}", messages.ERROR)
    else:
        model_admin.message_user(
            request, f"{quote.number} sent to {email.to_email}.", messages.SUCCESS
        )


@admin.action(description="Make a new version (a draft copy to change)", permissions=["change"])
def make_new_version(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Quote]
) -> None:
    """A draft copy of each selected quote, with the same owner (the rep keeps the deal)."""
    made = []
    for quote in queryset.select_related("owner", "submission", "form").order_by("pk"):
        with model_admin.create_revision(request):  # one revision per copy
            reversion.set_comment(f"New version of {quote.number}, made in the admin.")
            made.append((quote.number, services.new_version(quote).number))
    if made:
        listed = ", ".join(f"{new} (from {old})" for old, new in made)
        model_admin.message_user(
            request, f"Made {len(made)} new version(s): {listed}.", messages.SUCCESS
        )
