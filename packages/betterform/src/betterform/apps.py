from django.apps import AppConfig


class BetterFormConfig(AppConfig):
    name = "betterform"
    verbose_name = "Forms and quotes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from betterform import checks  # noqa: F401  (registers the system checks)
