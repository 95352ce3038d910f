"""The public form page (``/f/<public token>/``): a published form as an accessible HTML form;
posting it makes the submission as the JSON endpoint does (same service, checks, throttle)
and shows the priced quote or a thank-you page."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from betterform.models import Quote, Submission

pytestmark = pytest.mark.django_db

EVERY_TYPE: dict[str, Any] = {
    "sections": [
        {
            "title": "Your project",
            "description": "Tell us what you need.",
            "fields": [
                {
                    "key": "title",
                    "label": "Project name",
                    "type": "text",
                    "required": True,
                    "max_length": 80,
                    "help_text": "A short name for it.",
                },
                {"key": "brief", "label": "Brief", "type": "textarea", "max_length": 2000},
                {"key": "contact", "label": "Contact email", "type": "email"},
                {"key": "mobile", "label": "Mobile", "type": "phone"},
                {"key": "rooms", "label": "Rooms", "type": "integer", "min": 1, "max": 12},
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "min": 0.5,
                    "max": 500,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {"key": "budget", "label": "Budget", "type": "money", "min": 0},
                {
                    "key": "rush",
                    "label": "Rush job",
                    "type": "boolean",
                    "pricing": {"price": "300.00"},
                },
                {
                    "key": "terms",
                    "label": "I agree to be contacted",
                    "type": "boolean",
                    "required": True,
                },
                {
                    "key": "start",
                    "label": "Start date",
                    "type": "date",
                    "min_date": "2030-01-01",
                    "max_date": "2030-12-31",
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
                    "min_choices": 1,
                    "max_choices": 2,
                    "options": [
                        {"value": "island", "label": "Island", "price": "1800"},
                        {"value": "lighting", "label": "Lighting"},
                        {"value": "plinth", "label": "Plinth"},
                    ],
                },
            ],
        }
    ],
    "pricing": {"currency": "EUR", "tax_rate": "21"},
}
VALID_POST = {
    "answer-title": "Kitchen",
    "answer-rooms": "3",
    "answer-area": "12.5",
    "answer-budget": "9000.50",
    "answer-rush": "on",
    "answer-terms": "on",
    "answer-start": "2030-05-01",
    "answer-finish": "premium",
    "answer-extras": ["island", "lighting"],
    "customer-name": "Ada Lovelace",
    "customer-email": "ada@example.com",
    "customer-phone": "+44 20 7946 0000",
    "customer-company": "Analytical Ltd",
}


class Elements(HTMLParser):
    """Every element's attributes, and the text of each label by its ``for``."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.labels: dict[str, str] = {}
        self._label: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "label":
            self._label = dict(attrs).get("for") or ""
            self.labels[self._label] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data

    def by_id(self, element_id: str) -> dict[str, str | None]:
        return next(attrs for _, attrs in self.elements if attrs.get("id") == element_id)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag]


def page_url(form: Any) -> str:
    return reverse("betterform_customer:form", args=[form.public_token])


@pytest.fixture
def published(form, rep):
    return form(
        owner=rep,
        published=True,
        name="Kitchen survey",
        schema=EVERY_TYPE,
        description="A few questions",
    )


# --- showing the form --------------------------------------------------------------------------


def test_every_field_type_is_an_input_with_its_label(client, published):
    response = client.get(page_url(published))

    assert response.status_code == 200
    html = response.content.decode()
    page = Elements(html)
    expected = {
        "answer-title": ("input", "text"),
        "answer-brief": ("textarea", None),
        "answer-contact": ("input", "email"),
        "answer-mobile": ("input", "tel"),
        "answer-rooms": ("input", "number"),
        "answer-area": ("input", "number"),
        "answer-budget": ("input", "number"),
        "answer-rush": ("input", "checkbox"),
        "answer-terms": ("input", "checkbox"),
        "answer-start": ("input", "date"),
        "answer-finish-0": ("input", "radio"),
        "answer-extras-0": ("input", "checkbox"),
        "customer-name": ("input", "text"),
        "customer-email": ("input", "email"),
        "customer-phone": ("input", "tel"),
        "customer-company": ("input", "text"),
        "customer-address": ("textarea", None),
    }
    tags = {attrs.get("id"): tag for tag, attrs in page.elements}
    for element_id, (tag, input_type) in expected.items():
        assert tags[element_id] == tag, element_id
        assert page.by_id(element_id).get("type") == input_type, element_id
        assert page.labels.get(element_id, "").strip(), f"no label for {element_id}"
    assert "Project name" in page.labels["answer-title"]
    assert "Premium" in page.labels["answer-finish-1"]
    assert "2,500.00 EUR" in page.labels["answer-finish-1"]  # an option's price
    assert 'lang="en-us"' in html


