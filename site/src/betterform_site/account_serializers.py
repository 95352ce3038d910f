"""djoser's serializers that keep one email to one account (``account_emails``).

Sign-up and email changes refuse an address another account has, in any case; password reset,
username reset and resending the activation find the account in any case and answer the same
whether or not it exists. (Apart from ``accounts``: djoser's views module reads the ``user``
serializer when it is imported, and ``accounts`` imports those views.)
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from djoser import serializers as djoser_serializers
from djoser.conf import settings as djoser_settings
from rest_framework.exceptions import ValidationError

from betterform_site.account_emails import EMAIL_TAKEN, email_taken, user_for_email


class UniqueEmailMixin:
    """An email another account has, in any case, is a 400 on the ``email`` field."""

    def validate_email(self, value: str) -> str:
        instance = getattr(self, "instance", None)
        if email_taken(value, exclude_pk=instance.pk if instance is not None else None):
            raise ValidationError(EMAIL_TAKEN, code="unique")
        return value


class UserCreateSerializer(UniqueEmailMixin, djoser_serializers.UserCreateSerializer):
    """Sign-up; two sign-ups racing for one address: djoser turns the database's refusal of
    the second into its 400 "Unable to create account"."""


class UserSerializer(UniqueEmailMixin, djoser_serializers.UserSerializer):
    """The user and ``/users/me/``: an email change racing another account's is a 400 too."""

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        try:
            with transaction.atomic():
                return super().update(instance, validated_data)
        except IntegrityError:
            raise ValidationError({"email": [EMAIL_TAKEN]}, code="unique") from None


class EmailLookupSerializer(djoser_serializers.SendEmailResetSerializer):
    """Password reset, username reset and resending the activation: the address finds its
    account in any case, and never more than one (djoser's exact-match ``get`` failed with a
    500 on two). An unknown address is no error unless djoser's ``*_SHOW_EMAIL_NOT_FOUND``
    settings ask for one (the site leaves them off: the answer must not tell who has an
    account)."""

    def get_user(self, is_active: bool = True) -> Any:
        user = user_for_email(self.data.get(self.email_field, ""), is_active=is_active)
        if user is None and (
            djoser_settings.PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND
            or djoser_settings.USERNAME_RESET_SHOW_EMAIL_NOT_FOUND
        ):
            self.fail("email_not_found")
        return user
