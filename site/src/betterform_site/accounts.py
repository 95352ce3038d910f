"""Account pages and endpoints the site adds around djoser.

djoser's emails link to ``ACTIVATION_URL``; with no JavaScript front-end, the site answers that
link itself with a confirmation page whose button posts the activation (a GET never changes
state). Password reset links go to Django's own reset-confirm pages. The serializers that keep
one email to one account are in ``account_serializers``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from djoser import email as djoser_email
from djoser import serializers as djoser_serializers
from djoser import signals, utils
from djoser.views import TokenCreateView, TokenDestroyView, UserViewSet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle


class OrderedUserViewSet(UserViewSet):
    """djoser's users endpoint with a stable order, so its pages never overlap, and another
    user's account a 404 for every method: djoser's ``HIDE_USERS`` leaves ``destroy`` out, and
    its 403 there would tell which user ids exist."""

    ordering = ("username",)

    def get_object(self) -> Any:
        # /users/me/ has no id in its URL; djoser swaps in get_instance inside its action only,
        # so OPTIONS (DRF's metadata calls get_object) would fail there.
        return super().get_object() if self.detail else self.get_instance()

    def permission_denied(self, request: Any, **kwargs: Any) -> None:
        if request.user.is_authenticated and self.action == "destroy":
            raise NotFound()
        super().permission_denied(request, **kwargs)


class StringUidMixin:
    """djoser reads ``uid`` from the raw body and fails on anything but a string (a JSON
    number gave a 500); a uid is a base64 string, so anything else is simply invalid."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(self.initial_data.get("uid", ""), str):
            message = self.error_messages["invalid_uid"]
            raise ValidationError({"uid": [message]}, code="invalid_uid")
        return super().validate(attrs)


class ActivationSerializer(StringUidMixin, djoser_serializers.ActivationSerializer):
    pass


class PasswordResetConfirmSerializer(
    StringUidMixin, djoser_serializers.PasswordResetConfirmSerializer
):
    pass


class UsernameResetConfirmSerializer(
    StringUidMixin, djoser_serializers.UsernameResetConfirmSerializer
):
    pass


class UsernameReminderEmail(djoser_email.UsernameResetEmail):
    """djoser's username reset email without its link: the site has no page to choose a new
    username (djoser's link needs ``USERNAME_RESET_CONFIRM_URL``; without it a known address
    was a 500, an unknown one a 204), so it tells the username, which is what a user who forgot
    it needs."""

    template_name = "betterform_site/email/username_reminder.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return djoser_email.BaseDjoserEmail.get_context_data(self, **kwargs)


class AdminLoginThrottle(SimpleRateThrottle):
    """The ``login`` rate, per client address, for the admin's password form."""

    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": "admin-login", "ident": self.get_ident(request)}


def throttled_admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's login, with the token login's limit on password attempts: without it the
    form would be the way around that limit."""
    throttle = AdminLoginThrottle()
    if request.method == "POST" and not throttle.allow_request(request, None):
        wait = int(throttle.wait() or 60)
        response = HttpResponse(
            f"Too many login attempts from your address; try again in {wait} seconds.",
            status=429,
            content_type="text/plain",
        )
        response["Retry-After"] = str(wait)
        return response
    return admin.site.login(request, extra_context)


class ThrottledTokenCreateView(TokenCreateView):
    """djoser's token login, limited per client address by the ``login`` throttle rate."""

    throttle_classes = [ScopedRateThrottle, AnonRateThrottle]
    throttle_scope = "login"


@extend_schema(
    request=None,
    responses={204: OpenApiResponse(description="Logged out: the token no longer works.")},
)
class LogoutView(TokenDestroyView):
    """djoser's token logout, described for the OpenAPI schema (it has no request body)."""


def activate_user(uid: str, token: str) -> bool:
    """Activate the user the link names; False when the link is malformed, stale or used."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=utils.decode_uid(uid))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return False
    if user.is_active or not default_token_generator.check_token(user, token):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    signals.user_activated.send(sender=activate_user, user=user, request=None)
    return True


class ActivationView(View):
    template_name = "betterform_site/activation.html"

    def get(self, request: HttpRequest, uid: str, token: str) -> HttpResponse:
        return render(request, self.template_name, {"state": "confirm"})

    def post(self, request: HttpRequest, uid: str, token: str) -> HttpResponse:
        activated = activate_user(uid, token)
        return render(
            request,
            self.template_name,
            {"state": "done" if activated else "invalid"},
            status=200 if activated else 400,
        )
