"""django-background-tasks' ``process_tasks``, plus a liveness heartbeat and a graceful SIGTERM.

The site app comes before ``background_task`` in INSTALLED_APPS, so ``manage.py process_tasks``
runs this command: the library's loop, unchanged, while a thread refreshes the heartbeat.

The library stops gracefully on SIGTSTP but handles SIGTERM only on Windows; on Linux SIGTERM
(what systemd, supervisors and ``serve`` send) would kill the worker mid-task. Here SIGTERM
lets the current task finish, then the loop ends and the heartbeat row is removed.
"""

import signal
from typing import Any

from background_task.management.commands.process_tasks import Command as ProcessTasksCommand

from betterform_site.workers import Heartbeat


class Command(ProcessTasksCommand):
    help = f"{ProcessTasksCommand.help} (reports liveness for /healthz)."

    def run(self, *args: Any, **options: Any) -> None:
        signal.signal(signal.SIGTERM, self.sig_manager.exit_gracefully)
        heartbeat = Heartbeat().start()
        try:
            super().run(*args, **options)
        except KeyboardInterrupt:
            pass
        finally:
            heartbeat.stop()
