"""betterform's API routes.

Include them in a site's URLconf::

    path("api/", include("betterform.urls")),
"""

from rest_framework.routers import DefaultRouter

from betterform.api import forms, quotes, submissions

app_name = "betterform"

router = DefaultRouter()
for module in (forms, submissions, quotes):
    module.register(router)

urlpatterns = [
    *forms.public_urls(),
    *router.urls,
]
