"""Signals createpdf sends; the site turns them into real-time events.

``document_status_changed(sender=Document, document=..., status=...)`` is sent after the
transaction that changed the status commits, for every move: queued, rendering, done, failed.
"""

from django.dispatch import Signal

document_status_changed = Signal()
