"""The quote list's actions on the customer's side (issues 16 and 18).

"Send to customer" first shows a page, like the delete confirmation, listing who each selected
quote goes to and taking an optional message; sending calls ``betterform.sending.send_quote``
for each quote, as ``POST /api/quotes/{id}/send/`` does, and says per quote what happened (sent
to whom, or not sent and why: ``SendError``'s message). A quote's own page has the same as a
button (``send_button``, ``send_one_view`` at ``<id>/send/``): the same page for that quote,
and back to the quote once sent; the button is off, with why, when ``sending.check_sendable``
refuses the quote. "Make a new version" copies each quote as a draft
(``services.new_version``): the way to change an accepted, declined or expired one.

All need the permission to change quotes (``tests/site/test_admin_action_permissions.py``).
"""

from __future__ import annotations

from typing import Any

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from betterform import sending, services
from betterform.admin_quote_customer import customer_state
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


def send_refusal(quote: Quote) -> str | None:
    """Why ``quote`` (as stored) cannot be sent now, in the admin's words, or None when it can.
    The rule is ``sending.check_sendable``'s (locked, answered, past ``valid_until``, no or a
    bad customer e-mail); only the common cases are worded for this page, any other says
    ``SendError``'s message."""
    try:
        sending.check_sendable(quote)
    except sending.SendError as error:
        if quote.status in services.LOCKED_STATUSES:
            # "declined" as the customer's column says, not the status's "rejected"
            return f"it is {customer_state(quote).lower()}: make a new version to send another"
        if not quote.customer_email:
            return "no customer e-mail: add the customer's e-mail and save first"
        if quote.valid_until and quote.valid_until < timezone.localdate():
            return (
                f"it was valid until {quote.valid_until:%Y-%m-%d}: set a later "
                "\u201cValid until\u201d and save first"
            )
        return str(error).rstrip(".")  # the sentences around it end it
    return None


def _recipient(quote: Quote) -> str:
    refusal = send_refusal(quote)
    if refusal:
        return f"will not be sent: {refusal}"
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
    return _confirm_or_send(model_admin, request, quotes)


def _confirm_or_send(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    quotes: list[Quote],
    original: Quote | None = None,
) -> TemplateResponse | None:
    """The confirmation page for ``quotes``, or, posted with ``send`` and a valid message, each
    one sent (None). ``original``: the one quote whose page the button was on; its page
    posts back to its own URL, not to the list's action."""
    form = SendForm(request.POST if "send" in request.POST else None)
    if form.is_bound and form.is_valid():
        for quote in quotes:
            _send(model_admin, request, quote, form.cleaned_data["message"])
        return None
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": (
            f"Send quote {original.number} to its customer"
            if original
            else "Send quotes to their customers"
        ),
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "original": original,
        "quotes": [(quote, _recipient(quote)) for quote in quotes],
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_name": None if original else "send_to_customer",
        "media": model_admin.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, SEND_TEMPLATE, context)


def send_button(
    model_admin: admin.ModelAdmin, request: HttpRequest, quote: Quote
) -> dict[str, Any] | None:
    """The quote page's "Send to customer" button: ``{"url": its page, "refusal": why it is
    off, or None}``; None (no button) for a user who may not change quotes."""
    if quote.pk is None or not model_admin.has_change_permission(request):
        return None
    url = reverse(f"{model_admin.admin_site.name}:betterform_quote_send", args=[quote.pk])
    return {"url": url, "refusal": send_refusal(quote)}


def send_one_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """``<id>/send/``: the confirmation page for one quote, and on its post the quote sent
    (or why not) and back to the quote's page. A quote that cannot be sent goes back at once
    with why. Needs the permission to change quotes, as the list's action does."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    quote = model_admin.get_object(request, unquote(object_id))
    if quote is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    page = reverse(f"{model_admin.admin_site.name}:betterform_quote_change", args=[quote.pk])
    refusal = send_refusal(quote)
    if refusal and "send" not in request.POST:
        message = f"{quote.number} cannot be sent: {refusal}."
        model_admin.message_user(request, message, messages.ERROR)
        return redirect(page)
    response = _confirm_or_send(model_admin, request, [quote], original=quote)
    return response if response is not None else redirect(page)


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
