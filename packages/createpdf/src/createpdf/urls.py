"""createpdf's API routes.

Include them in a site's URLconf::

    path("api/pdf/", include("createpdf.urls")),
"""

from rest_framework.routers import DefaultRouter

app_name = "createpdf"

router = DefaultRouter()

urlpatterns = router.urls
