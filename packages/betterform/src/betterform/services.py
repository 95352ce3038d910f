"""Use cases for forms, submissions and quotes. Views, the admin, the demo and the monday
integration call these; none of them writes these models directly.

Callers that want an audit trail wrap calls in ``reversion.create_revision()`` (the API does,
once per request). Quote writes are announced through ``betterform.signals`` after the commit.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from betterform import company
from betterform.answers import clean_answers
from betterform.conf import conf
from betterform.limits import check_totals, fit_customer, fit_line, fit_quote_fields
from betterform.models import Form, FormVersion, Quote, QuoteLine, Submission
from betterform.numbering import next_quote_number, provisional_number
from betterform.pricing import line_amounts, price_answers, quote_totals
from betterform.schema import validate_schema
from betterform.signals import quote_created, quote_updated
from betterform.versions import (  # noqa: F401 (re-exported: the lock and new versions)
    LOCKED_STATUSES,
    QuoteLocked,
    check_unlocked,
    new_version,
)

Status = Submission.Status

# Which status a submission may move to from each status.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.SUBMITTED,),
    Status.SUBMITTED: (Status.QUOTED, Status.DRAFT),
    Status.QUOTED: (Status.SENT, Status.SUBMITTED),
    Status.SENT: (Status.ACCEPTED, Status.REJECTED, Status.QUOTED),
    Status.ACCEPTED: (),
    Status.REJECTED: (),
}
CUSTOMER_FIELDS = ("name", "email", "phone", "company", "address")


class IllegalTransition(Exception):
    """A status move the workflow does not allow; the message says which moves are."""


class StatusNotSettable(ValueError):
    """A quote's status set to accepted, rejected or expired by hand (the API answers 400 on
    ``status``): an answer is recorded (``recorded_answers.record_answer``), so the quote keeps who
    answered and the PDF they answered, and monday follows; expiry is the cron's."""


def check_settable_status(status: Any, quote_id: int | None = None) -> None:
    """Raise ``StatusNotSettable`` for a quote ``status`` that only an answer (accepted,
    rejected) or the expiry (expired) may set; the message says how instead."""
    where = f"/api/quotes/{quote_id if quote_id is not None else '<id>'}/record_answer/"
    if status in (Quote.Status.ACCEPTED, Quote.Status.REJECTED):
        raise StatusNotSettable(
            f"A quote is not set to {status} by hand: record the customer's answer with "
            f"POST {where} (or the admin's 'Record the customer's answer'), which keeps who "
            "answered and the PDF they answered, and moves the monday item."
        )
    if status == Quote.Status.EXPIRED:
        raise StatusNotSettable(
            "A quote is not set to expired by hand: quotes expire on their own past "
            "valid_until (expire_quotes). To record the customer's answer instead, use "
            f"POST {where}."
        )


# --- forms -----------------------------------------------------------------------------------


@transaction.atomic
def save_form(form: Form) -> Form:
    """Validate the schema, save, and record a new version when the schema changed."""
    validate_schema(form.schema)
    form.save()
    latest = form.versions.order_by("-number").first()
    if latest is None or latest.schema != form.schema:
        FormVersion.objects.create(
            form=form, number=(latest.number + 1) if latest else 1, schema=form.schema
        )
    return form


def set_published(form: Form, published: bool) -> Form:
    """Open or close the form's public URL; its submissions stay either way."""
    form.published = published
    return save_form(form)


def current_version(form: Form) -> FormVersion:
    version = form.versions.order_by("-number").first()
    if version is None:  # a form saved without save_form (fixtures, raw admin)
        version = save_form(form).versions.order_by("-number").first()
    return version


# --- submissions -----------------------------------------------------------------------------


def _apply_customer(submission: Submission, customer: Mapping[str, Any]) -> None:
    customer = fit_customer(customer)  # raises DoesNotFit (a ValueError) for a long e-mail...
    for name in CUSTOMER_FIELDS:
        if name in customer:
            setattr(submission, f"customer_{name}", customer[name] or "")


@transaction.atomic
def create_submission(
    form: Form,
    *,
    answers: Mapping[str, Any],
    customer: Mapping[str, Any] | None = None,
    status: str = Status.SUBMITTED,
    source: str = Submission.Source.API,
    owner: Any = None,
    external_reference: str = "",
) -> Submission:
    """Answers are validated against the form's current version (drafts may be partial).
    The customer is fitted to its fields (``limits.fit_customer``: a long name is shortened
    with ``…``, a long e-mail or phone raises ``DoesNotFit``)."""
    if status not in (Status.DRAFT, Status.SUBMITTED):
        raise IllegalTransition(f"a new submission is 'draft' or 'submitted', not {status!r}")
    version = current_version(form)
    submission = Submission(
        form=form,
        form_version=version,
        answers=clean_answers(version.schema, answers, partial=status == Status.DRAFT),
        status=status,
        source=source,
        owner=owner if getattr(owner, "pk", None) else None,
        external_reference=external_reference,
    )
    _apply_customer(submission, customer or {})
    submission.save()
    return submission


