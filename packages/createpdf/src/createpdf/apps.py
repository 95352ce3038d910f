from django.apps import AppConfig


class CreatePdfConfig(AppConfig):
    name = "createpdf"
    verbose_name = "Documents (PDF)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from createpdf import checks  # noqa: F401  (registers the system checks)
        from createpdf.deletions import watch_registered_models
        from createpdf.registry import register_report
        from createpdf.reports import DOCUMENTS_ACTIVITY

        register_report(DOCUMENTS_ACTIVITY)
        watch_registered_models()  # tombstones for the deleted listings
