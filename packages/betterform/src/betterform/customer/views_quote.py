"""The quote page, ``/q/<token>/``, for a customer who never logs in: the quote, its PDF, and
Accept (typed name, consent) or Decline (optional reason), once.

The rules of answering are ``betterform.answering``'s; these views read the form, call it,
and answer 303 back to the page (which shows the answer recorded), 400 with the errors by
field (``AnswerInvalid``), or 409 with the reason (``QuoteClosed``, ``QuoteChanged``). Every
request counts against the ``customer_pages`` rate of its address (token guessing), and an
unknown token gets the same 404 page as any other bad link.

A signed-in user (staff, a rep) sees a preview: not counted as a view, without Accept or
Decline; their answer posts are refused (403) so no staff member answers in the customer's
name. GET or HEAD on an answer's address (a reload, the history after a refused answer) goes
303 to the page; other methods get the customer's 405 page.

An answer a team member recorded (by phone or on paper: ``recorded_answers``) shows on the page
as recorded, with the PDF the customer accepted; it has no signed copy (its address is a 404).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from betterform import answering, sending
from betterform.customer import pages, throttles
from betterform.customer.headers import protect
from betterform.customer.quote_page import page_context
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import ensure_signed_copy
from createpdf.models import Document

logger = logging.getLogger(__name__)

QuoteView = Callable[[HttpRequest, Quote], HttpResponse]
PDF_RETRY_SECONDS = 30
DOCUMENT_ID = re.compile(r"[0-9]{1,18}")


def by_token(view: QuoteView) -> Callable[[HttpRequest, str], HttpResponse]:
    """Throttle, then find the quote by its exact token: 429 or 404 pages otherwise."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if (wait := throttles.wait_for(request, throttles.CUSTOMER_PAGES)) is not None:
            return pages.too_many(request, wait)
        quote = Quote.objects.select_related("form", "owner").filter(customer_token=token).first()
        if quote is None:
            return pages.not_found(request)
        return view(request, quote)

    return wrapper


def _is_team(request: HttpRequest) -> bool:
    """Customers never log in: a signed-in user is the seller's staff or a rep previewing."""
    return bool(request.user.is_authenticated)


def _page(
    request: HttpRequest,
    quote: Quote,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    message: str = "",
) -> HttpResponse:
    data = page_context(
        quote, preview=_is_team(request), errors=errors, values=values, message=message
    )
    return pages.page(request, "quote.html", data, status=status)


def _back(quote: Quote) -> HttpResponse:
    url = reverse("betterform_customer:quote", args=[quote.customer_token])
    return protect(HttpResponseRedirect(url + "#answer", status=303))


def _client(request: HttpRequest) -> dict[str, str | None]:
    return {
        "ip_address": request.META.get("REMOTE_ADDR"),
        "user_agent": request.headers.get("User-Agent", ""),
    }


def _offered(value: str) -> int:
    """The ``document`` the page's Accept form carried. It is required: missing, blank or
    anything but an id is no PDF of ours (0), so ``answering`` says the quote changed (the
    stale-page check is never skipped)."""
    return int(value) if DOCUMENT_ID.fullmatch(value) else 0


