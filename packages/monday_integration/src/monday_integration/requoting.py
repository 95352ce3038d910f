"""An item triggered again after its customer answered: a new version, priced from the item.

A quote the customer accepted or declined, or that expired, is locked (``betterform.versions``):
it is the record of what they were offered. When the rep moves the item back to the trigger
label (the customer wants changes), the pipeline's ``submission`` stage (``item_submission``)
makes a *new version* instead of failing: a new number and page, ``previous_version`` = the
locked quote, priced by the ``quote`` stage from the item's current columns and subitems like
any quote, then rendered, uploaded, labelled, e-mailed (when the mapping sends quotes) and
announced in the item's update (``version_note``: "a new version of Q-…, which is closed: …").

The submission: the new version gets a **new submission** made from the item, and the item's
``ItemLink`` moves to it and to the new version, in the transaction that makes them. Not the
old one, because

- its answers are what the locked quote was priced from: rewriting them makes the record lie;
- an accepted or rejected submission is final (``services.TRANSITIONS``): ``build_quote``
  refuses it (``IllegalTransition``) and ``answering`` would not move it when the new
  version is answered. A fresh one goes submitted -> quoted -> sent -> accepted | rejected
  with its own quote, the way the first one did;
- ``ItemLink.submission`` is one-to-one: the link follows the item's current submission, and
  the old one keeps its ``external_reference`` (the item id) and its quotes.

The old quote, its lines and totals, its answer (``QuoteAnswer``) and its kept PDFs are not
touched: nothing here writes them. A submission is *closed* when it is accepted or rejected or
one of its quotes is locked; only then is a new one made.

Once only: the new version, the new submission and the link's move commit together, under the
link's row lock. Any later run for the item (the job retried or taken over, a duplicate
delivery, a replay, the next trigger) finds the link on the new version's open submission and
re-prices that draft; the uploads, labels, update and e-mail go through the event's ledger
(``effects``, ``quote_sending``) as for any quote. Two events for the item at once: the second
waits on the lock (PostgreSQL) or fails on SQLite's write lock and is replayed.

A new version made in the admin or the API (``betterform.versions.new_version``) of the quote an
item links to moves the link to it (``on_quote_created``, connected in ``apps``): the next
trigger re-prices that draft (moved onto a new submission as above) instead of making a third
quote, and the customer's answer to it is followed on the item (``customer_events`` finds the
item by the link's quote). betterform announces it as ``quote_created`` with
``previous_version`` set; it knows nothing of monday.
"""

from __future__ import annotations

import logging
from typing import Any

import reversion
from django.db import transaction

from betterform import services as forms
from betterform.models import Quote, Submission
from betterform.signals import quote_created
from betterform.versions import LOCKED_STATUSES, lock_reason
from monday_integration.effects import html_text
from monday_integration.mapping import item_to_submission
from monday_integration.models import BoardMapping, ItemLink

logger = logging.getLogger(__name__)

FINAL = (Submission.Status.ACCEPTED, Submission.Status.REJECTED)


def is_closed(submission: Submission) -> bool:
    """True when ``submission`` belongs to an answered record: accepted or rejected, or one of
    its quotes is locked (accepted, declined, expired). Its answers are then never rewritten."""
    if submission.status in FINAL:
        return True
    return submission.quotes.filter(status__in=LOCKED_STATUSES).exists()


