"""The public form page, ``/f/<public token>/``: a published form as an HTML form.

GET shows the form; POST stores the submission as the JSON endpoint does (same serializer,
service, throttle bucket) and answers 303: to the quote page when the form priced the answers
(``submitting.priced_quote``), else to the thank-you page: it says the quote will be sent
when the form priced the answers but the quote could not be built (``?quote=later``; the
submission is stored and the failure logged). A failed post shows the form again (400) with
each error next to its input and the answers kept. HEAD is answered as GET; any other method
gets the customer's 405 page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from betterform import company, services
from betterform.customer import pages, schema_form, submitting, throttles
from betterform.customer.headers import protect
from betterform.models import Form

QUOTE_LATER = "quote=later"  # the thank-you page's query: the quote could not be built now


def _published(token: str) -> Form | None:
    return Form.objects.select_related("owner").filter(public_token=token, published=True).first()


def _form_page(
    request: HttpRequest,
    form: Form,
    schema: dict[str, Any],
    *,
    invalid: submitting.SubmissionInvalid | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    message: str = "",
) -> HttpResponse:
    invalid = invalid or submitting.SubmissionInvalid()
    data = request.POST if request.method == "POST" else None
    currency = schema.get("pricing", {}).get("currency") or company.default_currency()
    sections = schema_form.answer_sections(schema, data, invalid.answers, currency)
    customer = schema_form.customer_inputs(data, invalid.customer)
    context = {
        "form": form,
        "sections": sections,
        "customer": customer,
        "summary": schema_form.error_summary(sections, customer),
        "general_errors": invalid.general,
        "message": message,
        "prices": submitting.prices_answers(schema),
    }
    return pages.page(request, "form.html", context, status=status, headers=headers)


@pages.methods("GET", "HEAD", "POST")
def form_page(request: HttpRequest, token: str) -> HttpResponse:
    if (wait := throttles.wait_for(request, throttles.CUSTOMER_PAGES)) is not None:
        return pages.too_many(request, wait)
    form = _published(token)
    if form is None:
        return pages.not_found(request)
    schema = services.current_version(form).schema  # what the submission is checked against
    if request.method != "POST":
        return _form_page(request, form, schema)
    if (wait := throttles.wait_for(request, throttles.PUBLIC_SUBMIT)) is not None:
        message = (
            "You have sent this form too often in a short time, so it was not sent. "
            "Your answers are kept below: send them again in a minute."
        )
        headers = pages.retry_after(wait)
        return _form_page(request, form, schema, status=429, headers=headers, message=message)
    posted = schema_form.read_answers(schema, request.POST)
    try:
        submission = submitting.submit(
            form,
            answers=posted.answers,
            customer=schema_form.parse_customer(request.POST),
            problems=posted.problems,
        )
    except submitting.SubmissionInvalid as invalid:
        return _form_page(request, form, schema, invalid=invalid, status=400)
    thanks = reverse("betterform_customer:form-thanks", args=[token])
    try:
        quote = submitting.priced_quote(submission)
    except submitting.QuoteNotBuilt:  # logged; the rep sends the quote
        return protect(HttpResponseRedirect(f"{thanks}?{QUOTE_LATER}", status=303))
    if quote is not None:
        thanks = reverse("betterform_customer:quote", args=[quote.customer_token])
    return protect(HttpResponseRedirect(thanks, status=303))


def _follow_up(form: Form, details: dict[str, str]) -> str:
    """Who follows the submission up: the form's owner by name, else the company."""
    owner = form.owner
    person = (owner.get_full_name() or "") if owner is not None else ""
    name = details.get("name", "")
    if person and name:
        return f"{person} from {name}"
    return person or name or "We"


@pages.methods("GET", "HEAD")
def thanks_page(request: HttpRequest, token: str) -> HttpResponse:
    """After a submission the form did not price (or whose quote could not be built): received,
    and who follows it up."""
    if (wait := throttles.wait_for(request, throttles.CUSTOMER_PAGES)) is not None:
        return pages.too_many(request, wait)
    form = _published(token)
    if form is None:
        return pages.not_found(request)
    details = company.company_details()
    context = {
        "form": form,
        "company": details,
        "follow_up": _follow_up(form, details),
        "quote_later": request.GET.get("quote") == "later",
    }
    return pages.page(request, "form_thanks.html", context)
