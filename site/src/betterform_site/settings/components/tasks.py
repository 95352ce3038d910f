"""The task worker (django-background-tasks ``process_tasks``).

https://django-background-tasks.readthedocs.io/en/latest/
"""

from betterform_site.env import env_int

# A task whose worker died is taken up again after this many seconds (the lock expiry).
# Renders take seconds, so two minutes is ample and a killed worker's job resumes soon.
MAX_RUN_TIME = env_int("WORKER_MAX_RUN_TIME", 120)
MAX_ATTEMPTS = env_int("WORKER_MAX_ATTEMPTS", 5)
BACKGROUND_TASK_RUN_ASYNC = False

# /healthz calls the worker alive while its heartbeat is younger than WORKER_STALE_AFTER.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_STALE_AFTER = env_int("WORKER_STALE_AFTER", 30)
