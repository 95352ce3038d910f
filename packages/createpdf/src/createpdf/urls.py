"""createpdf's API routes.

Include them in a site's URLconf::

    path("api/pdf/", include("createpdf.urls")),
"""

from django.urls import path
from rest_framework.routers import DefaultRouter

from createpdf import views, views_reports, views_templates

app_name = "createpdf"

router = DefaultRouter()
router.register("documents", views.DocumentViewSet, basename="document")
router.register("templates", views_templates.DocumentTemplateViewSet, basename="template")

urlpatterns = [
    path("reports/", views_reports.ReportListView.as_view(), name="report-list"),
    path("reports/<slug:name>/", views_reports.ReportRequestView.as_view(), name="report-request"),
    *router.urls,
]
