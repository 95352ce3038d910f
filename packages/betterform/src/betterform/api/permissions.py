"""Who may do what, in one place.

- Staff: everything.
- A rep (authenticated, not staff): only the forms, submissions and quotes they own; anyone
  else's object is a 404 (it is filtered out, not forbidden, so ids do not leak).
- An API key client (``Authorization: Api-Key <key>``): everything in betterform's API.
- Anonymous: only the public form endpoints.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework_api_key.models import AbstractAPIKey
from rest_framework_api_key.permissions import HasAPIKey, KeyParser


def api_key_of(request: Request) -> AbstractAPIKey | None:
    """The API key this request authenticated with, if any (checked once per request)."""
    cached = getattr(request, "_betterform_api_key", False)
    if cached is not False:
        return cached
    api_key = request.auth if isinstance(request.auth, AbstractAPIKey) else None
    if api_key is None:
        key = KeyParser().get(request)
        if key:
            from rest_framework_api_key.models import APIKey

            try:
                api_key = APIKey.objects.get_from_key(key)
            except APIKey.DoesNotExist:
                api_key = None
            if api_key is not None and api_key.has_expired:
                api_key = None
    request._betterform_api_key = api_key
    return api_key


def sees_everything(request: Request) -> bool:
    return bool(request.user and request.user.is_staff) or api_key_of(request) is not None


def scope_to_owner(queryset: QuerySet, request: Request) -> QuerySet:
    if sees_everything(request):
        return queryset
    return queryset.filter(owner=request.user)


def owner_for_new_object(request: Request) -> Any:
    """Who owns what this request creates: the user, or nobody for an API key client."""
    return request.user if request.user and request.user.is_authenticated else None


class IsStaffRepOrAPIKey(permissions.BasePermission):
    message = "Log in, or send an API key (Authorization: Api-Key <key>)."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        return HasAPIKey().has_permission(request, view)
