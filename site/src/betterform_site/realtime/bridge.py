"""Django signals from the apps, turned into real-time messages.

Receivers run in whichever process changed the data (a web request thread or a worker) once
the change is stored: createpdf and betterform send from ``transaction.on_commit``, monday's
sync sends as each stage happens, outside any transaction. None of them may raise into that
code path.
"""

from __future__ import annotations

import logging
from typing import Any

from betterform import signals as betterform_signals
from betterform_site.realtime import messages
from betterform_site.realtime.publishers import publish
from createpdf import signals as createpdf_signals
from monday_integration import signals as monday_signals

logger = logging.getLogger(__name__)


def _safely(build: Any, *args: Any) -> None:
    try:
        publish(build(*args))
    except Exception:
        logger.exception("could not announce %s", build.__name__)


def document_status_changed(sender: Any, document: Any, status: str, **kwargs: Any) -> None:
    _safely(messages.document_message, document, status)


def quote_created(sender: Any, quote: Any, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "created")


def quote_updated(sender: Any, quote: Any, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "updated")


def quote_sent(sender: Any, quote: Any, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "sent")


def quote_viewed(sender: Any, quote: Any, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "viewed")


def quote_accepted(sender: Any, quote: Any, answer: Any = None, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "accepted", answer)


def quote_declined(sender: Any, quote: Any, answer: Any = None, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "declined", answer)


def quote_expired(sender: Any, quote: Any, **kwargs: Any) -> None:
    _safely(messages.quote_message, quote, "expired")


def webhook_received(sender: Any, event: Any, **kwargs: Any) -> None:
    _safely(messages.monday_event_message, event, "received")


def sync_stage_changed(sender: Any, event: Any, stage: str, label: str, **kwargs: Any) -> None:
    _safely(messages.sync_stage_message, event, stage, label)


def event_finished(sender: Any, event: Any, status: str, **kwargs: Any) -> None:
    _safely(messages.monday_event_message, event, messages.MONDAY_FINISHED.get(status, status))


def connect() -> None:
    """Called once from the site's ``AppConfig.ready``."""
    uid = "betterform_site.realtime"
    pairs = [
        (createpdf_signals.document_status_changed, document_status_changed),
        (betterform_signals.quote_created, quote_created),
        (betterform_signals.quote_updated, quote_updated),
        # The customer's side (betterform.sending, .answering, .expiry), after the commit.
        (betterform_signals.quote_sent, quote_sent),
        (betterform_signals.quote_viewed, quote_viewed),
        (betterform_signals.quote_accepted, quote_accepted),
        (betterform_signals.quote_declined, quote_declined),
        (betterform_signals.quote_expired, quote_expired),
        (monday_signals.webhook_received, webhook_received),
        (monday_signals.sync_stage_changed, sync_stage_changed),
        (monday_signals.event_finished, event_finished),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"{uid}.{receiver.__name__}")
