"""The task worker (django-background-tasks ``process_tasks``) and the leases jobs hold.

https://django-background-tasks.readthedocs.io/en/latest/
"""

from betterform_site.env import env_int

# One lease length for every job (seconds). The library hands a task to another worker once
# its lock is older than this; our worker renews the locks of the tasks it runs (see
# ``betterform_site.workers``), so only a task whose worker died is taken over, after at most
# this long. The document and monday event a job works on carry leases of the same length.
MAX_RUN_TIME = env_int("WORKER_MAX_RUN_TIME", 60)
MAX_ATTEMPTS = env_int("WORKER_MAX_ATTEMPTS", 5)
BACKGROUND_TASK_RUN_ASYNC = False
CREATEPDF_RENDER_LEASE_SECONDS = MAX_RUN_TIME
MONDAY_EVENT_LEASE_SECONDS = MAX_RUN_TIME

# /healthz calls the worker alive while its heartbeat is younger than WORKER_STALE_AFTER.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_STALE_AFTER = env_int("WORKER_STALE_AFTER", 30)
