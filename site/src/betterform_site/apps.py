from background_task.apps import BackgroundTasksAppConfig
from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "betterform_site"
    verbose_name = "BetterForm site"
    default = True  # apps.py holds two configs: without this Django would use neither
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from betterform_site import api_keys  # noqa: F401  (OpenAPI extension for API keys)
        from betterform_site.realtime import bridge, revocation

        bridge.connect()
        revocation.connect()


class BackgroundTasksConfig(BackgroundTasksAppConfig):
    """django-background-tasks without its BigAutoField migration problem.

    The library ships migrations with ``AutoField`` ids but does not pin ``default_auto_field``,
    so a site whose ``DEFAULT_AUTO_FIELD`` is ``BigAutoField`` sees a pending migration for a
    third-party app. Pinning the field here keeps ``makemigrations --check`` clean without
    touching site-packages.
    """

    default_auto_field = "django.db.models.AutoField"
