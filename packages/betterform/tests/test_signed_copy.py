"""The signed copy of an accepted quote (``betterform.signed_copy``): the PDF the customer was
shown, byte for byte, with an acceptance page naming the signer and that PDF's sha256, stored
as a createpdf document by the worker. Read back with pypdf."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pypdf
import pytest
from django.contrib.contenttypes.models import ContentType

from betterform import answering, services
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import TEMPLATE_SLUG, SignedCopyError, ensure_signed_copy
from createpdf.appending import AppendError, is_appended
from createpdf.models import Document
from createpdf.rendering import render_html, render_pdf
from createpdf.template_store import packaged_templates

pytestmark = pytest.mark.django_db

SIGNER = "Zoë Ångström-Lovelace"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def accepted(rep, submission, django_capture_on_commit_callbacks) -> QuoteAnswer:
    """An answer accepting a sent quote; the signing job is queued, not run."""
    quote = services.build_quote(submission(owner=rep))
    services.update_quote(quote, status=Quote.Status.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        answer, _ = answering.accept_quote(
            quote,
            signer_name=SIGNER,
            consent=True,
            ip_address="2001:db8::7",
            user_agent="Mozilla/5.0 Firefox/133.0",
        )
    return answer


def _read(document: Document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def _texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_signed_copy_is_the_pdf_shown_plus_an_acceptance_page(accepted):
    signed = ensure_signed_copy(accepted)
    shown = accepted.shown_document
    original, content = _read(shown), _read(signed)

    shown_pages, signed_pages = _texts(original), _texts(content)
    assert len(signed_pages) == len(shown_pages) + 1 == signed.pages
    assert signed_pages[:-1] == shown_pages  # the quote's pages as they were shown
    page = _flat(signed_pages[-1])
    assert SIGNER in page and accepted.shown_sha256 in page
    assert "2001:db8::7" in page and accepted.quote.number in page
    assert _flat(answering.CONSENT_TEXT) in page
    assert accepted.answered_at.strftime("%Y-%m-%d %H:%M:%S UTC") in page
    # Byte for byte: the copy starts with the file whose hash the answer recorded.
    assert content[: len(original)] == original
    assert hashlib.sha256(content[: shown.size]).hexdigest() == accepted.shown_sha256
    assert f"first {shown.size} bytes" in page

    assert signed.status == Document.Status.DONE and signed.template_slug == TEMPLATE_SLUG
    assert (signed.sha256, signed.size) == (hashlib.sha256(content).hexdigest(), len(content))
    assert signed.title == f"Quote {accepted.quote.number} (signed)"
    assert signed.source_type == ContentType.objects.get_for_model(Quote)
    assert signed.source_id == str(accepted.quote_id)
    assert is_appended(signed) and not is_appended(shown)
    assert QuoteAnswer.objects.get(pk=accepted.pk).signed_document == signed


def test_making_the_copy_again_returns_the_one_already_made(accepted):
    first = ensure_signed_copy(accepted)
    again = ensure_signed_copy(QuoteAnswer.objects.get(pk=accepted.pk))
    assert again == first
    assert Document.objects.filter(template_slug=TEMPLATE_SLUG).count() == 1


def test_the_worker_makes_the_copy_the_acceptance_queued(accepted, run_worker):
    assert QuoteAnswer.objects.get(pk=accepted.pk).signed_document is None
    assert run_worker() >= 1
    answer = QuoteAnswer.objects.get(pk=accepted.pk)
    assert answer.signed_document is not None and answer.signed_document.pages >= 2
    assert run_worker() == 0  # the job ran once and is gone


def test_a_declined_quote_has_nothing_signed(rep, submission):
    quote = services.build_quote(submission(owner=rep))
    answer, _ = answering.decline_quote(quote, reason="", ip_address=None, user_agent="")
    with pytest.raises(SignedCopyError):
        ensure_signed_copy(answer)


def test_a_shown_pdf_altered_since_is_refused_not_signed(accepted):
    shown = accepted.shown_document
    with shown.file.storage.open(shown.file.name, "wb") as file:
        file.write(_read(shown).replace(b"%%EOF", b"%%EOF\n% altered", 1))
    with pytest.raises(AppendError, match="no longer matches its sha256"):
        ensure_signed_copy(accepted)
    assert QuoteAnswer.objects.get(pk=accepted.pk).signed_document is None


def test_a_failing_job_logs_a_copy_that_can_never_be_made(accepted, caplog):
    from betterform.tasks import sign_quote_copy

    shown = accepted.shown_document  # its file lost from storage (a kept row cannot be deleted)
    shown.file.storage.delete(shown.file.name)
    sign_quote_copy.now(accepted.pk)
    assert "no signed copy" in caplog.text


def test_the_packaged_acceptance_page_and_its_sample_context_fit_together():
    template = packaged_templates()[TEMPLATE_SLUG]
    assert template.name == "Quote acceptance"
    html = render_html(template.html, template.sample_context)
    assert template.sample_context["shown"]["sha256"] in html
    rendered = render_pdf(template.html, template.css, template.sample_context)
    [page] = _texts(rendered.content)
    assert template.sample_context["shown"]["sha256"] in page  # one unbroken line
