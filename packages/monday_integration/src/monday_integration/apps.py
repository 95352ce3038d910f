from django.apps import AppConfig


class MondayIntegrationConfig(AppConfig):
    name = "monday_integration"
    verbose_name = "monday.com integration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # checks registers the system checks; customer_events turns betterform's customer
        # signals into board updates, requoting moves an item's link to a new version of its
        # quote (betterform never imports this app).
        from monday_integration import checks, customer_events, requoting  # noqa: F401

        customer_events.connect()
        requoting.connect()
