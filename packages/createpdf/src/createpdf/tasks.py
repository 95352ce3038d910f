"""Background jobs, run by the django-background-tasks worker (``process_tasks``)."""

from background_task import background

from createpdf import services

QUEUE = "createpdf"


@background(schedule=0, queue=QUEUE)
def render_document_task(document_id: int) -> None:
    services.render_document(document_id)
