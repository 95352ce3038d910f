"""Background jobs, run by the django-background-tasks worker (``process_tasks``)."""

from background_task import background

QUEUE = "monday"


@background(schedule=0, queue=QUEUE)
def process_event_task(event_id: int) -> None:
    from createpdf import leases
    from monday_integration import sync
    from monday_integration.models import WebhookEvent

    event = sync.process_event(event_id)
    if event.status == WebhookEvent.Status.PROCESSING and leases.held_elsewhere(
        WebhookEvent, event_id
    ):
        raise leases.HeldElsewhere(f"monday event {event_id} is being synced by another worker")