@transaction.atomic
def update_submission(
    submission: Submission,
    *,
    answers: Mapping[str, Any] | None = None,
    customer: Mapping[str, Any] | None = None,
    external_reference: str | None = None,
) -> Submission:
    """Answers keep being checked against the version the submission answered; the customer
    is fitted as in ``create_submission``."""
    if answers is not None:
        partial = submission.status == Status.DRAFT
        submission.answers = clean_answers(submission.form_version.schema, answers, partial=partial)
    _apply_customer(submission, customer or {})
    if external_reference is not None:
        submission.external_reference = external_reference
    submission.save()
    return submission


def change_status(submission: Submission, status: str) -> Submission:
    if status not in Status.values:
        raise IllegalTransition(
            f"{status!r} is not a status; use one of {', '.join(Status.values)}"
        )
    allowed = TRANSITIONS[submission.status]
    if status not in allowed:
        moves = ", ".join(allowed) or "none (it is final)"
        raise IllegalTransition(
            f"a {submission.status} submission cannot become {status}; allowed: {moves}"
        )
    if submission.status == Status.DRAFT and status == Status.SUBMITTED:
        clean_answers(submission.form_version.schema, submission.answers)  # now complete?
    submission.status = status
    submission.save(update_fields=["status", "updated_at"])
    return submission


# --- quotes ----------------------------------------------------------------------------------


# What one quote holds at most: lines, and a subtotal or total (Quote's DecimalField(14, 2)).
MAX_QUOTE_LINES = 500
MAX_QUOTE_TOTAL = Decimal("999999999999.99")


class LinesInvalid(ValueError):
    """Lines a quote cannot hold together (too many, or totals too large); the message says
    which limit."""


