"""An answer a team member recorded (``recorded_answers.record_answer``: by phone or on paper)
as the customer's page and the admin show it: nobody signed, so there is no signed copy.

The quote page said "The signed copy is being prepared" forever, and ``/q/<token>/signed.pdf``
made a "signed copy" whose acceptance page certified a signature nobody gave. Now the page
says who recorded the answer, ``signed.pdf`` is the customer's 404, ``ensure_signed_copy``
refuses, and the admin's answer table shows who recorded it and their note instead of a
signed copy being rendered. Real database, real PDF renders."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.template.defaultfilters import date as date_filter
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from betterform import recorded_answers
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import SignedCopyError, ensure_signed_copy
from createpdf.models import Document

from .conftest import admin_quote, quote_change_url

pytestmark = pytest.mark.django_db

ANSWERED_AT = "j F Y \\a\\t H:i T"  # as quote_state.html prints it


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def recorder(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("rita", first_name="Rita", last_name="Rep")


def _recorded(recorder: Any, decision: str = "accepted", **fields: Any) -> QuoteAnswer:
    quote = admin_quote(status="sent")
    answer, created = recorded_answers.record_answer(
        quote,
        decision=decision,
        signer_name="Ada Lovelace by phone" if decision == "accepted" else "",
        note="Called at 10 <b>sharp</b>.",
        recorded_by=recorder,
        **fields,
    )
    assert created and answer.is_recorded
    return answer


def _url(quote: Quote, name: str = "quote") -> str:
    return reverse(f"betterform_customer:{name}", args=[quote.customer_token])


def _answered_on(answer: QuoteAnswer) -> str:
    return date_filter(timezone.localtime(answer.answered_at), ANSWERED_AT)


def test_the_quote_page_of_a_recorded_acceptance_says_who_recorded_it_and_offers_no_copy(
    client: Client, recorder: Any
) -> None:
    answer = _recorded(recorder)

    html = client.get(_url(answer.quote)).content.decode()

    assert (
        f"Accepted by <strong>Ada Lovelace by phone</strong> on {_answered_on(answer)}; "
        "recorded by Rita Rep." in html
    )
    assert "signed copy" not in html.lower()
    assert _url(answer.quote, "quote-signed-pdf") not in html
    assert "Called at 10" not in html, "the team's note is not the customer's"
    assert _url(answer.quote, "quote-pdf") in html  # the PDF they accepted


def test_the_quote_page_of_a_recorded_decline_says_who_recorded_it(
    client: Client, recorder: Any
) -> None:
    answer = _recorded(recorder, "declined", reason="Too dear.")

    html = client.get(_url(answer.quote)).content.decode()

    said = f"This quote was declined on {_answered_on(answer)}; recorded by Rita Rep."
    assert said in html and "Reason given: Too dear." in html
    assert "signed copy" not in html.lower()


def test_the_pdf_accepted_stays_downloadable(client: Client, recorder: Any) -> None:
    answer = _recorded(recorder)

    response = client.get(_url(answer.quote, "quote-pdf"))

    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == answer.shown_sha256


def test_a_recorded_acceptance_has_no_signed_pdf_only_the_customer_s_404(
    client: Client, recorder: Any
) -> None:
    answer = _recorded(recorder)
    documents = Document.objects.count()

    response = client.get(_url(answer.quote, "quote-signed-pdf"))
    unknown = client.get(_url(answer.quote, "quote-signed-pdf").replace("/q/", "/q/x", 1))

    assert response.status_code == unknown.status_code == 404
    assert response.content == unknown.content  # the same page as an unknown link's
    assert b"Page not found" in response.content
    assert Document.objects.count() == documents, "no copy was made"
    assert QuoteAnswer.objects.get(pk=answer.pk).signed_document is None


def test_ensure_signed_copy_refuses_a_recorded_acceptance(recorder: Any) -> None:
    answer = _recorded(recorder)
    documents = Document.objects.count()

    with pytest.raises(SignedCopyError, match="recorded by Rita Rep, not signed by the customer"):
        ensure_signed_copy(answer)

    assert Document.objects.count() == documents
    assert QuoteAnswer.objects.get(pk=answer.pk).signed_document is None


def test_the_admin_shows_who_recorded_an_acceptance_and_their_note_not_a_copy_being_rendered(
    admin_client: Client, recorder: Any
) -> None:
    answer = _recorded(recorder)

    page = admin_client.get(quote_change_url(answer.quote)).content.decode()

    assert "<th>Recorded by</th><td>Rita Rep</td>" in page
    assert "<th>Note</th><td>Called at 10 &lt;b&gt;sharp&lt;/b&gt;.</td>" in page
    assert "<th>Answered by</th><td>Ada Lovelace by phone</td>" in page
    assert "Being rendered" not in page
    assert "nobody signed the quote" in page
    assert "From address" not in page and "Browser" not in page


def test_the_admin_shows_who_recorded_a_decline_and_their_note(
    admin_client: Client, recorder: Any
) -> None:
    answer = _recorded(recorder, "declined", reason="Too dear.")

    page = admin_client.get(quote_change_url(answer.quote)).content.decode()

    assert "<th>Recorded by</th><td>Rita Rep</td>" in page
    assert "<th>Note</th><td>Called at 10 &lt;b&gt;sharp&lt;/b&gt;.</td>" in page
    assert "<th>Reason</th><td>Too dear.</td>" in page
    assert "Signed copy" not in page