def test_limits_are_attributes_and_words(client, published):
    html = client.get(page_url(published)).content.decode()
    page = Elements(html)

    assert page.by_id("answer-title")["maxlength"] == "80"
    assert (page.by_id("answer-rooms")["min"], page.by_id("answer-rooms")["max"]) == ("1", "12")
    assert page.by_id("answer-rooms")["step"] == "1"
    assert page.by_id("answer-budget")["step"] == "0.01"
    assert page.by_id("answer-area")["min"] == "0.5"
    assert (page.by_id("answer-start")["min"], page.by_id("answer-start")["max"]) == (
        "2030-01-01",
        "2030-12-31",
    )
    assert "At most 80 characters." in html
    assert "A whole number. Between 1 and 12." in html
    assert "Between 0.5 and 500." in html
    assert "Between 1 January 2030 and 31 December 2030." in html
    assert "Choose 1 to 2." in html
    assert "85.00 EUR per m²" in html
    assert "300.00 EUR if ticked" in html


def test_required_fields_are_marked_and_help_is_tied_to_its_input(client, published):
    html = client.get(page_url(published)).content.decode()
    page = Elements(html)

    assert "(required)" in page.labels["answer-title"]
    assert "(required)" not in page.labels["answer-brief"]
    assert "required" in page.by_id("answer-title")
    assert "required" not in page.by_id("answer-brief")
    assert page.by_id("answer-title")["aria-describedby"] == "answer-title-hint"
    hint = html.split('id="answer-title-hint">', 1)[1].split("</p>", 1)[0]
    assert "A short name for it." in hint and "At most 80 characters." in hint
    assert "aria-invalid" not in page.by_id("answer-title")  # nothing is wrong yet


def test_choices_are_fieldsets_with_legends(client, published):
    html = client.get(page_url(published)).content.decode()

    assert html.count("<fieldset") == 2
    assert '<legend>Finish <span class="req">(required)</span></legend>' in html
    assert "<legend>Extras</legend>" in html


def test_a_long_choice_is_a_drop_down(client, form, rep):
    options = [{"value": f"o{i}", "label": f"Option {i}"} for i in range(10)]
    schema = {
        "sections": [
            {
                "title": "S",
                "fields": [
                    {"key": "pick", "label": "Pick one", "type": "choice", "options": options}
                ],
            }
        ]
    }
    published = form(owner=rep, published=True, schema=schema)

    page = Elements(client.get(page_url(published)).content.decode())

    assert page.by_id("answer-pick") in page.all("select")
    assert "Pick one" in page.labels["answer-pick"]
    assert len(page.all("option")) == 11  # "Choose…" and the ten


def test_the_page_is_a_csrf_protected_form(client, published):
    html = client.get(page_url(published)).content.decode()

    assert 'name="csrfmiddlewaretoken"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


