"""The public form page, ``/f/<public token>/``: a published form as an HTML form.

GET shows the form; POST stores the submission as the JSON endpoint does (same serializer,
service, throttle bucket) and answers 303: to the quote page when the form priced the answers
(``submitting.priced_quote``), else to the thank-you page. A failed post shows the form again
(400) with each error next to its input and the answers kept.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from betterform import company, services
from betterform.customer import pages, schema_form, submitting, throttles
from betterform.customer.headers import protect
from betterform.models import Form


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


@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, token: str) -> HttpResponse:
    if (wait := throttles.wait_for(request, throttles.CUSTOMER_PAGES)) is not None:
        return pages.too_many(request, wait)
    form = _published(token)
    if form is None:
        return pages.not_found(request)
    schema = services.current_version(form).schema  # what the submission is checked against
    if request.method == "GET":
        return _form_page(request, form, schema)
    if (wait := throttles.wait_for(request, throttles.PUBLIC_SUBMIT)) is not None:
        message = (
            "You have sent this form too often in a short time, so it was not sent. "
            "Your answers are kept below: send them again in a minute."
        )
        headers = pages.retry_after(wait)
        return _form_page(request, form, schema, status=429, headers=headers, message=message)
    try:
        submission = submitting.submit(
            form,
            answers=schema_form.parse_answers(schema, request.POST),
            customer=schema_form.parse_customer(request.POST),
        )
    except submitting.SubmissionInvalid as invalid:
        return _form_page(request, form, schema, invalid=invalid, status=400)
    quote = submitting.priced_quote(submission)
    if quote is not None:
        target = reverse("betterform_customer:quote", args=[quote.customer_token])
    else:
        target = reverse("betterform_customer:form-thanks", args=[token])
    return protect(HttpResponseRedirect(target, status=303))


@require_GET
def thanks_page(request: HttpRequest, token: str) -> HttpResponse:
    """After a submission the form did not price: received, and who follows it up."""
    if (wait := throttles.wait_for(request, throttles.CUSTOMER_PAGES)) is not None:
        return pages.too_many(request, wait)
    form = _published(token)
    if form is None:
        return pages.not_found(request)
    context = {"form": form, "company": company.company_details()}
    return pages.page(request, "form_thanks.html", context)
