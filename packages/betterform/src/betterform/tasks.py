"""Background jobs, run by the django-background-tasks worker (``process_tasks``)."""

import logging

from background_task import background

logger = logging.getLogger(__name__)

QUEUE = "betterform"


@background(schedule=0, queue=QUEUE)
def sign_quote_copy(answer_id: int) -> None:
    """Make an accepted quote's signed copy (``signed_copy.ensure_signed_copy``, idempotent:
    a job run twice makes one copy). A copy that can never be made is logged, not retried;
    anything else raises, and the queue retries it."""
    from betterform.models import QuoteAnswer
    from betterform.signed_copy import SignedCopyError, ensure_signed_copy
    from createpdf.appending import AppendError

    answer = QuoteAnswer.objects.filter(pk=answer_id).first()
    if answer is None:
        return
    try:
        ensure_signed_copy(answer)
    except (SignedCopyError, AppendError) as error:
        logger.error("quote answer %s: no signed copy: %s", answer_id, error)
