"""Links from a quote's or a submission's admin page to the records along the pipeline: the
quote's PDF documents (createpdf) and whatever other apps add.

betterform cannot import the apps built on it (monday_integration imports betterform), so an
app adds its links through ``register_link_provider``: a provider takes a ``Quote`` or a
``Submission`` and returns ``(label, url)`` pairs (monday_integration: the monday item and its
webhook events). Providers are called in the order they registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join

from betterform.models import Quote, Submission
from createpdf.models import Document

LinkProvider = Callable[[models.Model], Iterable[tuple[str, str]]]
_providers: list[LinkProvider] = []


def register_link_provider(provider: LinkProvider) -> LinkProvider:
    """Add ``provider`` (once; registering it again does nothing); returns it, so it can
    decorate a function."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def admin_change_url(obj: models.Model | None) -> str | None:
    """The admin change page of ``obj``, or None when its model has no admin here."""
    if obj is None or obj.pk is None:
        return None
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def quote_documents(quotes: Iterable[Quote]) -> QuerySet[Document]:
    """The PDF documents rendered from ``quotes`` (their ``source``), newest first."""
    ids = [str(quote.pk) for quote in quotes]
    quote_type = ContentType.objects.get_for_model(Quote)
    documents = Document.objects.filter(source_type=quote_type, source_id__in=ids)
    return documents.order_by("-created_at", "-id")


def _document_links(documents: Iterable[Document]) -> list[tuple[str, str]]:
    links = []
    for document in documents:
        label = f"PDF: {document.title or document.pk} ({document.status})"
        links.append((label, admin_change_url(document) or ""))
        if document.status == Document.Status.DONE:
            download = reverse("createpdf:document-download", args=[document.pk])
            links.append((f"Download {document.title or 'PDF'}", download))
    return links


def record_links(obj: Quote | Submission) -> list[tuple[str, str]]:
    """``(label, url)`` for every record linked to a quote or submission: its quotes' PDF
    documents (at most 5, newest first), then each provider's links."""
    quotes = [obj] if isinstance(obj, Quote) else list(obj.quotes.all())
    links = _document_links(quote_documents(quotes)[:5]) if quotes else []
    for provider in _providers:
        links.extend(provider(obj))
    return links


def links_html(links: Iterable[tuple[str, str]]) -> str:
    """``(label, url)`` pairs as an HTML list (a label without a URL is plain text), or "-"."""
    rows = [
        (format_html('<a href="{}">{}</a>', url, label) if url else label,) for label, url in links
    ]
    if not rows:
        return "-"
    return format_html(
        '<ul class="linked-records">{}</ul>', format_html_join("", "<li>{}</li>", rows)
    )


def record_links_html(obj: Quote | Submission) -> str:
    """``record_links`` as an HTML list, or "-"."""
    return links_html(record_links(obj))
