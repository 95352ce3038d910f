"""Operation ids, summaries and descriptions of the account endpoints, which djoser leaves bare.

``accounts`` applies them: ``extend_schema_view(**USER_ACTIONS)`` on the users viewset (its
standard actions are named by ``betterform_site.openapi``, and described by its docstring), and
``LOG_IN``/``LOG_OUT`` on the token views. What they say follows djoser's ``views.py`` and
``serializers.py`` with this site's ``DJOSER`` settings (``settings/components/auth.py``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema


def _operation(operation_id: str, summary: str, description: str, method: str = "") -> Any:
    methods = [method] if method else None
    return extend_schema(
        operation_id=operation_id, summary=summary, description=description, methods=methods
    )


LOG_IN = _operation(
    "log_in",
    "Log in",
    "Exchange a username and password for a token; send it on every other request as "
    "`Authorization: Token <auth_token>`. Logging in again gives the same token until "
    "`log_out`. An account not yet activated cannot log in. A 400 for credentials that do not "
    "match; limited per client address (the site's `login` rate): past it, a 429 with "
    "`Retry-After`.",
)
LOG_OUT = _operation(
    "log_out",
    "Log out",
    "Delete the token the request was sent with: it no longer works anywhere (a 204). Log in "
    "again for a new one.",
)

_ME = "your own account (the one the request is authenticated as)"
USER_ACTIONS = {
    "me": [
        _operation("get_me", "Get your account", f"The user record of {_ME}.", "GET"),
        _operation(
            "replace_me",
            "Replace your account",
            f"Send the whole user record of {_ME}. A new `email` (unique across accounts) "
            "deactivates the account until the link emailed to it is followed.",
            "PUT",
        ),
        _operation(
            "update_me",
            "Update your account (partial)",
            f"Change only the fields sent of {_ME}. A new `email` (unique across accounts) "
            "deactivates the account until the link emailed to it is followed.",
            "PATCH",
        ),
        _operation(
            "delete_me",
            "Delete your account",
            f"Delete {_ME}, confirmed by its `current_password` in the body; its token goes "
            "with it (a 204). A wrong password is a 400.",
            "DELETE",
        ),
    ],
    "activation": _operation(
        "activate_user",
        "Activate an account",
        "Activate a new account with the `uid` and `token` of the link emailed at "
        "registration (a 204; a confirmation email follows). A 400 for a uid or token that is "
        "not valid, a 403 when the account is already active.",
    ),
    "resend_activation": _operation(
        "resend_activation",
        "Resend the activation email",
        "Email the activation link again to the inactive account with this `email`. The answer "
        "is a 204 whether or not there is one, so it tells nobody which addresses have accounts.",
    ),
    "set_password": _operation(
        "set_password",
        "Change your password",
        "Set `new_password` (checked by the site's password rules) on your own account, "
        "confirmed by its `current_password` (a 204). A 400 names the field at fault.",
    ),
    "reset_password": _operation(
        "reset_password",
        "Request a password reset email",
        "Email a password reset link to the account with this `email`. The answer is a 204 "
        "whether or not there is one, so it tells nobody which addresses have accounts.",
    ),
    "reset_password_confirm": _operation(
        "confirm_password_reset",
        "Reset a password with an emailed link",
        "Set `new_password` with the `uid` and `token` of the emailed reset link (a 204); the "
        "link then no longer works. A 400 for a uid or token that is not valid, or a password "
        "the site's rules refuse.",
    ),
    "set_username": _operation(
        "set_username",
        "Change your username",
        "Set `new_username` on your own account, confirmed by its `current_password` (a 204). "
        "A 400 for a username taken or not valid, or a wrong password.",
    ),
    "reset_username": _operation(
        "reset_username",
        "Email a forgotten username",
        "Email its username to the account with this `email` (this site sends the username "
        "itself, not a link). The answer is a 204 whether or not there is one, so it tells "
        "nobody which addresses have accounts.",
    ),
    "reset_username_confirm": _operation(
        "confirm_username_reset",
        "Set a username with an emailed token",
        "Set `new_username` with a `uid` and `token` from djoser's username reset link (a "
        "204). This site's username email carries the username rather than a link, so most "
        "clients need `set_username` instead.",
    ),
}
