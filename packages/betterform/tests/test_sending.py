"""Sending a quote by e-mail (``betterform.sending``): the e-mail as the customer gets it (locmem
outbox, the PDF parsed), what is recorded, the refusals, and a real SMTP failure."""

from __future__ import annotations

import datetime
import email as email_parser
import hashlib
import io
import socket
from decimal import Decimal as D
from typing import Any

import pypdf
import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from betterform import services
from betterform.answering import current_pdf
from betterform.company import update_profile
from betterform.documents import request_quote_pdf
from betterform.models import CompanyProfile, Quote, QuoteAnswer, QuoteEmail, Submission
from betterform.sending import SendError, customer_url, send_quote, send_reminder
from betterform.signals import quote_sent
from createpdf.models import Document, DocumentTemplate

LINES = [
    {"description": "Cabinets", "quantity": D("2"), "unit_price": D("1250"), "tax_rate": D("21")},
    {"description": "Fitting", "quantity": D("7.5"), "unit_price": D("45"), "tax_rate": D("9")},
]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    """Each test its own media: parallel test processes number their documents alike, and
    a shared folder would let one overwrite another's PDF of the same name."""
    settings.MEDIA_ROOT = tmp_path


def make_quote(owner: Any, **fields: Any) -> Quote:
    fields.setdefault("customer_name", "Ada Lovelace")
    fields.setdefault("customer_email", "ada@example.com")
    fields.setdefault("title", "Kitchen renovation")
    return services.create_quote(owner=owner, lines=fields.pop("lines", LINES), **fields)


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def named_rep(rep: Any) -> Any:
    rep.first_name, rep.last_name = "Grace", "Hopper"
    rep.save()
    return rep


