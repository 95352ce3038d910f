"""monday_integration's API routes.

Include them in a site's URLconf::

    path("api/monday/", include("monday_integration.urls")),
"""

from rest_framework.routers import DefaultRouter

app_name = "monday_integration"

router = DefaultRouter()

urlpatterns = router.urls
