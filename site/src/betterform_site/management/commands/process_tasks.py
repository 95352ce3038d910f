"""django-background-tasks' ``process_tasks``, plus a liveness heartbeat and a graceful SIGTERM.

The site app comes before ``background_task`` in INSTALLED_APPS, so ``manage.py process_tasks``
runs this command: the library's loop, unchanged, while a thread refreshes the heartbeat.

The library stops gracefully on SIGTSTP but handles SIGTERM only on Windows; on Linux SIGTERM
(what systemd, supervisors and ``serve`` send) would kill the worker mid-task. Here SIGTERM
lets the current task finish, then the loop ends and the heartbeat row is removed.

The heartbeat also renews the locks of the tasks this worker runs (see ``workers``), under a
worker name unique across hosts: the library's own is the bare process id.
"""

import signal
from typing import Any

from background_task.management.commands.process_tasks import Command as ProcessTasksCommand
from background_task.tasks import tasks

from betterform_site.workers import Heartbeat, worker_name


class Command(ProcessTasksCommand):
    help = f"{ProcessTasksCommand.help} (reports liveness for /healthz)."

    def run(self, *args: Any, **options: Any) -> None:
        signal.signal(signal.SIGTERM, self.sig_manager.exit_gracefully)
        # The library keeps its runner's name in a private attribute; it has no setting.
        tasks._runner.worker_name = worker_name()
        heartbeat = Heartbeat(locked_by=tasks._runner.worker_name).start()
        try:
            super().run(*args, **options)
        except KeyboardInterrupt:
            pass
        finally:
            heartbeat.stop()