@pytest.mark.parametrize("published_", [False, True])
def test_unpublished_or_unknown_forms_are_not_found(client, form, rep, published_):
    hidden = form(owner=rep, published=False)
    token = hidden.public_token if not published_ else "no-such-token"

    response = client.get(f"/f/{token}/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert hidden.name not in response.content.decode()


# --- posting -----------------------------------------------------------------------------------


def test_a_priced_form_makes_the_submission_and_shows_its_quote(client, published, rep):
    response = client.post(page_url(published), VALID_POST)

    submission = Submission.objects.get()
    quote = Quote.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("betterform_customer:quote", args=[quote.customer_token])
    assert (submission.source, submission.owner, submission.form) == ("public", rep, published)
    assert submission.status == "quoted"
    assert submission.answers == {
        "title": "Kitchen",
        "rooms": 3,
        "area": "12.5",
        "budget": "9000.50",
        "rush": True,
        "terms": True,
        "start": "2030-05-01",
        "finish": "premium",
        "extras": ["island", "lighting"],
    }
    assert (submission.customer_name, submission.customer_email) == (
        "Ada Lovelace",
        "ada@example.com",
    )
    assert (submission.customer_phone, submission.customer_company) == (
        "+44 20 7946 0000",
        "Analytical Ltd",
    )
    assert quote.submission == submission and quote.owner == rep
    assert sorted(line.source_key for line in quote.lines.all()) == [
        "area",
        "extras=island",
        "finish=premium",
        "rush",
    ]


def test_an_optional_box_left_unticked_is_no(client, published):
    client.post(page_url(published), {**VALID_POST, "answer-rush": ""})

    assert Submission.objects.get().answers["rush"] is False


def test_a_form_without_prices_thanks_the_customer(client, form, rep):
    schema = {
        "sections": [
            {
                "title": "S",
                "fields": [{"key": "note", "label": "Note", "type": "text", "required": True}],
            }
        ]
    }
    published = form(owner=rep, published=True, schema=schema, name="Callback request")

    response = client.post(page_url(published), {"answer-note": "Call me"})

    thanks = reverse("betterform_customer:form-thanks", args=[published.public_token])
    assert (response.status_code, response["Location"]) == (303, thanks)
    assert Submission.objects.get().answers == {"note": "Call me"}
    assert not Quote.objects.exists()
    page = client.get(thanks)
    assert page.status_code == 200
    assert "We have received your answers" in page.content.decode()


def test_answers_that_price_nothing_get_no_quote(client, form, rep):
    options = [
        {"value": "paint", "label": "Paint"},
        {"value": "tiles", "label": "Tiles", "price": "900.00"},
    ]
    schema = {
        "sections": [
            {
                "title": "S",
                "fields": [
                    {
                        "key": "wall",
                        "label": "Wall",
                        "type": "choice",
                        "required": True,
                        "options": options,
                    }
                ],
            }
        ]
    }
    published = form(owner=rep, published=True, schema=schema)

    unpriced = client.post(page_url(published), {"answer-wall": "paint"})
    priced = client.post(page_url(published), {"answer-wall": "tiles"})

    assert unpriced["Location"].endswith("/thanks/")  # nothing to price: the rep follows up
    assert priced["Location"].startswith("/q/")
    assert Quote.objects.get().lines.get().description == "Wall: Tiles"


def test_errors_are_next_to_their_fields_and_answers_are_kept(client, published):
    post = {
        **VALID_POST,
        "answer-title": "",
        "answer-rooms": "13",
        "answer-terms": "",
        "answer-extras": ["island", "lighting", "plinth"],
        "customer-email": "not-an-email",
    }

    response = client.post(page_url(published), post)

    assert response.status_code == 400
    assert not Submission.objects.exists()
    html = response.content.decode()
    page = Elements(html)
    rooms = page.by_id("answer-rooms")
    assert rooms["aria-invalid"] == "true"
    assert rooms["aria-describedby"] == "answer-rooms-hint answer-rooms-error"
    assert rooms["value"] == "13"  # kept
    assert page.by_id("answer-title")["aria-describedby"] == "answer-title-hint answer-title-error"
    assert page.by_id("answer-terms")["aria-invalid"] == "true"
    assert page.by_id("customer-email")["aria-invalid"] == "true"
    assert page.by_id("customer-email")["value"] == "not-an-email"
    assert page.by_id("customer-name")["value"] == "Ada Lovelace"
    assert "checked" in page.by_id("answer-finish-1")
    assert "checked" in page.by_id("answer-rush")
    assert "Must be at most 12" in html  # answers.clean_answers' message
    assert "This field is required" in html
    assert "Choose at most 2" in html
    assert "Enter a valid email address." in html  # the JSON endpoint's customer check
    # The summary at the top links to each field at fault.
    assert 'class="error-summary" role="alert"' in html
    for target in (
        "answer-title",
        "answer-rooms",
        "answer-terms",
        "answer-extras-0",
        "customer-email",
    ):
        assert f'href="#{target}"' in html
    assert "<title>Error: Kitchen survey</title>" in html


def test_a_wrong_type_is_refused_as_the_api_refuses_it(client, published):
    response = client.post(
        page_url(published), {**VALID_POST, "answer-rooms": "2.5", "answer-finish": "gold"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Must be a whole number" in html
    assert "Must be one of: basic, premium" in html


def test_posts_without_the_csrf_token_are_refused(published):
    client = Client(enforce_csrf_checks=True)

    response = client.post(page_url(published), VALID_POST)

    assert response.status_code == 403
    assert not Submission.objects.exists()


def test_a_post_with_the_csrf_token_from_the_page_passes(published):
    client = Client(enforce_csrf_checks=True)
    page = client.get(page_url(published))
    token = Elements(page.content.decode()).all("input")[0]["value"]

    response = client.post(page_url(published), {**VALID_POST, "csrfmiddlewaretoken": token})

    assert response.status_code == 303


# --- throttling: one budget with the JSON endpoint -----------------------------------------------


def test_the_page_and_the_api_share_the_public_submit_budget(
    client, published, throttle_rates, kitchen_answers
):
    throttle_rates(anon="100/minute", public_submit="2/minute")
    api = f"/api/public/forms/{published.public_token}/"

    first = client.post(
        api,
        {"answers": {"title": "A", "terms": True, "finish": "basic"}},
        content_type="application/json",
    )
    second = client.post(page_url(published), VALID_POST)
    third = client.post(page_url(published), VALID_POST)
    fourth = client.post(
        api,
        {"answers": {"title": "A", "terms": True, "finish": "basic"}},
        content_type="application/json",
    )

    assert [r.status_code for r in (first, second, third, fourth)] == [201, 303, 429, 429]
    assert int(third["Retry-After"]) >= 1
    assert Submission.objects.count() == 2
    page = Elements(third.content.decode())
    assert page.by_id("answer-title")["value"] == "Kitchen"  # the answers are kept
    assert "not sent" in third.content.decode()


def test_reading_the_form_does_not_spend_the_submit_budget(client, published, throttle_rates):
    throttle_rates(anon="100/minute", public_submit="1/minute")

    codes = {client.get(page_url(published)).status_code for _ in range(3)}

    assert codes == {200}
    assert client.post(page_url(published), VALID_POST).status_code == 303


def test_token_guessing_is_throttled_per_address(client, published, throttle_rates):
    throttle_rates(customer_pages="3/minute")

    codes = [client.get(f"/f/guess-{n}/").status_code for n in range(3)]
    blocked = client.get(page_url(published))

    assert codes == [404, 404, 404]
    assert blocked.status_code == 429
    assert "Too many requests" in blocked.content.decode()
    assert int(blocked["Retry-After"]) >= 1
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.get(page_url(published)).status_code == 200  # another address is not held up
