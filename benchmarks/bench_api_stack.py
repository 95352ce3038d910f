"""What the API stack (DRF, token auth, throttling, JSON rendering) costs per request."""

from __future__ import annotations

import types

from benchmarks.harness import Comparison, compare


def run() -> list[Comparison]:
    from django.contrib.auth import get_user_model
    from django.http import JsonResponse
    from django.test import Client, override_settings
    from django.urls import path
    from rest_framework.authtoken.models import Token

    import betterform_site.urls

    user, _ = get_user_model().objects.get_or_create(username="bench", email="bench@example.com")
    token, _ = Token.objects.get_or_create(user=user)

    def bare_me(request):
        return JsonResponse({"email": user.email, "id": user.pk, "username": user.username})

    urlconf = types.ModuleType("bench_urls")
    urlconf.urlpatterns = [path("bare/me/", bare_me), *betterform_site.urls.urlpatterns]
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    with override_settings(ROOT_URLCONF=urlconf):
        return [
            compare(
                "GET /api/auth/users/me/ (token auth) vs bare Django view",
                lambda: client.get("/api/auth/users/me/"),
                lambda: client.get("/bare/me/"),
                calls=100,
                note="informational: the fixed cost every API endpoint pays",
            )
        ]