@pytest.fixture
def sent_signals() -> Any:
    received: list[dict[str, Any]] = []

    def receive(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    quote_sent.connect(receive)
    yield received
    quote_sent.disconnect(receive)


def test_the_customer_gets_the_pdf_the_link_and_the_message(named_rep):
    quote = make_quote(named_rep)
    record = send_quote(quote, message="Hello Ada,\nas promised.", sent_by=named_rep)

    [sent] = mail.outbox
    assert sent.subject == f"Quote {quote.number} from Your Company"
    assert sent.from_email == "Your Company <quotes@example.com>"
    assert sent.to == ["Ada Lovelace <ada@example.com>"]
    assert sent.reply_to == ["Grace Hopper <rep@example.com>"]
    link = customer_url(quote)
    assert link == f"http://localhost:8000/q/{quote.customer_token}/"
    assert link in sent.body and "Hello Ada,\nas promised." in sent.body
    assert "EUR 3,392.88" in sent.body  # 2,500 + 21 % and 337.50 + 9 %
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html" and f'href="{link}"' in html
    assert "Hello Ada,<br>as promised." in html
    [(filename, content, attached_type)] = sent.attachments
    assert (filename, attached_type) == (f"Quote-{quote.number}.pdf", "application/pdf")
    assert quote.number in pdf_text(content) and "Cabinets" in pdf_text(content)

    assert record.kind == QuoteEmail.Kind.QUOTE and record.to_email == "ada@example.com"
    assert record.subject == sent.subject and record.message == "Hello Ada,\nas promised."
    assert record.sent_by == named_rep
    assert record.document_sha256 == hashlib.sha256(content).hexdigest()
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.sent_at == record.sent_at


def test_the_html_body_escapes_what_the_rep_and_the_customer_wrote(rep):
    quote = make_quote(rep, customer_name="<b>Ada</b>")
    send_quote(quote, message="<script>alert(1)</script> & more")
    [sent] = mail.outbox
    html = sent.alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "Dear &lt;b&gt;Ada&lt;/b&gt;" in html
    assert "<script>alert(1)</script> & more" in sent.body  # plain text stays as written


def test_the_sender_is_the_company_profile_then_the_setting_then_the_default(rep):
    update_profile(name="Acme & Sons", email="hello@acme.test")
    send_quote(make_quote(rep))
    assert mail.outbox[-1].from_email == "Acme & Sons <hello@acme.test>"
    assert mail.outbox[-1].subject.endswith(" from Acme & Sons")

    with override_settings(BETTERFORM_QUOTE_FROM_EMAIL="quotes@acme.test"):
        send_quote(make_quote(rep))
    assert mail.outbox[-1].from_email == "Acme & Sons <quotes@acme.test>"

    update_profile(email="")
    with override_settings(DEFAULT_FROM_EMAIL="Site <noreply@site.test>"):
        send_quote(make_quote(rep))
    assert mail.outbox[-1].from_email == "Acme & Sons <noreply@site.test>"


def test_line_breaks_in_names_never_make_headers(rep):
    # Stored directly: the point is that whatever a name holds never starts a header.
    CompanyProfile.objects.create(name="Evil\r\nBcc: victim@evil.test", email="q@acme.test")
    rep.first_name = "Grace\nCc: other@evil.test"
    rep.save()
    quote = make_quote(rep, customer_name="Ada\r\nBcc: victim@evil.test")
    send_quote(quote, sent_by=rep)

    [sent] = mail.outbox
    parsed = email_parser.message_from_bytes(sent.message().as_bytes())
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert parsed.get_all("To") == ['"Ada Bcc: victim@evil.test" <ada@example.com>']
    assert parsed.get_all("Reply-To") == ['"Grace Cc: other@evil.test" <rep@example.com>']
    assert parsed.get_all("From") == ['"Evil Bcc: victim@evil.test" <q@acme.test>']
    assert "\n" not in sent.subject and sent.subject.endswith("from Evil Bcc: victim@evil.test")


def test_a_submission_quoted_moves_to_sent(rep, submission):
    quote = services.build_quote(submission(owner=rep))
    assert quote.submission.status == Submission.Status.QUOTED
    send_quote(quote)
    quote.submission.refresh_from_db()
    assert quote.submission.status == Submission.Status.SENT


def test_quote_sent_is_announced_once_after_the_commit(
    rep, sent_signals, django_capture_on_commit_callbacks
):
    quote = make_quote(rep)
    with django_capture_on_commit_callbacks() as callbacks:
        record = send_quote(quote)
    assert sent_signals == []  # nothing before the commit
    for callback in callbacks:
        callback()
    [signal] = sent_signals
    assert signal["quote"].pk == quote.pk and signal["email"] == record
    assert signal["quote"].status == Quote.Status.SENT


def test_sending_again_sends_the_current_version(rep):
    quote = make_quote(rep)
    first = send_quote(quote)
    again = send_quote(quote)  # unchanged: the same PDF, not rendered again
    assert again.document_id == first.document_id
    assert Document.objects.filter(source_id=str(quote.pk)).count() == 1
    # The quote page (``answering.current_pdf``) offers the very PDF the e-mail carried.
    quote.refresh_from_db()
    assert request_quote_pdf(quote)[0].pk == first.document_id

    services.update_quote(quote, lines=[*LINES, {"description": "Worktop", "quantity": D("1"),
                                                 "unit_price": D("899.99")}])  # fmt: skip
    changed = send_quote(quote)
    assert changed.document_id != first.document_id
    assert "Worktop" in pdf_text(mail.outbox[-1].attachments[0][1])
    assert "Worktop" not in pdf_text(mail.outbox[0].attachments[0][1])
    quote.refresh_from_db()
    assert quote.status == Quote.Status.SENT and quote.emails.count() == 3


def assert_nothing_sent(quote: Quote, status: str = Quote.Status.DRAFT) -> None:
    assert mail.outbox == []
    assert not QuoteEmail.objects.filter(quote=quote).exists()
    quote.refresh_from_db()
    assert quote.status == status and quote.sent_at is None


def test_no_customer_email_is_refused_with_what_to_do(rep):
    quote = make_quote(rep, customer_email="")
    with pytest.raises(SendError, match="add the customer's e-mail first"):
        send_quote(quote)
    assert_nothing_sent(quote)


@pytest.mark.parametrize(
    ("status", "said"),
    [("accepted", "was accepted"), ("rejected", "was declined"), ("expired", "expired")],
)
def test_a_locked_quote_is_refused(rep, status, said):
    quote = make_quote(rep)
    Quote.objects.filter(pk=quote.pk).update(status=status)
    with pytest.raises(SendError, match=said) as refused:
        send_quote(quote)
    assert "new version" in str(refused.value)
    assert_nothing_sent(quote, status)


def test_an_answered_quote_is_never_sent_again(rep):
    quote = make_quote(rep)
    QuoteAnswer.objects.create(quote=quote, decision="declined", answered_at=timezone.now())
    with pytest.raises(SendError, match="answered by the customer and is never sent again"):
        send_quote(quote)
    assert_nothing_sent(quote)


def test_a_quote_past_its_validity_is_refused(rep):
    quote = make_quote(rep, valid_until=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(SendError, match="set a later valid_until"):
        send_quote(quote)
    assert_nothing_sent(quote)


def test_a_pdf_that_fails_to_render_is_refused(rep):
    DocumentTemplate.objects.create(slug="quote", name="Broken", html="{{ no_such_name.x }}")
    quote = make_quote(rep)
    with pytest.raises(SendError, match="could not be rendered") as refused:
        send_quote(quote)
    assert "send it again" in str(refused.value)
    assert_nothing_sent(quote)


@override_settings(BETTERFORM_SEND_PDF_WAIT_SECONDS=0.5)
def test_a_pdf_not_ready_in_time_is_refused(rep):
    quote = make_quote(rep)
    document = current_pdf(quote)
    # Another worker renders it and holds a live lease: sending waits, then gives up.
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.RENDERING,
        leased_by="another-worker",
        lease_expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    with pytest.raises(SendError, match=r"not ready after 0\.5 seconds"):
        send_quote(quote)
    assert_nothing_sent(quote)


def test_a_message_too_long_is_refused(rep):
    quote = make_quote(rep)
    with pytest.raises(SendError, match="at most 5000"):
        send_quote(quote, message="x" * 5001)
    assert_nothing_sent(quote)


def test_an_unreachable_mail_server_records_nothing(
    rep, sent_signals, django_capture_on_commit_callbacks
):
    quote = make_quote(rep)
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": closed_port(), "EMAIL_TIMEOUT": 5}  # fmt: skip
    with (
        django_capture_on_commit_callbacks(execute=True),
        override_settings(**smtp),
        pytest.raises(SendError, match="could not be sent") as refused,
    ):
        send_quote(quote)
    assert "Nothing was recorded as sent" in str(refused.value)
    assert_nothing_sent(quote)
    assert sent_signals == []


def test_a_reminder_is_sent_once_with_the_link(named_rep):
    quote = make_quote(named_rep)
    send_quote(quote)
    record = send_reminder(quote)

    reminder = mail.outbox[-1]
    assert reminder.subject.startswith(f"Reminder: quote {quote.number} from Your Company")
    assert customer_url(quote) in reminder.body and reminder.attachments == []
    assert reminder.reply_to == ["Grace Hopper <rep@example.com>"]
    assert record.kind == QuoteEmail.Kind.REMINDER and record.document is None
    quote.refresh_from_db()
    assert quote.reminded_at == record.sent_at
    with pytest.raises(SendError, match="already reminded"):
        send_reminder(quote)
    assert len(mail.outbox) == 2


def test_a_draft_is_not_reminded_of(rep):
    with pytest.raises(SendError, match="has not been sent yet"):
        send_reminder(make_quote(rep))
    assert mail.outbox == []
