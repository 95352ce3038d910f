"""The admin on the customer's side (issues 16 and 18): a form's "Public URL" opens the HTML
form page; quotes are sent to customers from the list (a page to add a message, then one
message per quote); a quote's page shows its customer page, sending, views, the answer and the
e-mails; an accepted, declined or expired quote is read-only, as in the API, and is changed by
making a new version. Real database, real PDFs, Django's locmem outbox."""

from __future__ import annotations

from typing import Any

import pytest
import reversion
from django.core import mail
from django.urls import reverse
from reversion.models import Version

from betterform import answering, services
from betterform.admin_quote_actions import MAX_SENT_AT_ONCE
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import ensure_signed_copy

from .conftest import admin_messages, admin_quote, posted_form, quote_change_url

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/betterform/quote/"


def _run(client: Any, action: str, quotes: list[Quote], **data: Any) -> Any:
    """Post ``action`` from the list for ``quotes``, as the list's action bar does."""
    posted = {"action": action, "_selected_action": [q.pk for q in quotes], "index": 0, **data}
    return client.post(CHANGELIST, posted, follow=True)


def _confirm(client: Any, quotes: list[Quote], **data: Any) -> Any:
    """Post the "Send to customer" page's form (no ``index``: the page, not the list)."""
    posted = {"action": "send_to_customer", "_selected_action": [q.pk for q in quotes], **data}
    return client.post(CHANGELIST, {**posted, "send": "Send"}, follow=True)


def _accept(quote: Quote) -> QuoteAnswer:
    quote.refresh_from_db()  # as the quote page loads it (an admin action may have sent it)
    answer, created = answering.accept_quote(
        quote,
        signer_name="Ada Lovelace",
        consent=True,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0",
    )
    assert created
    return answer


# --- forms -----------------------------------------------------------------------------------


def test_a_forms_public_url_opens_the_html_form_page_not_the_json_api(admin_client, form):
    published = form(published=True)

    page = admin_client.get(reverse("admin:betterform_form_change", args=[published.pk]))

    html = page.content.decode()
    url = f"/f/{published.public_token}/"
    assert f'<a href="{url}" target="_blank" rel="noopener">{url}</a>' in html
    assert f"/api/public/forms/{published.public_token}/" not in html
    assert admin_client.get(url).status_code == 200  # the customer's page itself


# --- sending ---------------------------------------------------------------------------------


def test_send_to_customer_asks_for_a_message_first_and_sends_nothing_yet(admin_client):
    ada = admin_quote()
    nobody = admin_quote(customer_email="", customer_name="")

    page = _run(admin_client, "send_to_customer", [ada, nobody])

    assert page.status_code == 200
    assert page.templates[0].name == "admin/betterform/quote/send_to_customer.html"
    html = page.content.decode()
    assert "Ada Lovelace &lt;ada@example.com&gt;" in html
    assert "will not be sent: no customer e-mail" in html
    assert 'name="message"' in html and 'name="send"' in html
    assert mail.outbox == []


def test_sending_from_the_admin_emails_each_quote_and_says_what_happened_to_each(
    admin_client, admin_user
):
    ada = admin_quote()
    nobody = admin_quote(customer_email="", customer_name="")

    done = _confirm(admin_client, [ada, nobody], message="As discussed on the phone.")

    said = admin_messages(done)
    assert f"{ada.number} sent to ada@example.com." in said
    refused = next(text for text in said if text.startswith(f"{nobody.number} not sent: "))
    assert "has no customer e-mail" in refused
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["Ada Lovelace <ada@example.com>"]
    assert "As discussed on the phone." in email.body
    # the link starts with the host the admin was reached on
    assert f"http://testserver/q/{ada.customer_token}/" in email.body
    assert email.attachments[0][0] == f"Quote-{ada.number}.pdf"
    ada.refresh_from_db()
    assert ada.status == Quote.Status.SENT and ada.sent_at is not None
    record = ada.emails.get()
    assert (record.sent_by, record.message) == (admin_user, "As discussed on the phone.")
    nobody.refresh_from_db()
    assert nobody.status == Quote.Status.DRAFT and not nobody.emails.exists()


def test_a_message_too_long_is_refused_on_the_page_and_nothing_is_sent(admin_client):
    ada = admin_quote()

    page = _confirm(admin_client, [ada], message="x" * 5001)

    assert page.status_code == 200
    assert "at most 5000 characters" in page.content.decode()
    assert mail.outbox == []


