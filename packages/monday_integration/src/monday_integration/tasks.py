"""Background jobs, run by the django-background-tasks worker (``process_tasks``)."""

from background_task import background

QUEUE = "monday"


@background(schedule=0, queue=QUEUE)
def process_event_task(event_id: int) -> None:
    from monday_integration import sync

    sync.process_event(event_id)
