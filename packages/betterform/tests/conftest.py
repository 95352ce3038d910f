"""Fixtures for betterform's tests: users and API clients for each kind of caller, a kitchen
quote form whose pricing touches every priced field type, and factories for forms and
submissions.

- ``staff``, ``rep``, ``other_rep``: users (``staff`` is ``is_staff``; reps are not).
- ``staff_client``, ``rep_client``, ``other_client``: ``APIClient``s logged in as them.
- ``api_key_client``: an ``APIClient`` sending ``Authorization: Api-Key <key>`` for a key named
  ``erp`` (the key object is ``api_key_client.api_key``).
- ``anon_client``: an ``APIClient`` with no credentials.
- ``kitchen_schema``: a fresh schema dict (number/choice/multi_choice/boolean pricing, a tax
  rate and fixed fees); ``kitchen_answers``: complete, valid answers to it.
- ``form(**fields)``: a saved ``Form`` (through ``services.save_form``, so it has version 1);
  defaults: kitchen schema, unique name/slug, unpublished, no owner.
- ``submission(form=None, **kwargs)``: a ``Submission`` made by ``services.create_submission``
  (defaults: a new form with the same owner, ``kitchen_answers``, a customer).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from betterform import services
from betterform.models import Form, Submission

KITCHEN_SCHEMA: dict[str, Any] = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Kitchen area",
                    "type": "number",
                    "required": True,
                    "min": 1,
                    "max": 200,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "required": True,
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
                {
                    "key": "extras",
                    "label": "Extras",
                    "type": "multi_choice",
                    "options": [
                        {"value": "island", "label": "Island", "price": "1800.00"},
                        {"value": "lighting", "label": "Lighting", "price": "450.00"},
                        {"value": "plinth", "label": "Plinth"},
                    ],
                },
                {
                    "key": "removal",
                    "label": "Remove the old kitchen",
                    "type": "boolean",
                    "pricing": {"price": "300.00", "tax_rate": "9"},
                },
            ],
        },
        {
            "title": "Contact",
            "fields": [
                {"key": "notes", "label": "Notes", "type": "textarea"},
                {"key": "contact_email", "label": "Email", "type": "email"},
            ],
        },
    ],
    "pricing": {
        "currency": "EUR",
        "tax_rate": "21",
        "fixed_fees": [{"description": "Site visit", "amount": "150.00"}],
    },
}
KITCHEN_ANSWERS: dict[str, Any] = {
    "area": 12,
    "finish": "premium",
    "extras": ["island", "lighting"],
    "removal": True,
    "notes": "Ground floor.",
    "contact_email": "ada@example.com",
}
CUSTOMER: dict[str, str] = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0000",
    "company": "Analytical Ltd",
    "address": "12 Example Street, London",
}
_counter = itertools.count(1)


def _user(username: str, *, is_staff: bool = False) -> Any:
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password="pw", is_staff=is_staff
    )


@pytest.fixture
def staff(db: None) -> Any:
    return _user("staff", is_staff=True)


@pytest.fixture
def rep(db: None) -> Any:
    return _user("rep")


@pytest.fixture
def other_rep(db: None) -> Any:
    return _user("other_rep")


def _logged_in(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_client(staff: Any) -> APIClient:
    return _logged_in(staff)


@pytest.fixture
def rep_client(rep: Any) -> APIClient:
    return _logged_in(rep)


@pytest.fixture
def other_client(other_rep: Any) -> APIClient:
    return _logged_in(other_rep)


@pytest.fixture
def api_key_client(db: None) -> APIClient:
    api_key, key = APIKey.objects.create_key(name="erp")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.api_key = api_key  # type: ignore[attr-defined]
    return client


@pytest.fixture
def anon_client(db: None) -> APIClient:
    return APIClient()


@pytest.fixture
def kitchen_schema() -> dict[str, Any]:
    return copy.deepcopy(KITCHEN_SCHEMA)


@pytest.fixture
def kitchen_answers() -> dict[str, Any]:
    return copy.deepcopy(KITCHEN_ANSWERS)


@pytest.fixture
def customer() -> dict[str, str]:
    return dict(CUSTOMER)


@pytest.fixture
def form(db: None) -> Callable[..., Form]:
    """Factory: ``form(owner=rep, published=True, name=..., schema=...)``."""

    def make(**fields: Any) -> Form:
        number = next(_counter)
        fields.setdefault("name", f"Kitchen {number}")
        fields.setdefault("slug", f"kitchen-{number}")
        fields.setdefault("schema", copy.deepcopy(KITCHEN_SCHEMA))
        return services.save_form(Form(**fields))

    return make


@pytest.fixture
def submission(form: Callable[..., Form]) -> Callable[..., Submission]:
    """Factory: ``submission(form=None, owner=None, answers=..., customer=..., status=...)``.

    Without ``form`` a new form owned by ``owner`` is made."""

    def make(form_: Form | None = None, **kwargs: Any) -> Submission:
        target = kwargs.pop("form", None) or form_ or form(owner=kwargs.get("owner"))
        kwargs.setdefault("answers", copy.deepcopy(KITCHEN_ANSWERS))
        kwargs.setdefault("customer", dict(CUSTOMER))
        return services.create_submission(target, **kwargs)

    return make


@pytest.fixture
def throttle_rates(settings):
    """Set the site's throttle rates for one test: ``throttle_rates(public_submit="2/minute")``."""

    def set_rates(**rates: str | None) -> None:
        # Over the site's rates, not instead of them: a view also throttled by another
        # scope ("user", "anon") would find no rate for it. None removes a scope's rate.
        merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {k: v for k, v in merged.items() if v is not None},
        }

    return set_rates


def posted_form(response: Any) -> dict[str, Any]:
    """An admin change or add page's form and inline formsets as a browser posts them back."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data: dict[str, Any] = {}
    for bound_form in forms:
        for bound in bound_form:
            value = bound.value()
            if value is True:
                data[bound.html_name] = "on"
            elif value is not None and value is not False:
                data[bound.html_name] = value
    return data


ADMIN_LINE = {"description": "Cabinets", "quantity": "2", "unit_price": "1250.00", "tax_rate": "21"}


def admin_quote(**fields: Any) -> Any:
    """A quote of one line for Ada Lovelace (e-mail set), made as the admin makes one: in a
    revision."""
    import reversion

    from betterform import services

    fields.setdefault("title", "Kitchen")
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("customer_email", "ada@example.com")
    with reversion.create_revision():
        return services.create_quote(lines=[dict(ADMIN_LINE)], **fields)


def quote_change_url(quote: Any) -> str:
    from django.urls import reverse

    return reverse("admin:betterform_quote_change", args=[quote.pk])


def admin_messages(response: Any) -> list[str]:
    """The messages the admin showed on ``response``'s page."""
    return [str(message) for message in response.context["messages"]]