def item_submission(mapping: BoardMapping, item: Any) -> Submission:
    """The submission the item's values are priced into (the ``submission`` stage).

    First sync: a new submission and the item's ``ItemLink``. Later syncs: the link's
    submission updated, unless it is closed (``is_closed``); then a new submission and the
    quote to price for it (``_next_version``), the link moved to both. Raises what
    ``item_to_submission`` and the submission services raise (``MappingError``,
    ``ValidationError``, ``DoesNotFit``), and ``QuoteLocked`` when the customer answered the
    draft being moved at this very moment (a replay then makes a new version)."""
    answers, customer = item_to_submission(
        mapping, item, forms.current_version(mapping.form).schema
    )

    def new_submission() -> Submission:
        return forms.create_submission(
            mapping.form,
            answers=answers,
            customer=customer,
            source=Submission.Source.MONDAY,
            owner=mapping.owner,
            external_reference=str(item.id),
        )

    with transaction.atomic(), reversion.create_revision():
        reversion.set_comment(f"Synced from monday item {item.id}.")
        # Held to the commit: a second event for the item waits, then sees the moved link.
        link = (
            ItemLink.objects.select_for_update()
            .filter(mapping=mapping, item_id=str(item.id))
            .first()
        )
        if link is None:
            submission = new_submission()
            ItemLink.objects.create(mapping=mapping, item_id=str(item.id), submission=submission)
            return submission
        if not is_closed(link.submission):
            return forms.update_submission(link.submission, answers=answers, customer=customer)
        submission = new_submission()
        quote = _next_version(link, submission, owner=mapping.owner)
        reversion.set_comment(f"Synced from monday item {item.id}, whose quote is closed.")
        link.submission, link.quote = submission, quote
        link.save(update_fields=["submission", "quote"])
    return submission


def _next_version(link: ItemLink, submission: Submission, *, owner: Any) -> Quote | None:
    """The quote ``submission`` is priced into, now its own: a new version of the link's
    locked quote, or the draft that already is one (a version made in the admin or the API,
    moved onto ``submission``). None when the link names no quote (``build_quote`` then makes
    the submission's first)."""
    base = link.quote or link.submission.quotes.order_by("-created_at", "-pk").first()
    if base is None:
        return None
    if base.status in LOCKED_STATUSES:
        later = (
            base.later_versions.exclude(status__in=LOCKED_STATUSES)
            .order_by("-created_at", "-pk")
            .first()
        )  # one made in the admin or the API before its link could follow it
        if later is None:
            return forms.new_version(base, owner=owner, submission=submission)
        base = later
    return forms.update_quote(base, submission=submission)  # QuoteLocked if answered now


def version_note(quote: Quote) -> str:
    """The sentence (HTML, escaped) the item's update adds for a new version of a closed
    quote, e.g. ``" It is a new version of Q-2026-0007, which is closed: Quote Q-2026-0007
    was accepted by Ada Lovelace on 5 December 2026."``; ``""`` for any other quote. Read from
    the quotes as stored, so a retried update says the same as the first attempt."""
    previous = quote.previous_version
    if previous is None or previous.status not in LOCKED_STATUSES:
        return ""
    reason = html_text(lock_reason(previous, previous.status))  # names the customer's signer
    return f" It is a new version of {html_text(previous.number)}, which is closed: {reason}."


# --- a new version made in the admin or the API --------------------------------------------------


def follow_new_version(quote: Quote) -> int:
    """Move the links of ``quote``'s previous version to ``quote``; returns how many moved
    (0 for a quote that is no new version, or whose previous version no item links to)."""
    if not quote.previous_version_id:
        return 0
    return ItemLink.objects.filter(quote_id=quote.previous_version_id).update(quote=quote)


def on_quote_created(sender: Any, quote: Any = None, **kwargs: Any) -> None:
    """``quote_created`` receiver: runs after the commit in the admin's or the API's request,
    so it never raises; whatever goes wrong is logged (the next trigger still finds the new
    version through ``previous_version``: ``_next_version``)."""
    if quote is None or not getattr(quote, "previous_version_id", None):
        return
    try:
        follow_new_version(quote)
    except Exception:
        logger.exception("could not move the monday item link to new version %s", quote.pk)


def connect() -> None:
    """Connect ``on_quote_created`` (``MondayIntegrationConfig.ready``); twice is once."""
    quote_created.connect(
        on_quote_created, dispatch_uid="monday_integration.requoting.new_version", weak=False
    )
