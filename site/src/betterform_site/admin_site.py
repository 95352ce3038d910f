"""The site's admin: branded "BetterForm", the business apps before the plumbing, and a
dashboard (``betterform_site.dashboard``) above the app list on the front page.

Installed as the default site by ``BetterFormAdminConfig`` (in INSTALLED_APPS instead of
``django.contrib.admin``), so every ``@admin.register`` of the apps lands on it unchanged: the
apps' admins keep working on a foreign project's stock admin site too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse_lazy

# The apps an operations person works in, in this order; any other app (accounts, API keys,
# tokens, background tasks, worker heartbeats) follows, alphabetically as Django lists them.
BUSINESS_APPS = ("betterform", "monday_integration", "createpdf")


class BetterFormAdminSite(admin.AdminSite):
    site_header = "BetterForm"
    site_title = "BetterForm admin"
    index_title = "Operations dashboard"
    # "View site": the API documentation, the one page the site serves outside the admin.
    site_url = reverse_lazy("swagger-ui")
    index_template = "admin/betterform_index.html"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(BUSINESS_APPS)}
        # sorted() is stable: the others keep Django's alphabetical order after the business.
        return sorted(apps, key=lambda app: rank.get(app["app_label"], len(rank)))

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        from betterform_site.dashboard import build_dashboard  # its models load after apps

        context = {"dashboard": build_dashboard(), **(extra_context or {})}
        response: TemplateResponse = super().index(request, extra_context=context)
        return response


class BetterFormAdminConfig(AdminConfig):
    default_site = "betterform_site.admin_site.BetterFormAdminSite"
