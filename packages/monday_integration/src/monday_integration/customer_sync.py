"""monday follows the customer: what they did with a quote shows on its item.

The worker runs an event ``customer_events`` stored (``quote_viewed``, ``quote_accepted``,
``quote_declined``, ``quote_expired``) under the event's lease, like the sync pipeline
(``sync.process_event`` dispatches it here):

1. read the item (its status and file columns, its latest updates and files);
2. set the mapping's label for what the customer did (``stage_labels[kind]``; none named:
   the status is left alone). A view that the customer's answer (or the expiry) has overtaken
   sets nothing: events may run in any order, and "viewed" must not replace "accepted";
3. accepted, with a file column: upload the signed copy (``ensure_signed_copy``: the PDF they
   were shown with its acceptance page), step ``signed/<its sha256>``. The ``ItemLink``'s
   ``uploaded_*`` keep naming the quote's own PDF, which the pipeline compares with. An
   answer a team member recorded (``recorded_answers.record_answer``) has no signed copy: nothing
   is uploaded;
4. an update: who accepted and when, with the sha256 of the PDF they were shown (and the
   signed copy's link) / who declined, when and why / that the quote expired unanswered.
   A recorded answer says so first: "Recorded by <team member>: accepted by Eva Jansen by
   phone on ...", with their note. A view posts no update.

Once only, as every effect (``effects``): each step is recorded in the event's ledger with a
derived idempotency key. Beyond the pipeline's rules, a replay of a finished event (a new
round) uploads no second signed copy (a file of its name in the column is taken) and posts no
second update (the same text among the item's latest updates is taken, our HTML body compared
with monday's ``text_body`` as text: ``effects.update_on_item``): the customer answered once,
so the item says it once. A replay sets the label again (that repeats nothing).

Update bodies are HTML to monday: what the customer typed (their name, their reason) is
escaped, so it is shown as typed and never rendered as a link or an image.

A failure ends the event ``failed`` with the reason and an update saying what was not recorded,
but sets no "failed" label: the quote did not fail, and the item keeps the last label the
customer's answer set (see ``outcomes.fail``). Replay it once the cause is fixed.
"""

from __future__ import annotations

import datetime

from betterform.documents import format_date
from betterform.models import Quote, QuoteAnswer
from betterform.signed_copy import ensure_signed_copy
from monday_integration.client import MondayClient
from monday_integration.effects import (
    Effects,
    html_text,
    post_update_once,
    set_label_once,
    update_on_item,
    upload_document_once,
)
from monday_integration.models import WebhookEvent
from monday_integration.outcomes import SyncError, finish_done, ignore_inactive, set_stage

# What a view means once the customer answered (or the quote expired): nothing new.
OVERTAKING = (Quote.Status.ACCEPTED, Quote.Status.REJECTED, Quote.Status.EXPIRED)
WHAT = {
    "viewed": "the customer opened the quote",
    "accepted": "the customer accepted the quote",
    "declined": "the customer declined the quote",
    "expired": "the quote expired unanswered",
}


def failure_text(event: WebhookEvent, message: str) -> str:
    """The update (HTML) a failed customer event posts on the item."""
    what = WHAT.get(str(event.payload.get("kind")), "the customer answered")
    return f"BetterForm could not record on this item that {what}: {html_text(message)}"


