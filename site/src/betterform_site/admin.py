from datetime import timedelta

from background_task.admin import CompletedTaskAdmin, TaskAdmin
from background_task.models import CompletedTask, Task
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from betterform_site.account_emails import EMAIL_TAKEN, email_taken
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


class UniqueEmailForm(forms.ModelForm):
    """An email another account has, in any case, is an error on the form's email field."""

    def clean_email(self) -> str:
        email = self.cleaned_data.get("email") or ""
        if email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email


class UserCreationForm(UniqueEmailForm, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        fields = ("username", "email")


class UserChangeForm(UniqueEmailForm, auth_forms.UserChangeForm):
    pass


class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin, whose forms keep one email to one account (``account_emails``);
    adding a user asks for the email too."""

    form = UserChangeForm
    add_form = UserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )


if get_user_model() is User and admin.site.is_registered(User):
    admin.site.unregister(User)
    admin.site.register(User, UserAdmin)
