from django.apps import AppConfig


class MondayIntegrationConfig(AppConfig):
    name = "monday_integration"
    verbose_name = "monday.com integration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from monday_integration import checks  # noqa: F401  (registers the system checks)