def follow_customer(event: WebhookEvent, client: MondayClient, effects: Effects) -> None:
    """Show on the item what the customer did (see the module's docstring); ends the event
    ``done``, or ``ignored`` when the item was archived or deleted. Raises ``SyncError`` for a
    quote, answer or item that is gone, and what monday or the signed copy raise."""
    mapping = event.mapping
    kind = str(event.payload.get("kind") or "")
    quote = Quote.objects.filter(pk=event.payload.get("quote")).first()
    if kind not in WHAT or quote is None:
        raise SyncError(f"quote {event.payload.get('quote')} ({kind or 'no kind'}) is gone")
    answer = QuoteAnswer.objects.filter(quote=quote).first()
    if kind in ("accepted", "declined") and answer is None:
        raise SyncError(f"quote {quote.number} has no recorded answer")
    label = str((mapping.stage_labels or {}).get(kind) or "").strip()

    set_stage(event, "reading", label)
    wanted = [c for c in (mapping.status_column_id, mapping.file_column_id) if c]
    items = client.get_items([event.item_id], column_ids=wanted, subitem_column_ids=["name"])
    if not items:
        raise SyncError(f"item {event.item_id} no longer exists on monday")
    item = items[0]
    if not item.is_active:
        ignore_inactive(event, effects, item)
        return

    if label and not (kind == "viewed" and _overtaken(quote)):
        set_stage(event, "status", label)
        set_label_once(event, client, effects, kind, label)

    link = ""
    if kind == "accepted" and mapping.file_column_id and not answer.is_recorded:
        set_stage(event, "upload", label)
        signed = ensure_signed_copy(answer)
        link = upload_document_once(event, client, effects, item, signed, step="signed")["url"]

    body = update_body(kind, quote, answer, event, link)
    if body:
        set_stage(event, "update", label)
        if not update_on_item(item, body):
            post_update_once(event, client, effects, item, f"update/{kind}", body)
    set_stage(event, "done", label)
    finish_done(event, effects)


def _overtaken(quote: Quote) -> bool:
    """The customer answered (or the quote expired) since the view: its own event sets the
    label. Read now, just before the label would be set."""
    quote.refresh_from_db(fields=["status"])
    return quote.status in OVERTAKING


def _utc(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC"


def update_body(
    kind: str, quote: Quote, answer: QuoteAnswer | None, event: WebhookEvent, link: str = ""
) -> str:
    """The update's body for ``kind`` ("" for a view): HTML, as ``create_update`` takes it,
    every stored text in it escaped (``html_text``: a customer's name or reason is shown as
    typed, never rendered as a link or an image). Built only from what is stored, so a retry
    writes the same body and finds the update it already posted."""
    number = html_text(quote.number)
    if kind in ("accepted", "declined") and answer is not None and answer.is_recorded:
        return _recorded_body(kind, number, answer)
    if kind == "accepted" and answer is not None:
        who = html_text(answer.signer_name or quote.customer_name or "The customer")
        text = (
            f"{who} accepted quote {number} on {_utc(answer.answered_at)}, signing with "
            f"their typed name. sha256 of the PDF they were shown: "
            f"{html_text(answer.shown_sha256)}."
        )
        return text + (f" Signed copy: {html_text(link)}" if link else "")
    if kind == "declined" and answer is not None:
        who = html_text(answer.signer_name or quote.customer_name or "The customer")
        reason = answer.reason.strip()
        said = f"Reason: {html_text(reason)}" if reason else "No reason given."
        return f"{who} declined quote {number} on {_utc(answer.answered_at)}. {said}"
    if kind == "expired":
        if quote.valid_until is not None:
            expired_on = quote.valid_until + datetime.timedelta(days=1)
            valid = f": it was valid until {format_date(quote.valid_until)}"
        else:
            expired_on, valid = event.received_at.date(), ""
        return f"Quote {number} expired on {format_date(expired_on)} unanswered{valid}."
    return ""


def _recorded_body(kind: str, number: str, answer: QuoteAnswer) -> str:
    """A team member's record of the customer's answer: who recorded it first, then who
    answered, when, and (escaped) the reason and the note."""
    by = html_text(answer.recorded_by_name or "a team member")
    who = html_text(answer.signer_name or "the customer")
    text = f"Recorded by {by}: {kind} by {who} on {_utc(answer.answered_at)} (quote {number})."
    if kind == "accepted" and answer.shown_sha256:
        text += f" sha256 of the PDF accepted: {html_text(answer.shown_sha256)}."
    if kind == "declined":
        reason = answer.reason.strip()
        text += f" Reason: {html_text(reason)}" if reason else " No reason given."
    note = answer.note.strip()
    return text + (f" Note: {html_text(note)}" if note else "")
