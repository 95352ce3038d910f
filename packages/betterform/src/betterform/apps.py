from django.apps import AppConfig


class BetterFormConfig(AppConfig):
    name = "betterform"
    verbose_name = "Forms and quotes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from betterform import checks  # noqa: F401  (registers the system checks)
        from betterform.documents import QUOTE_SOURCE
        from betterform.reports import QUOTES_SUMMARY
        from createpdf.registry import register_report, register_source

        register_source(QUOTE_SOURCE)  # {"source": {"type": "betterform.quote", "id": ...}}
        register_report(QUOTES_SUMMARY)
