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
    "PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND": False,
    "USER_CREATE_PASSWORD_RETYPE": False,
    "TOKEN_MODEL": "rest_framework.authtoken.models.Token",
    "HIDE_USERS": True,
    "SERIALIZERS": {
        "activation": "betterform_site.accounts.ActivationSerializer",
        "password_reset_confirm": "betterform_site.accounts.PasswordResetConfirmSerializer",
        "username_reset_confirm": "betterform_site.accounts.UsernameResetConfirmSerializer",
    },
}

# Clients send ``Authorization: Api-Key <key>`` (the library's default header).
API_KEY_CUSTOM_HEADER = None
