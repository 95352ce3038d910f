"""monday_integration's API routes.

Include them in a site's URLconf::

    path("api/monday/", include("monday_integration.urls")),
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from createpdf import converters
from monday_integration import views

converters.register()

app_name = "monday_integration"

router = DefaultRouter()
router.register("mappings", views.BoardMappingViewSet, basename="mapping")
router.register("events", views.WebhookEventViewSet, basename="event")

urlpatterns = [
    path("webhooks/<urltext:secret>/", views.WebhookView.as_view(), name="webhook"),
    *router.urls,
]
