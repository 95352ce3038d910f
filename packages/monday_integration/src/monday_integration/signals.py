"""Signals monday_integration sends; the site turns them into real-time events.

- ``webhook_received(sender=WebhookEvent, event=...)``: a new delivery was stored.
- ``sync_stage_changed(sender=WebhookEvent, event=..., stage=..., label=...)``: the worker
  moved an item to a stage (``reading``, ``submission``, ``quote``, ``pdf``, ``upload``,
  ``done``, ``failed``) and set the item's status label.
- ``event_finished(sender=WebhookEvent, event=..., status=...)``: processed or failed.
"""

from django.dispatch import Signal

webhook_received = Signal()
sync_stage_changed = Signal()
event_finished = Signal()
