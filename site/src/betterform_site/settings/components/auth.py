"""Authentication: users and passwords (Django), registration and tokens (djoser), API keys.

https://djoser.readthedocs.io/en/latest/settings.html
https://florimondmanca.github.io/djangorestframework-api-key/
"""

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "admin:login"

DJOSER = {
    "SEND_ACTIVATION_EMAIL": True,
    "SEND_CONFIRMATION_EMAIL": True,
    "ACTIVATION_URL": "accounts/activate/{uid}/{token}/",
    "PASSWORD_RESET_CONFIRM_URL": "accounts/reset/{uid}/{token}/",
    # Off, both: an address nobody has must get the answer one somebody has gets.
    "PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND": False,
    "USERNAME_RESET_SHOW_EMAIL_NOT_FOUND": False,
    "USER_CREATE_PASSWORD_RETYPE": False,
    "TOKEN_MODEL": "rest_framework.authtoken.models.Token",
    "HIDE_USERS": True,
    "EMAIL": {"username_reset": "betterform_site.accounts.UsernameReminderEmail"},
    "SERIALIZERS": {
        "user_create": "betterform_site.account_serializers.UserCreateSerializer",
        "user": "betterform_site.account_serializers.UserSerializer",
        "current_user": "betterform_site.account_serializers.UserSerializer",
        "password_reset": "betterform_site.account_serializers.EmailLookupSerializer",
        "username_reset": "betterform_site.account_serializers.EmailLookupSerializer",
        "activation": "betterform_site.accounts.ActivationSerializer",
        "password_reset_confirm": "betterform_site.accounts.PasswordResetConfirmSerializer",
        "username_reset_confirm": "betterform_site.accounts.UsernameResetConfirmSerializer",
    },
}

# Clients send ``Authorization: Api-Key <key>`` (the library's default header).
API_KEY_CUSTOM_HEADER = None
