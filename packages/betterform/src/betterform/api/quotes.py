"""The quotes API. Registered on the app's router by `register(router)`."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    """Add this module's viewsets to the app's router."""