def answer_view(view: QuoteView) -> Callable[[HttpRequest, str], HttpResponse]:
    """Accept and Decline: POST only, by the customer. GET or HEAD (a reload, the browser's
    history after a refused answer, a shared address) goes 303 to the quote page; a
    signed-in user is refused (403: the page is their preview)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            url = reverse("betterform_customer:quote", args=[token])
            return protect(HttpResponseRedirect(url, status=303))
        return _answer(request, token)

    @pages.methods("GET", "HEAD", "POST")  # GET and HEAD never get here: the 405's Allow
    @by_token
    def _answer(request: HttpRequest, quote: Quote) -> HttpResponse:
        if _is_team(request):
            return pages.page(request, "preview_only.html", {"quote": quote}, status=403)
        return view(request, quote)

    return wrapper


@pages.methods("GET", "HEAD")
@by_token
def quote_page(request: HttpRequest, quote: Quote) -> HttpResponse:
    counted = request.method == "GET" and not _is_team(request)
    answering.record_view(quote, counted=counted)
    return _page(request, quote)


@answer_view
def accept(request: HttpRequest, quote: Quote) -> HttpResponse:
    consent = request.POST.get("consent", "") in ("on", "true", "1", "yes")
    values = {"signer_name": request.POST.get("signer_name", ""), "consent": consent}
    try:
        answering.accept_quote(
            quote,
            signer_name=values["signer_name"],
            consent=consent,
            shown_document_id=_offered(request.POST.get("document", "")),
            **_client(request),
        )
    except answering.AnswerInvalid as invalid:
        return _page(request, quote, status=400, errors=invalid.errors, values=values)
    except answering.QuoteClosed as closed:  # QuoteChanged too
        return _page(request, quote, status=409, message=str(closed), values=values)
    return _back(quote)


@answer_view
def decline(request: HttpRequest, quote: Quote) -> HttpResponse:
    values = {"reason": request.POST.get("reason", "")}
    try:
        answering.decline_quote(quote, reason=values["reason"], **_client(request))
    except answering.AnswerInvalid as invalid:
        return _page(request, quote, status=400, errors=invalid.errors, values=values)
    except answering.QuoteClosed as closed:
        return _page(request, quote, status=409, message=str(closed), values=values)
    return _back(quote)


def _not_ready(request: HttpRequest, what: str) -> HttpResponse:
    """503 with ``Retry-After``: the file is not rendered yet, or rendering failed for now."""
    headers = pages.retry_after(PDF_RETRY_SECONDS)
    context = {"what": what, "retry_after": headers["Retry-After"]}
    return pages.page(request, "pdf_not_ready.html", context, status=503, headers=headers)


@pages.methods("GET", "HEAD")
@by_token
def quote_pdf(request: HttpRequest, quote: Quote) -> HttpResponse:
    """The PDF the customer answered (the one they were shown), else the quote's current
    PDF, rendered now if the worker has not yet."""
    answer = QuoteAnswer.objects.select_related("shown_document").filter(quote=quote).first()
    shown = answer.shown_document if answer is not None else None
    if shown is not None and shown.status == Document.Status.DONE and shown.file:
        return pages.pdf(shown, f"quote-{quote.number}.pdf")
    try:
        document = sending.ready_pdf(quote)  # the one sending attaches, rendered if need be
    except sending.SendError:  # failed or not ready in time: the worker retries it
        return _not_ready(request, "quote")
    except Exception:  # a passing failure: the worker retries it, the customer comes later
        logger.exception("quote %s: its PDF could not be rendered for the page", quote.pk)
        return _not_ready(request, "quote")
    if not document.file:
        return _not_ready(request, "quote")
    return pages.pdf(document, f"quote-{quote.number}.pdf")


@pages.methods("GET", "HEAD")
@by_token
def signed_pdf(request: HttpRequest, quote: Quote) -> HttpResponse:
    """The signed copy of an accepted quote; made now if the worker has not yet. None (the
    404 page, as for an unknown link) before an acceptance, or for one a team member recorded:
    nobody signed it (``signed_copy``)."""
    answer = QuoteAnswer.objects.select_related("signed_document").filter(quote=quote).first()
    if answer is None or answer.decision != QuoteAnswer.Decision.ACCEPTED or answer.is_recorded:
        return pages.not_found(request)
    signed = answer.signed_document
    if signed is None or signed.status != Document.Status.DONE:
        try:
            signed = ensure_signed_copy(answer)
        except Exception:  # the worker's job retries it; the page says to come back
            logger.exception("quote %s: its signed copy could not be made now", quote.pk)
            return _not_ready(request, "signed copy")
    if not signed.file:
        return _not_ready(request, "signed copy")
    return pages.pdf(signed, f"quote-{quote.number}-signed.pdf")
