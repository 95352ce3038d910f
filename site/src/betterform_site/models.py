from django.db import models

from createpdf.storable import StorableJSONField


class WorkerHeartbeat(models.Model):
    """One row per running task worker, refreshed every few seconds; read by ``/healthz``."""

    worker_id = models.CharField(max_length=200, unique=True)
    hostname = models.CharField(max_length=150)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return self.worker_id


class RealtimeEvent(models.Model):
    """The outbox for real-time events when there is no Redis: written by any process, polled
    by each web process (``betterform_site.realtime.relay``), deleted after a few minutes."""

    event = models.CharField(max_length=100)
    data = StorableJSONField()
    rooms = StorableJSONField(help_text="The rooms that receive the event.")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"
