"""Who may see a document: whoever asked for it (a user, or an API key client), and staff.

createpdf does not depend on an API key library: a request's ``auth`` that looks like a
djangorestframework-api-key key (it has ``prefix`` and ``has_expired``) identifies the client.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import permissions
from rest_framework.request import Request


def api_key_id(request: Request) -> str:
    auth = getattr(request, "auth", None)
    if auth is not None and hasattr(auth, "prefix") and hasattr(auth, "has_expired"):
        return str(auth.pk)
    return ""


def user_of(request: Request) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def visible_documents(queryset: QuerySet, request: Request) -> QuerySet:
    user = user_of(request)
    if user is not None and user.is_staff:
        return queryset
    if user is not None:
        return queryset.filter(requested_by=user)
    key = api_key_id(request)
    if key:
        return queryset.filter(requested_by=None, requested_by_key=key)
    return queryset.none()


class IsUserOrAPIKey(permissions.BasePermission):
    message = "Log in, or send an API key."

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_of(request) is not None or bool(api_key_id(request))
