from datetime import timedelta

from background_task.admin import CompletedTaskAdmin, TaskAdmin
from background_task.models import CompletedTask, Task
from django.conf import settings
from django.contrib import admin
from django.utils import timezone

from betterform_site.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen"]
    search_fields = ["worker_id", "hostname"]
    readonly_fields = list_display

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


class LeasedTaskAdmin(TaskAdmin):
    """The library's task list, with "held by a live worker" instead of its "pid running"
    column, which asks this host about a bare process id: our workers name themselves
    ``<pid>@<host>:<random>`` and renew their locks (``betterform_site.workers``)."""

    list_display = [
        "held_by_live_worker" if name == "locked_by_pid_running" else name
        for name in TaskAdmin.list_display
    ]

    @admin.display(boolean=True, description="held by a live worker")
    def held_by_live_worker(self, task: Task) -> bool | None:
        if not task.locked_by:
            return None
        fresh_after = timezone.now() - timedelta(seconds=settings.MAX_RUN_TIME)
        return bool(task.locked_at and task.locked_at >= fresh_after)


class FinishedTaskAdmin(CompletedTaskAdmin):
    list_display = [
        name for name in CompletedTaskAdmin.list_display if name != "locked_by_pid_running"
    ]


for model, model_admin in ((Task, LeasedTaskAdmin), (CompletedTask, FinishedTaskAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
