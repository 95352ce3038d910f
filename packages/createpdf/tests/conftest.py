"""Fixtures for createpdf's tests: clients for a rep and for staff, running queued renders,
reading PDFs."""

from __future__ import annotations

import io

import pypdf
import pytest
from background_task.models import Task
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTContainer


@pytest.fixture
def rep(django_user_model):
    return django_user_model.objects.create_user("rep", "rep@example.com", "pw")


@pytest.fixture
def other_rep(django_user_model):
    return django_user_model.objects.create_user("other", "other@example.com", "pw")


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


@pytest.fixture
def rep_client(api_client, rep):
    api_client.force_authenticate(rep)
    return api_client


@pytest.fixture
def staff_client(staff):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.fixture
def queued_tasks():
    return lambda: Task.objects.count()


class PdfTools:
    """Read PDFs the way a person would check them: text and page count."""

    @staticmethod
    def text(content: bytes) -> str:
        reader = pypdf.PdfReader(io.BytesIO(content))
        return "\n".join(page.extract_text() for page in reader.pages)

    @staticmethod
    def pages(content: bytes) -> int:
        return len(pypdf.PdfReader(io.BytesIO(content)).pages)

    @staticmethod
    def download(client, document_id: int):
        """``(response, body)`` of a document's download endpoint."""
        response = client.get(f"/api/pdf/documents/{document_id}/download/")
        body = b"".join(response.streaming_content) if response.status_code == 200 else b""
        return response, body


@pytest.fixture
def pdf() -> PdfTools:
    return PdfTools()


def pdf_chars(content: bytes) -> list[LTChar]:
    """Every pdfminer.six ``LTChar`` of a PDF, page after page in pdfminer's reading order (for
    checks of a glyph's font, box or matrix)."""
    chars: list[LTChar] = []

    def walk(item: object) -> None:
        if isinstance(item, LTChar):
            chars.append(item)
        elif isinstance(item, LTContainer):
            for child in item:
                walk(child)

    for page in extract_pages(io.BytesIO(content)):
        walk(page)
    return chars
