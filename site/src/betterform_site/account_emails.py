"""One email, one account: the rule for users' email addresses.

An address belongs to at most one user, compared without regard to case (the database's
``lower()``, the expression of the unique index that migration ``0003_user_email_unique``
adds to ``auth_user``); a blank email belongs to nobody. The API's user serializers and the
admin's user forms ask ``email_taken`` and answer a 400 naming the field. Lookups by email
(password and username reset, resending the activation) go through ``user_for_email``: case
does not matter, and no address ever finds more than one account.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower

EMAIL_TAKEN = "A user with this email address already exists."


def users_with_email(email: str) -> QuerySet[Any]:
    """Users whose email is ``email`` in any case, compared as the unique index compares."""
    users = get_user_model()._default_manager.alias(email_key=Lower("email"))
    return users.filter(email_key=Lower(Value(email)))


def email_taken(email: str, *, exclude_pk: Any = None) -> bool:
    """Whether another user (not ``exclude_pk``) already has ``email``, in any case."""
    if not email:
        return False
    users = users_with_email(email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


def user_for_email(email: str, *, is_active: bool = True) -> Any | None:
    """The user an email sent to ``email`` may be about (a reset, an activation), or None."""
    if not email:
        return None
    users = users_with_email(email).filter(is_active=is_active).order_by("date_joined", "pk")
    return next((user for user in users if user.has_usable_password()), None)
