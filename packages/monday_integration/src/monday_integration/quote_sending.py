"""The pipeline e-mails the quote to the item's customer, once, when the mapping says so
(``BoardMapping.send_quote_to_customer``).

After the PDF is on the item and the "done" label set, ``send_once`` reads the customer's
e-mail from the item (the column ``column_map`` maps to ``customer.email``) and sends the quote
through ``betterform.sending.send_quote`` with the mapping's ``customer_message``, as the
mapping's owner. It returns the sentence the item's update ends with: where it was sent, or why
it was not (no such column, or it is empty: the event still ends ``done``).

Once per event, across retries, take-overs and replays (the customer is not e-mailed twice
for one request): the ledger step is ``email/<document sha256>``, and before it the quote's
e-mails (``QuoteEmail``) are looked at: one sent since the event arrived (by an attempt that
died before recording it, an earlier round, or a rep meanwhile) is taken as this event's. It is
not matched by the PDF's sha256: the quote's PDF context holds its status, so once sent (draft
-> sent) the pipeline's retry renders a twin with another hash. A new trigger is a new event,
and sends the quote again. ``SendError`` (the mail server refused, the PDF is not ready...)
fails the event with its message; a replay sends it.
"""

from __future__ import annotations

from typing import Any

from betterform import documents as quote_documents
from betterform import sending
from betterform.models import Quote, QuoteEmail
from createpdf.models import Document
from monday_integration.effects import Effects, html_text
from monday_integration.mapping import column_name
from monday_integration.models import BoardMapping, WebhookEvent

EMAIL_TARGET = "customer.email"


def emailed_pdf(mapping: BoardMapping, quote: Quote, timeout: float) -> Document | None:
    """For a mapping that e-mails its quotes with betterform's own template: the PDF the
    customer is sent and offered on their page (``sending.ready_pdf``, asked for by no user,
    where the pipeline's own would be the mapping owner's document), rendered or waited for
    up to ``timeout`` seconds, so the item holds the very PDF the e-mail carries, and a retry
    after the send renders no other. None for any other mapping (the pipeline renders its own).
    Raises ``sending.SendError`` when it failed or is not ready in time."""
    if not mapping.send_quote_to_customer or mapping.template_slug != quote_documents.TEMPLATE_SLUG:
        return None
    return sending.ready_pdf(quote, timeout=timeout)


def customer_email_on_item(mapping: BoardMapping, item: Any) -> tuple[str, str]:
    """``(address, "")`` read from the item's column mapped to ``customer.email``, or
    ``("", why not)``."""
    column_ids = [column for column, target in mapping.column_map.items() if target == EMAIL_TARGET]
    if not column_ids:
        return "", f"the mapping maps no column to {EMAIL_TARGET}"
    column_id = column_ids[0]
    column = item.column_values.get(column_id)
    value = column.value if column is not None else None
    typed = value.get("email") if isinstance(value, dict) else ""
    address = str(typed or (column.shown_text if column is not None else "")).strip()
    if not address:
        return "", f"the item's {column_name(column_id, column)} is empty"
    return address, ""


def _shape(email: QuoteEmail) -> dict[str, Any]:
    """What the ledger records of a sent e-mail."""
    return {"id": email.pk, "to": email.to_email, "sha256": email.document_sha256}


def _sent_since_event(event: WebhookEvent, quote: Quote) -> QuoteEmail | None:
    emails = QuoteEmail.objects.filter(
        quote=quote, kind=QuoteEmail.Kind.QUOTE, sent_at__gte=event.received_at
    )
    return emails.order_by("-sent_at", "-pk").first()


def send_once(
    event: WebhookEvent, effects: Effects, item: Any, quote: Quote, document: Document
) -> str:
    """E-mail ``quote`` to the item's customer once; returns the update's sentence about it
    (HTML, the address and the column's name escaped).
    Raises ``sending.SendError`` when it cannot be sent now (the event fails with it)."""
    mapping = event.mapping
    address, why_not = customer_email_on_item(mapping, item)
    if not address:
        return f"Not e-mailed to the customer: {html_text(why_not)}."

    def find_sent() -> dict[str, Any] | None:
        email = _sent_since_event(event, quote)
        return _shape(email) if email is not None else None

    def send(_key: str) -> dict[str, Any]:
        email = sending.send_quote(quote, message=mapping.customer_message, sent_by=mapping.owner)
        return _shape(email)

    sent = find_sent() or effects.once(f"email/{document.sha256}", send, find_done=find_sent)
    return f"E-mailed to {html_text(sent['to'])}."
