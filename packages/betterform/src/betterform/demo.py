"""Demo data for ``seed_demo``: a company profile (unless one is filled in already), three
priced forms (``betterform.demo_forms``), 50 submissions in every status and 30 quotes built
from them, some discounted. The accepted and declined ones have their answer, recorded by the
form's owner as given by phone (``recorded_answers.record_answer``: it keeps the quote's PDF).

Everything is generated from the seeded faker before the database is read, so a run gives the
same data whatever is already stored; rows are then looked up by a natural key (forms by slug,
submissions by ``external_reference``: ``demo-<n>`` or a monday-like item id) and only the
missing ones are written, through ``betterform.services``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import reversion
from django.core.files.base import ContentFile

from betterform import company, recorded_answers, services
from betterform.demo_forms import DEMO_FORMS
from betterform.models import Form, Quote, Submission
from betterform.schema import fields

Status = Submission.Status
SUBMISSIONS = 50
# How many submissions end in each status; those from "quoted" on get a quote (30).
STATUS_COUNTS = (
    (Status.DRAFT, 7),
    (Status.SUBMITTED, 13),
    (Status.QUOTED, 8),
    (Status.SENT, 8),
    (Status.ACCEPTED, 8),
    (Status.REJECTED, 6),
)
QUOTED = (Status.QUOTED, Status.SENT, Status.ACCEPTED, Status.REJECTED)
# The legal moves after build_quote (which leaves the submission "quoted").
AFTER_QUOTED = {
    Status.QUOTED: (),
    Status.SENT: (Status.SENT,),
    Status.ACCEPTED: (Status.SENT,),  # the answer moves it on (recorded_answers.record_answer)
    Status.REJECTED: (Status.SENT,),
}
QUOTE_STATUS = {
    Status.QUOTED: Quote.Status.DRAFT,
    Status.SENT: Quote.Status.SENT,
    Status.ACCEPTED: Quote.Status.SENT,
    Status.REJECTED: Quote.Status.SENT,
}
ANSWERS = {Status.ACCEPTED: "accepted", Status.REJECTED: "declined"}
DISCOUNT = Decimal("10")
DEMO_COMPANY = {
    "name": "Northwind Kitchens Ltd",
    "address": "12 Harbour Road\n1011 AB Amsterdam",
    "email": "quotes@northwind.example",
    "phone": "+31 20 555 0100",
    "website": "www.northwind.example",
    "registration": "VAT NL123456789B01",
    "default_currency": "EUR",
    "default_tax_rate": Decimal("21.00"),
}
DEMO_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 44 44">'
    b'<rect width="44" height="44" rx="8" fill="#1f4e79"/>'
    b'<path d="M11 33V11l22 22V11" stroke="#fff" stroke-width="5" fill="none"/></svg>'
)
DATE_WINDOW = (datetime.date(2026, 1, 5), datetime.date(2026, 12, 18))


@dataclass(frozen=True)
class DemoSubmission:
    number: int
    slug: str
    status: str
    source: str
    reference: str
    customer: dict[str, str]
    answers: dict[str, Any]
    discount: bool


# --- answers -----------------------------------------------------------------------------------


def _text(field: dict[str, Any], faker: Any) -> str:
    key = field["key"]
    if "site" in key or "url" in key:
        text = faker.url()
    elif "person" in key or "name" in key:
        text = faker.name()
    elif field["type"] == "textarea":
        text = faker.paragraph(nb_sentences=3)
    else:
        text = faker.sentence(nb_words=5)
    return text[: field.get("max_length", 500)].strip()


def _integer(field: dict[str, Any], faker: Any) -> int:
    low = math.ceil(field.get("min", 0))
    return faker.random_int(low, math.floor(field.get("max", low + 20)))


def _number(field: dict[str, Any], faker: Any) -> str:
    low, high = field.get("min", 0), field.get("max", field.get("min", 0) + 100)
    if high - low > 100:  # large quantities are whole numbers
        return str(faker.random_int(math.ceil(low), math.floor(min(high, low + 1500))))
    return str(Decimal(faker.random_int(math.ceil(low * 10), math.floor(high * 10))) / 10)


def _money(field: dict[str, Any], faker: Any) -> str:
    low, high = field.get("min", 0), field.get("max", field.get("min", 0) + 10000)
    return f"{faker.random_int(math.ceil(low / 100), math.floor(high / 100)) * 100}.00"


def _date(field: dict[str, Any], faker: Any) -> str:
    start = datetime.date.fromisoformat(field.get("min_date", DATE_WINDOW[0].isoformat()))
    default_end = max(DATE_WINDOW[1], start + datetime.timedelta(days=180))
    end = datetime.date.fromisoformat(field.get("max_date", default_end.isoformat()))
    return faker.date_between_dates(date_start=start, date_end=end).isoformat()


def _multi_choice(field: dict[str, Any], faker: Any) -> list[str]:
    values = [option["value"] for option in field["options"]]
    low = max(field.get("min_choices", 0), 1)
    count = faker.random_int(low, min(field.get("max_choices", len(values)), len(values)))
    return list(faker.random_sample(values, length=count))


ANSWER_MAKERS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "text": _text,
    "textarea": _text,
    "email": lambda field, faker: faker.safe_email(),
    "phone": lambda field, faker: faker.numerify("+31 6 ## ## ## ##"),
    "integer": _integer,
    "number": _number,
    "money": _money,
    "boolean": lambda field, faker: faker.boolean(chance_of_getting_true=40),
    "date": _date,
    "choice": lambda field, faker: faker.random_element([o["value"] for o in field["options"]]),
    "multi_choice": _multi_choice,
}


def fake_answers(schema: dict[str, Any], faker: Any) -> dict[str, Any]:
    """Valid answers to every required field and to most optional ones, within their limits."""
    answers = {}
    for key, spec in fields(schema).items():
        if spec.get("required") or faker.boolean(chance_of_getting_true=80):
            answers[key] = ANSWER_MAKERS[spec["type"]](spec, faker)
    return answers


# --- the plan ----------------------------------------------------------------------------------


def _statuses() -> list[str]:
    statuses = [status for status, count in STATUS_COUNTS for _ in range(count)]
    assert len(statuses) == SUBMISSIONS
    return [statuses[(index * 7) % SUBMISSIONS] for index in range(SUBMISSIONS)]  # interleaved


def plan_submissions(faker: Any) -> list[DemoSubmission]:
    """The demo submissions, drawn from the faker in a fixed order (no database access)."""
    plans = []
    for number, status in enumerate(_statuses(), start=1):
        spec = DEMO_FORMS[number % len(DEMO_FORMS)]
        first, last = faker.first_name(), faker.last_name()
        customer = {
            "name": f"{first} {last}",
            "email": re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
            + f"@{faker.free_email_domain()}",
            "phone": faker.numerify("+31 6 ########"),
            "company": faker.company(),
            "address": faker.address(),
        }
        answers = fake_answers(spec["schema"], faker)
        source, reference = Submission.Source.API, f"demo-{number}"
        if number % 9 == 4:
            source, reference = Submission.Source.MONDAY, faker.numerify("18########")
        elif number % 4 == 1:
            source = Submission.Source.PUBLIC
        plans.append(
            DemoSubmission(
                number=number,
                slug=spec["slug"],
                status=status,
                source=source,
                reference=reference,
                customer=customer,
                answers=answers,
                discount=status in QUOTED and number % 6 == 0,
            )
        )
    return plans


# --- writing -----------------------------------------------------------------------------------


@contextmanager
def _revision(user: Any) -> Iterator[None]:
    """One revision per form and per submission with its quote, so each can be reverted
    without reverting the rest of the demo data."""
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment("Demo data.")
        yield


def _ensure_forms(owners: dict[str, Any], author: Any) -> tuple[dict[str, Form], int]:
    forms, created = {}, 0
    for spec in DEMO_FORMS:
        form = Form.objects.filter(slug=spec["slug"]).first()
        if form is None:
            details = {name: value for name, value in spec.items() if name != "owner"}
            with _revision(author):
                form = Form(**details, owner=owners[spec["owner"]], published=True)
                services.save_form(form)
            created += 1
        forms[spec["slug"]] = form
    return forms, created


def _discounted_lines(quote: Quote) -> list[dict[str, Any]]:
    names = ("description", "quantity", "unit", "unit_price", "tax_rate", "source_key")
    return [
        {**{name: getattr(line, name) for name in names}, "discount_percent": DISCOUNT}
        for line in quote.lines.all()
    ]


def _write(plan: DemoSubmission, form: Form) -> Quote | None:
    submission = services.create_submission(
        form,
        answers=plan.answers,
        customer=plan.customer,
        status=Status.DRAFT if plan.status == Status.DRAFT else Status.SUBMITTED,
        source=plan.source,
        owner=form.owner,
        external_reference=plan.reference,
    )
    if plan.status not in QUOTED:
        return None
    quote = services.build_quote(submission)
    for status in AFTER_QUOTED[plan.status]:
        services.change_status(submission, status)
    changes: dict[str, Any] = {"status": QUOTE_STATUS[plan.status]}
    if plan.discount:
        changes.update(lines=_discounted_lines(quote), notes=f"Loyalty discount of {DISCOUNT}%.")
    quote = services.update_quote(quote, **changes)
    if plan.status in ANSWERS:
        recorded_answers.record_answer(
            quote,
            decision=ANSWERS[plan.status],
            signer_name=f"{quote.customer_name or 'The customer'} by phone",
            note="Demo data.",
            recorded_by=form.owner,
        )
    return quote


def _ensure_company() -> None:
    """Fill the company profile for the demo PDFs; a profile someone filled in is kept."""
    profile = company.get_profile()
    if profile is not None and profile.name:
        return
    logo = ContentFile(DEMO_LOGO, name="northwind-logo.svg")
    company.update_profile(**DEMO_COMPANY, logo=logo)


def seed_demo(*, faker: Any, users: Any, log: Callable[[str], None]) -> None:
    _ensure_company()
    owners = {"admin": users.admin, "rep0": users.reps[0], "rep1": users.reps[1]}
    plans = plan_submissions(faker)
    forms, new_forms = _ensure_forms(owners, users.admin)
    new_submissions = new_quotes = 0
    for plan in plans:
        form = forms[plan.slug]
        if Submission.objects.filter(form=form, external_reference=plan.reference).exists():
            continue
        with _revision(users.admin):
            quote = _write(plan, form)
        new_submissions += 1
        new_quotes += quote is not None
    log(
        f"betterform: {len(forms)} demo forms ({new_forms} new), {len(plans)} submissions "
        f"({new_submissions} new), {sum(p.status in QUOTED for p in plans)} quotes "
        f"({new_quotes} new)."
    )
