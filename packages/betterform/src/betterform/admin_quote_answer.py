"""The quote page's "Record the customer's answer": an answer given by phone, e-mail or on paper.

The admin never sets a quote's status to accepted, rejected or expired (its status select
offers draft and sent: ``QuoteAdmin.formfield_for_choice_field``); a team member records the
customer's answer instead, on the page at ``<id>/record_answer/`` (``record_answer_view``),
which calls ``betterform.recorded_answers.record_answer`` as
``POST /api/quotes/{id}/record_answer/`` does: the same checks, the PDF kept, the signals
(monday, real time), and the answer naming who recorded it. The button (``answer_button``)
shows on an open, unanswered quote, off with why past its ``valid_until``; like "Send to
customer" it needs the permission to change quotes.
"""

from __future__ import annotations

from typing import Any

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from betterform import answering, recorded_answers
from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer

ANSWER_TEMPLATE = "admin/betterform/quote/record_answer.html"
SETTABLE_STATUSES = answering.OPEN_STATUSES  # what the status select offers


class RecordAnswerForm(forms.Form):
    decision = forms.ChoiceField(
        choices=QuoteAnswer.Decision.choices, widget=forms.RadioSelect, label="The customer"
    )
    signer_name = forms.CharField(
        required=False,
        max_length=answering.MAX_SIGNER_NAME,
        label="Who answered, and how",
        help_text="e.g. \u201cEva Jansen by phone\u201d. Required to accept.",
        widget=forms.TextInput(attrs={"size": 60}),
    )
    reason = forms.CharField(
        required=False,
        max_length=answering.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why they declined, if they said.",
    )
    note = forms.CharField(
        required=False,
        max_length=answering.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="How the answer came in (a call, an e-mail, a signed paper copy...).",
    )


def answer_refusal(quote: Quote) -> str | None:
    """Why no answer can be recorded for ``quote`` now, or None when one can."""
    if answering.is_expired(quote):
        if quote.valid_until:
            return f"it was valid until {format_date(quote.valid_until)}"
        return "it has expired"
    return None


def answer_button(
    model_admin: admin.ModelAdmin, request: HttpRequest, quote: Quote
) -> dict[str, Any] | None:
    """``{"url": the page, "refusal": why it is off, or None}``; None (no button) for an
    answered or locked quote, or a user who may not change quotes."""
    if quote.pk is None or not model_admin.has_change_permission(request):
        return None
    if quote.status not in answering.OPEN_STATUSES or _answered(quote):
        return None
    url = reverse(f"{model_admin.admin_site.name}:betterform_quote_record_answer", args=[quote.pk])
    return {"url": url, "refusal": answer_refusal(quote)}


def _answered(quote: Quote) -> bool:
    return QuoteAnswer.objects.filter(quote_id=quote.pk).exists()


def record_answer_view(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str
) -> HttpResponse:
    """``<id>/record_answer/``: the form, and on its post the answer recorded (or why not)
    and back to the quote's page, which is then read-only."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    quote = model_admin.get_object(request, unquote(object_id))
    if quote is None:
        return model_admin._get_obj_does_not_exist_redirect(request, model_admin.opts, object_id)
    page = reverse(f"{model_admin.admin_site.name}:betterform_quote_change", args=[quote.pk])
    if request.method != "POST" and (quote.status not in SETTABLE_STATUSES or _answered(quote)):
        message = f"{quote.number} has its answer already, or is closed: nothing to record."
        model_admin.message_user(request, message, messages.WARNING)
        return redirect(page)
    form = RecordAnswerForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            with model_admin.create_revision(request):
                said = f"{form.cleaned_data['decision'].capitalize()} answer to {quote.number}"
                reversion.set_comment(f"{said} recorded in the admin.")
                answer, created = recorded_answers.record_answer(
                    quote, recorded_by=request.user, **form.cleaned_data
                )
        except answering.AnswerInvalid as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except answering.QuoteClosed as error:
            model_admin.message_user(request, str(error), messages.ERROR)
            return redirect(page)
        else:
            said = "recorded" if created else "was already recorded"
            model_admin.message_user(
                request,
                f"{quote.number}: the answer {said}: {answer}.",
                messages.SUCCESS if created else messages.WARNING,
            )
            return redirect(page)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Record the customer's answer to quote {quote.number}",
        "subtitle": None,
        "opts": opts,
        "app_label": opts.app_label,
        "original": quote,
        "refusal": answer_refusal(quote),
        "form": form,
        "media": model_admin.media + form.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, ANSWER_TEMPLATE, context)
