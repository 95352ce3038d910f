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
from djoser.conf import settings as djoser_settings
from djoser.views import TokenCreateView, TokenDestroyView, UserViewSet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle

from betterform_site.account_schema import LOG_IN, LOG_OUT, USER_ACTIONS

# djoser's actions that answer ``Response(status=HTTP_204_NO_CONTENT)`` and nothing else on
# success (djoser's ``views.py``); drf-spectacular would read a 200 with the action's serializer.
_NO_CONTENT = extend_schema(responses={204: OpenApiResponse(description="Done (no content).")})


@extend_schema_view(
    **{
        name: _NO_CONTENT
        for name in (
            "activation",
            "resend_activation",
            "set_password",
            "reset_password",
            "reset_password_confirm",
            "set_username",
            "reset_username",
            "reset_username_confirm",
        )
    }
)
@extend_schema_view(**USER_ACTIONS)
class OrderedUserViewSet(UserViewSet):
    """djoser's users endpoint with a stable order, so its pages never overlap, and another
    user's account a 404 for every method: djoser's ``HIDE_USERS`` leaves ``destroy`` out, and
    its 403 there would tell which user ids exist.

    After ``<action>:``, what the API schema says of that action (DRF's convention for
    viewset docstrings, read by ``betterform_site.openapi``); djoser's own actions are
    described in ``account_schema``.

    list:
    A user gets only their own account; staff get every account. Account endpoints are for
    people: an API key client gets a 403.

    create:
    Register: open to anyone. ``email`` must not belong to another account and ``password``
    must pass the site's password rules (a 400 names the field). The account starts inactive
    until the link emailed to it is followed (``activate_user``).

    update, partial_update:
    Your own account (staff: any). A new ``email`` (unique across accounts) deactivates the
    account until the link emailed to it is followed.

    destroy:
    Your own account (staff: any), confirmed by your ``current_password`` in the body (a 400
    when it is wrong). Deleting your own account deletes your token too.
    """

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
    """djoser's, with ``uid`` and ``token`` among its fields: the ``Meta.fields`` it inherits
    from the ``UsernameSerializer`` model serializer left them out, so djoser read them from
    the raw body while the API schema said the body was ``new_username`` alone."""

    class Meta(djoser_serializers.UsernameResetConfirmSerializer.Meta):
        fields = (*djoser_serializers.UsernameResetConfirmSerializer.Meta.fields, "uid", "token")


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


# djoser's TokenCreateSerializer reads both fields as optional, but a login without either is
# a 400 ("Unable to log in with provided credentials."), so a client must send both.
_LOGIN = inline_serializer(
    "TokenCreate",
    {
        djoser_settings.LOGIN_FIELD: serializers.CharField(),
        "password": serializers.CharField(write_only=True, style={"input_type": "password"}),
    },
)


@extend_schema(
    request=_LOGIN,
    responses={
        200: OpenApiResponse(
            djoser_settings.SERIALIZERS.token,
            description="The token: send it as `Authorization: Token <auth_token>`.",
        ),
        400: OpenApiResponse(description="Unable to log in with the credentials sent."),
    },
)
@extend_schema_view(post=LOG_IN)
class ThrottledTokenCreateView(TokenCreateView):
    """djoser's token login, limited per client address by the ``login`` throttle rate."""

    throttle_classes = [ScopedRateThrottle, AnonRateThrottle]
    throttle_scope = "login"


@extend_schema(
    request=None,
    responses={204: OpenApiResponse(description="Logged out: the token no longer works.")},
)
@extend_schema_view(post=LOG_OUT)
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
