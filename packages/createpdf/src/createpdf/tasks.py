"""Background jobs, run by the django-background-tasks worker (``process_tasks``)."""

from background_task import background

from createpdf import leases, render_job
from createpdf.models import Document

QUEUE = "createpdf"


@background(schedule=0, queue=QUEUE)
def render_document_task(document_id: int) -> None:
    if not render_job.render_document(document_id) and leases.held_elsewhere(Document, document_id):
        raise leases.HeldElsewhere(f"document {document_id} is being rendered by another worker")