def test_too_many_quotes_at_once_are_refused_with_the_limit(admin_client):
    quotes = [admin_quote() for _ in range(MAX_SENT_AT_ONCE + 1)]

    done = _run(admin_client, "send_to_customer", quotes)

    assert f"Send at most {MAX_SENT_AT_ONCE} quotes at once" in admin_messages(done)[0]
    assert mail.outbox == []


# --- the customer's side on the quote page ----------------------------------------------------


def test_a_quote_page_shows_its_customer_page_sending_views_and_emails(admin_client):
    ada = admin_quote()
    fresh = admin_client.get(quote_change_url(ada)).content.decode()
    assert f'href="/q/{ada.customer_token}/"' in fresh
    assert "it is not counted as a view" in fresh
    assert "Not sent yet" in fresh
    assert "Not opened yet." in fresh
    assert "Not answered yet." in fresh

    _confirm(admin_client, [ada], message="Here it is.")
    answering.record_view(ada)
    answering.record_view(ada)
    sent = admin_client.get(quote_change_url(ada)).content.decode()

    ada.refresh_from_db()
    assert "Opened 2 times: first " in sent
    assert 'class="betterform-quote-emails"' in sent
    email = ada.emails.get()
    assert email.subject in sent
    assert "Here it is." in sent
    pdf = reverse("admin:createpdf_document_change", args=[email.document_id])
    assert f'href="{pdf}"' in sent
    assert ada.view_count == 2  # the admin's page is not a view


def test_an_accepted_quote_shows_the_answer_with_the_hash_and_the_signed_copy(admin_client):
    ada = admin_quote()
    answer = _accept(ada)

    waiting = admin_client.get(quote_change_url(ada)).content.decode()
    assert "Being rendered" in waiting

    signed = ensure_signed_copy(answer)
    page = admin_client.get(quote_change_url(ada)).content.decode()

    answer.refresh_from_db()
    assert "Accepted" in page and "Ada Lovelace" in page
    assert "203.0.113.7" in page
    assert "Firefox/130.0" in page
    assert f"<code>{answer.shown_sha256}</code>" in page and len(answer.shown_sha256) == 64
    assert reverse("admin:createpdf_document_change", args=[signed.pk]) in page
    assert reverse("createpdf:document-download", args=[signed.pk]) in page
    assert reverse("admin:createpdf_document_change", args=[answer.shown_document_id]) in page


def test_a_declined_quote_shows_the_reason(admin_client):
    ada = admin_quote()
    answering.decline_quote(
        ada, reason="Too expensive <b>for us</b>", ip_address="198.51.100.2", user_agent="curl"
    )

    page = admin_client.get(quote_change_url(ada)).content.decode()

    assert "Declined" in page
    assert "Too expensive &lt;b&gt;for us&lt;/b&gt;" in page  # escaped


def test_the_customer_filter_and_column_follow_the_customer(admin_client):
    draft = admin_quote(title="Never sent")
    unopened = admin_quote(title="Sent only")
    viewed = admin_quote(title="Opened twice")
    accepted = admin_quote(title="Signed")
    _confirm(admin_client, [unopened, viewed, accepted])
    answering.record_view(viewed)
    answering.record_view(viewed)
    _accept(accepted)
    expected = {
        "not_sent": draft,
        "unopened": unopened,
        "viewed": viewed,
        "accepted": accepted,
    }

    for choice, quote in expected.items():
        listed = admin_client.get(f"{CHANGELIST}?customer={choice}").content.decode()
        others = [q for q in expected.values() if q != quote]
        assert quote.number in listed, choice
        assert not any(other.number in listed for other in others), choice
    everything = admin_client.get(CHANGELIST).content.decode()
    for shown in ("Not sent", "Sent, not opened", "Viewed \u00d72", "Accepted"):
        assert shown in everything


# --- locked quotes -----------------------------------------------------------------------------


def test_a_locked_quote_is_read_only_with_a_note_on_how_to_make_a_new_version(admin_client):
    ada = admin_quote()
    _accept(ada)

    page = admin_client.get(quote_change_url(ada))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html
    assert 'name="title"' not in html  # no inputs, lines included
    assert 'name="lines-0-description"' not in html
    assert f"Quote {ada.number} was accepted by Ada Lovelace" in html
    assert "Make a new version" in html
    assert f"{CHANGELIST}?q={ada.number}" in html
    delete = reverse("admin:betterform_quote_delete", args=[ada.pk])
    assert admin_client.get(delete).status_code == 403
    bulk = _run(admin_client, "delete_selected", [ada], post="yes")
    assert bulk.status_code == 200 and Quote.objects.filter(pk=ada.pk).exists()


