"""``createpdf.fitting``: display text is shortened with "…" to its field, values that would
change meaning are refused with a message naming them; a document's title and file name fit
their fields."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models

from createpdf import render_job, services
from createpdf.fitting import ELLIPSIS, DoesNotFit, check_fits, fit_text, max_length, shorten
from createpdf.models import Document, DocumentTemplate, document_upload_path

LONG = "Ü" * 3000 + "y" * 2003  # 5,003 characters


class Amount(models.Model):
    """A DecimalField to check against (abstract: no table, nothing registered)."""

    value = models.DecimalField(max_digits=12, decimal_places=3)

    class Meta:
        abstract = True
        app_label = "createpdf"

    def __str__(self) -> str:
        return str(self.value)


def test_shorten_ends_in_an_ellipsis_only_when_it_cuts():
    assert shorten("short", 10) == "short"
    assert shorten("abcdefghijk", 10) == "abcdefghi" + ELLIPSIS
    assert shorten("abcd      ghijk", 10) == "abcd" + ELLIPSIS
    assert shorten(LONG, None) == LONG


def test_fit_text_reads_the_limit_from_the_model_field():
    fitted = fit_text(Document, "title", LONG)
    assert (
        len(fitted) == Document._meta.get_field("title").max_length == max_length(Document, "title")
    )
    assert fitted.endswith(ELLIPSIS) and LONG.startswith(fitted[:-1])
    assert fit_text(Document, "error", LONG) == LONG  # a TextField has no limit


def test_check_fits_refuses_a_long_string_naming_its_source_and_the_limit():
    assert check_fits(Document, "sha256", "a" * 64, source="the hash") == "a" * 64
    with pytest.raises(DoesNotFit) as error:
        check_fits(Document, "sha256", "a" * 65, source="the hash")
    assert str(error.value).startswith("the hash is 65 characters long; at most 64 fit")
    assert "Document.sha256" in str(error.value)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (Decimal("1" * 40), "has 40 digits before the point"),
        (Decimal("1000000000"), "has 10 digits before the point"),
        (Decimal("-1000000000"), "has 10 digits before the point"),
        (Decimal("1.0001"), "too many decimal places"),
        (Decimal("NaN"), "not a finite number"),
        ("1e12", "has 13 digits before the point"),
    ],
)
def test_check_fits_refuses_a_number_a_decimal_field_cannot_hold(value, problem):
    with pytest.raises(DoesNotFit, match=problem):
        check_fits(Amount, "value", value, source="the amount")
    for fits in (Decimal("999999999.999"), Decimal("2.500000"), 7, "12.5", None):
        assert check_fits(Amount, "value", fits, source="the amount") == fits


@pytest.mark.django_db
def test_a_long_title_is_shortened_and_the_stored_file_path_fits_its_field(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    DocumentTemplate.objects.create(slug="plain", name="Plain", html="<p>{{ text }}</p>")
    document, _ = services.request_document(
        template_slug="plain", context={"text": "hello"}, title=LONG
    )
    assert document.title == fit_text(Document, "title", LONG)
    render_job.render_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.DONE, document.error
    # The one fixed path per document (a re-render replaces it), within the file field.
    assert document.file.name == document_upload_path(document, document.filename)
    assert len(document.file.name) <= Document._meta.get_field("file").max_length
    assert document.filename.startswith("Ü" * 10) and document.filename.endswith(
        f"-{document.pk}.pdf"
    )


@pytest.mark.django_db
def test_a_document_context_with_a_nul_is_a_400_not_a_500(rep_client):
    response = rep_client.post(
        "/api/pdf/documents/",
        {"template": "report", "context": {"title": "a\x00b", "sections": []}},
        format="json",
    )
    assert response.status_code == 400
    assert "context.title holds a NUL character" in response.json()["detail"]
