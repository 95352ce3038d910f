"""API keys for machine clients: ``Authorization: Api-Key <key>``.

Staff issue and revoke keys in the admin (djangorestframework-api-key). This authentication
class makes a valid key the request's credentials (``request.auth`` is the ``APIKey``; the user
stays anonymous), rejects a bad, revoked or expired key with 401 rather than silently ignoring
it, and describes the scheme in the OpenAPI document. Apps grant keys access with
``rest_framework_api_key.permissions.HasAPIKey``.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_api_key.models import APIKey
from rest_framework_api_key.permissions import KeyParser


class APIKeyAuthentication(authentication.BaseAuthentication):
    keyword = KeyParser.keyword

    def authenticate(self, request: Request) -> tuple[AnonymousUser, APIKey] | None:
        key = KeyParser().get(request)
        if key is None:
            return None
        try:
            api_key = APIKey.objects.get_from_key(key)
        except APIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key has expired.")
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "betterform_site.api_keys.APIKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key issued by staff in the admin, sent as `Api-Key <key>`.",
        }