def test_a_save_posted_after_the_customer_answered_changes_nothing_and_says_why(admin_client):
    ada = admin_quote()
    data = posted_form(admin_client.get(quote_change_url(ada)))
    _accept(ada)  # while the rep's form was open

    response = admin_client.post(
        quote_change_url(ada), {**data, "title": "Changed", "lines-0-quantity": "9"}, follow=True
    )

    assert response.redirect_chain[-1][0] == quote_change_url(ada)
    assert any("is locked" in text and "new version" in text for text in admin_messages(response))
    ada.refresh_from_db()
    assert ada.title == "Kitchen"
    assert [line.quantity for line in ada.lines.all()] == [2]


def test_the_forms_own_check_refuses_a_quote_locked_before_it_saves(admin_client):
    """The last door: the form's clean reads the stored status under the row lock."""
    from betterform.admin_quote_lock import QuoteAdminForm

    ada = admin_quote()
    Quote.objects.filter(pk=ada.pk).update(status=Quote.Status.EXPIRED)  # behind its back
    data = {"title": "Changed", "status": "draft", "currency": "EUR"}

    form = QuoteAdminForm(data, instance=ada)

    assert not form.is_valid()
    assert "is locked" in form.non_field_errors()[0]


def test_history_cannot_revert_a_locked_quote(admin_client):
    ada = admin_quote()
    with reversion.create_revision():
        services.update_quote(ada, title="Second title")
    first = Version.objects.get_for_object(ada).order_by("pk").first()
    Quote.objects.filter(pk=ada.pk).update(status=Quote.Status.EXPIRED)  # as expire_quotes

    url = reverse("admin:betterform_quote_revision", args=[ada.pk, first.pk])
    shown = admin_client.get(url, follow=True)
    posted = admin_client.post(url, _form_data_or_empty(shown), follow=True)

    assert any("has expired" in text or "expired on" in text for text in admin_messages(posted))
    ada.refresh_from_db()
    assert (ada.status, ada.title) == (Quote.Status.EXPIRED, "Second title")


def _form_data_or_empty(response: Any) -> dict[str, Any]:
    return posted_form(response) if response.context.get("adminform") else {}


def test_make_a_new_version_copies_a_locked_quote_as_a_draft_linked_both_ways(admin_client):
    ada = admin_quote()
    _accept(ada)

    done = _run(admin_client, "make_new_version", [ada])

    new = Quote.objects.get(previous_version=ada)
    assert f"Made 1 new version(s): {new.number} (from {ada.number})." in admin_messages(done)
    assert new.status == Quote.Status.DRAFT
    assert new.customer_token != ada.customer_token
    assert [line.description for line in new.lines.all()] == ["Cabinets"]
    old_page = admin_client.get(quote_change_url(ada)).content.decode()
    assert f'href="{quote_change_url(new)}"' in old_page
    new_page = admin_client.get(quote_change_url(new)).content.decode()
    assert f'href="{quote_change_url(ada)}"' in new_page
    assert 'name="_save"' in new_page  # the copy is editable


def test_a_locked_quote_is_not_sent_and_the_admin_says_why(admin_client):
    ada = admin_quote()
    _accept(ada)

    done = _confirm(admin_client, [ada])

    assert any(text.startswith(f"{ada.number} not sent: ") for text in admin_messages(done))
    assert mail.outbox == []


# --- the answers' own admin --------------------------------------------------------------------


def test_answers_are_view_only_in_the_admin(admin_client):
    answer = _accept(admin_quote())
    change = reverse("admin:betterform_quoteanswer_change", args=[answer.pk])

    page = admin_client.get(change)

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"signer_name": "Someone else"}).status_code == 403
    assert admin_client.get(reverse("admin:betterform_quoteanswer_add")).status_code == 403
    delete = reverse("admin:betterform_quoteanswer_delete", args=[answer.pk])
    assert admin_client.get(delete).status_code == 403
    answer.refresh_from_db()
    assert answer.signer_name == "Ada Lovelace"
    listed = admin_client.get(reverse("admin:betterform_quoteanswer_changelist"))
    assert answer.quote.number in listed.content.decode()
