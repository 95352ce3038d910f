"""The admin records an answer given by phone or on paper ("Record the customer's answer" on a
quote's page, ``admin_quote_answer``) through ``recorded_answers.record_answer``, and never sets a
quote's status to accepted, rejected or expired: its status select offers draft and sent.
Real database, real PDFs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from betterform.models import Quote, QuoteAnswer

from .conftest import admin_messages, admin_quote, posted_form, quote_change_url

pytestmark = pytest.mark.django_db
OFF = 'class="record-answer-off"'


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


def _record(quote: Quote) -> str:
    return reverse("admin:betterform_quote_record_answer", args=[quote.pk])


def test_the_status_select_offers_only_draft_and_sent(admin_client):
    ada = admin_quote(status="sent")
    for url in (quote_change_url(ada), reverse("admin:betterform_quote_add")):
        form = admin_client.get(url).context["adminform"].form
        assert [value for value, _ in form.fields["status"].choices] == ["draft", "sent"]
    data = posted_form(admin_client.get(quote_change_url(ada)))
    for status in ("accepted", "rejected", "expired"):
        refused = admin_client.post(quote_change_url(ada), {**data, "status": status})
        assert refused.status_code == 200 and refused.context["adminform"].form.errors["status"]
    assert Quote.objects.get(pk=ada.pk).status == "sent"


def test_the_button_leads_to_the_form_and_recording_goes_back_to_the_locked_quote(
    admin_client, admin_user
):
    ada = admin_quote(status="sent")
    page = admin_client.get(quote_change_url(ada)).content.decode()
    assert f'<a href="{_record(ada)}" class="record-answer">' in page and OFF not in page

    form = admin_client.get(_record(ada))
    assert form.templates[0].name == "admin/betterform/quote/record_answer.html"
    assert 'name="signer_name"' in form.content.decode()
    body = {"decision": "accepted", "signer_name": "Eva Jansen by phone", "note": "A call."}
    done = admin_client.post(_record(ada), body, follow=True)

    assert done.redirect_chain[-1][0] == quote_change_url(ada)
    answer = QuoteAnswer.objects.get(quote=ada)
    assert (answer.decision, answer.signer_name, answer.note) == (
        "accepted",
        "Eva Jansen by phone",
        "A call.",
    )
    assert answer.recorded_by == admin_user and len(answer.shown_sha256) == 64
    assert answer.shown_document.kept
    assert any("the answer recorded" in text for text in admin_messages(done))
    assert Quote.objects.get(pk=ada.pk).status == "accepted"
    revision = Version.objects.get_for_object(ada).first().revision
    assert revision.user == admin_user
    assert revision.comment == f"Accepted answer to {ada.number} recorded in the admin."
    page = admin_client.get(quote_change_url(ada)).content.decode()
    assert _record(ada) not in page, "answered: no button"


def test_a_decline_is_recorded_and_an_accept_without_a_name_is_refused(admin_client):
    ada = admin_quote(status="sent")
    refused = admin_client.post(_record(ada), {"decision": "accepted", "signer_name": ""})
    assert refused.status_code == 200
    assert "Say who accepted" in refused.context["form"].errors["signer_name"][0]
    assert not QuoteAnswer.objects.exists()
    body = {"decision": "declined", "reason": "Went with another firm."}
    admin_client.post(_record(ada), body)
    assert QuoteAnswer.objects.get(quote=ada).reason == "Went with another firm."
    assert Quote.objects.get(pk=ada.pk).status == "rejected"


def test_past_its_validity_the_button_is_off_and_a_post_records_nothing(admin_client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ada = admin_quote(status="sent", valid_until=yesterday)
    page = admin_client.get(quote_change_url(ada)).content.decode()
    assert OFF in page and "No answer can be recorded: it was valid until" in page
    body = {"decision": "accepted", "signer_name": "Eva Jansen by phone"}
    done = admin_client.post(_record(ada), body, follow=True)
    assert any("no answer can be recorded" in text for text in admin_messages(done))
    assert not QuoteAnswer.objects.exists()


def test_recording_needs_the_permission_to_change_quotes(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_quote"))
    client.force_login(viewer)
    ada = admin_quote(status="sent")
    body = {"decision": "accepted", "signer_name": "Eva Jansen by phone"}
    assert client.post(_record(ada), body).status_code == 403
    assert _record(ada) not in client.get(quote_change_url(ada)).content.decode()
    assert not QuoteAnswer.objects.exists()