def check_lines(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``lines`` (dicts of ``description``, ``quantity``, ``unit_price``, optional ``unit``,
    ``tax_rate``, ``discount_percent``, ``source_key``) as a quote stores them: each fitted
    (``limits.fit_line``), checked together. Every door that writes lines calls it (the
    API's serializer, the admin's inline) so they refuse the same lines with the same message.

    Raises ``LinesInvalid`` for more than ``MAX_QUOTE_LINES`` lines or lines adding up to more
    than ``MAX_QUOTE_TOTAL``; ``DoesNotFit`` (also a ``ValueError``) for a value a line cannot
    store exactly."""
    if len(lines) > MAX_QUOTE_LINES:
        raise LinesInvalid(f"A quote holds at most {MAX_QUOTE_LINES} lines, not {len(lines)}.")
    fitted = [fit_line(line, index + 1) for index, line in enumerate(lines)]
    totals = quote_totals(
        [
            line_amounts(
                line["quantity"],
                line["unit_price"],
                line.get("tax_rate") or Decimal(0),
                line.get("discount_percent") or Decimal(0),
            )
            for line in fitted
        ]
    )
    if max(totals.subtotal, totals.total) > MAX_QUOTE_TOTAL:
        raise LinesInvalid(f"The lines add up to more than {MAX_QUOTE_TOTAL:,}.")
    check_totals(totals)
    return fitted


def _set_lines(quote: Quote, lines: Iterable[Mapping[str, Any]], *, replace: bool = True) -> None:
    if replace:  # a quote just inserted has none (deleting them would read them first)
        quote.lines.all().delete()
    QuoteLine.objects.bulk_create(
        QuoteLine(quote=quote, position=index, **fit_line(line, index + 1))
        for index, line in enumerate(lines)
    )
    # A quote loaded with prefetched lines would otherwise total (and version) the old ones.
    getattr(quote, "_prefetched_objects_cache", {}).pop("lines", None)


def _announce(quote: Quote, signal: Signal) -> None:
    """Send ``signal`` for the quote once the transaction commits (never for a rollback)."""
    transaction.on_commit(lambda: signal.send(sender=Quote, quote=quote))


TOTAL_FIELDS = ["subtotal", "discount_total", "tax_total", "total", "updated_at"]


def _set_totals(quote: Quote) -> None:
    amounts = [line.amounts for line in quote.lines.all()]
    totals = check_totals(quote_totals(amounts))
    quote.subtotal, quote.discount_total = totals.subtotal, totals.discount_total
    quote.tax_total, quote.total = totals.tax_total, totals.total


def _store_totals(quote: Quote) -> None:
    _set_totals(quote)
    quote.save(update_fields=TOTAL_FIELDS)


@transaction.atomic
def recalculate(quote: Quote) -> Quote:
    """Recompute and store the totals from the lines (see betterform.pricing), then announce
    the quote as updated (``signals.quote_updated``, after the commit). Raises ``QuoteLocked``
    for an accepted, declined or expired quote."""
    check_unlocked(quote)
    _store_totals(quote)
    _announce(quote, quote_updated)
    return quote


@transaction.atomic
def create_quote(
    *, lines: Iterable[Mapping[str, Any]] = (), owner: Any = None, **fields: Any
) -> Quote:
    """Number and store a quote with its lines; announces ``quote_created`` after the commit.
    Text is shortened to its field, other values checked (``betterform.limits``); a status
    only an answer or the expiry sets raises ``StatusNotSettable``."""
    check_settable_status(fields.get("status"))
    fields = fit_quote_fields(fields)
    today = timezone.localdate()
    if not fields.get("currency"):
        fields["currency"] = company.default_currency()  # the profile's, else the setting
    lines = company.with_default_tax(lines)  # a line without a tax rate: the default one
    fields.setdefault(
        "valid_until", today + datetime.timedelta(days=conf.BETTERFORM_QUOTE_VALIDITY_DAYS)
    )
    year, sequence, number = provisional_number()
    quote = Quote.objects.create(
        number=number,
        year=year,
        sequence=sequence,
        owner=owner if getattr(owner, "pk", None) else None,
        **fields,
    )
    _set_lines(quote, lines, replace=False)
    _set_totals(quote)
    # Numbered last: the year's counter stays locked until the commit, and every other quote
    # created meanwhile waits for it (under load, that wait was the API's slowest answers).
    quote.year = today.year
    quote.sequence, quote.number = next_quote_number(today.year)
    quote.save(update_fields=[*TOTAL_FIELDS, "number", "year", "sequence"])
    _announce(quote, quote_created)
    return quote


@transaction.atomic
def update_quote(
    quote: Quote, *, lines: Iterable[Mapping[str, Any]] | None = None, **fields: Any
) -> Quote:
    """Change ``fields`` and replace the lines (fitted as ``create_quote`` does), re-total.
    Only the named fields are written: what the customer's page records meanwhile (views,
    sending, reminders) is never put back to the instance's older values.
    Raises ``QuoteLocked`` when the quote as stored is accepted, declined or expired, and
    ``StatusNotSettable`` for ``status`` accepted, rejected or expired (``record_answer``)."""
    if "status" in fields:
        check_settable_status(fields["status"], quote.pk)
    check_unlocked(quote)  # before anything is written; the row stays locked to the commit
    fitted = fit_quote_fields(fields)
    for name, value in fitted.items():
        setattr(quote, name, value)
    quote.save(update_fields=[*fitted, "updated_at"])
    if lines is not None:
        _set_lines(quote, company.with_default_tax(lines))
    _store_totals(quote)
    _announce(quote, quote_updated)
    return quote


@transaction.atomic
def build_quote(submission: Submission, *, owner: Any = None) -> Quote:
    """Price a submission from its form version's pricing rules.

    Building again (the answers changed, monday synced the item again) re-prices the same
    quote instead of creating another one (its latest version), which stays editable until
    the customer answers or it expires (then ``QuoteLocked``). Announces
    ``quote_created`` or ``quote_updated`` accordingly. The submission's text is shortened to
    the quote's fields; a priced line or total the quote cannot hold raises ``DoesNotFit``.
    """
    if submission.status in (Status.ACCEPTED, Status.REJECTED):
        raise IllegalTransition(
            f"this submission is {submission.status}: its quote is final and is not rebuilt"
        )
    schema = submission.form_version.schema
    pricing = schema.get("pricing", {})
    if "tax_rate" not in pricing:  # a form without its own tax rate: the company's default
        pricing = {**pricing, "tax_rate": str(company.default_tax_rate())}
    priced = price_answers({**schema, "pricing": pricing}, submission.answers)
    lines = [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "tax_rate": line.tax_rate,
            "source_key": line.source_key,
        }
        for line in priced
    ]
    details = {
        "form": submission.form,
        "title": submission.form.name,
        "customer_name": submission.customer_name,
        "customer_email": submission.customer_email,
        "currency": pricing.get("currency") or company.default_currency(),
    }
    quote = submission.quotes.order_by("-created_at").first()
    if quote is None:
        quote = create_quote(
            submission=submission, lines=lines, owner=owner or submission.owner, **details
        )
    else:  # update_quote raises QuoteLocked for an answered or expired quote
        quote = update_quote(quote, lines=lines, **details)
    if submission.status in (Status.DRAFT, Status.SUBMITTED):
        if submission.status == Status.DRAFT:
            change_status(submission, Status.SUBMITTED)
        change_status(submission, Status.QUOTED)
    return quote
