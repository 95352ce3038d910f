"""betterform's API routes.

Include them in a site's URLconf::

    path("api/", include("betterform.urls")),
"""

from rest_framework.routers import DefaultRouter

app_name = "betterform"

router = DefaultRouter()

urlpatterns = router.urls
