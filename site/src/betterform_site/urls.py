"""The site's URLs: admin, health, auth, API docs, then each app's API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from betterform_site.accounts import (
    ActivationView,
    LogoutView,
    OrderedUserViewSet,
    ThrottledTokenCreateView,
    throttled_admin_login,
)
from betterform_site.health import healthz

accounts_router = DefaultRouter(trailing_slash=True)
accounts_router.include_root_view = False
accounts_router.register("users", OrderedUserViewSet, basename="user")

urlpatterns = [
    path("admin/login/", throttled_admin_login),  # before admin.site.urls, which has its own
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Auth: djoser, with the login endpoint throttled.
    path("api/auth/token/login/", ThrottledTokenCreateView.as_view(), name="login"),
    path("api/auth/token/logout/", LogoutView.as_view(), name="logout"),
    path("api/auth/", include(accounts_router.urls)),
    path("accounts/activate/<str:uid>/<str:token>/", ActivationView.as_view(), name="activate"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/reset/done/"),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # API documentation (assets served locally by drf-spectacular-sidecar).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # The apps.
    path("api/pdf/", include("createpdf.urls")),
    path("api/monday/", include("monday_integration.urls")),
    path("api/", include("betterform.urls")),
    # The customer's pages: the public form (/f/<token>/) and the quote (/q/<token>/).
    path("", include("betterform.customer.urls")),
]

# An unknown /api/ URL answers the API's error body (JSON), not Django's HTML page.
handler404 = "betterform_site.exceptions.not_found"
