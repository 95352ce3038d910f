from django.db import models


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
