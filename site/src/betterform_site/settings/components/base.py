"""Core Django settings: paths, apps, middleware, templates, static files, i18n.

https://docs.djangoproject.com/en/5.2/ref/settings/
"""

from pathlib import Path

import betterform_site
from betterform_site.env import env_bool, env_list, env_path, env_str

# (split-settings runs this file in the settings package's namespace, so __file__ is not ours.)
_CHECKOUT_SITE_DIR = Path(betterform_site.__file__).resolve().parents[2]

# Local state (SQLite database, uploaded and rendered files, collected static, dev secrets).
# In a checkout it defaults to site/var/ (git-ignored); an installed site uses ./var.
DATA_DIR = env_path(
    "BETTERFORM_DATA_DIR",
    _CHECKOUT_SITE_DIR / "var"
    if (_CHECKOUT_SITE_DIR / "manage.py").exists()
    else Path.cwd() / "var",
)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The customer pages' own page for a refused form post (cookies blocked); Django's elsewhere.
CSRF_FAILURE_VIEW = "betterform.customer.views_csrf.csrf_failure"

ROOT_URLCONF = "betterform_site.urls"
ASGI_APPLICATION = "betterform_site.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    # First, so its templates and its process_tasks (the worker with a heartbeat) win.
    "betterform_site",
    "whitenoise.runserver_nostatic",
    # Django's admin with the site's AdminSite (branding, app order, dashboard) as its default.
    "betterform_site.admin_site.BetterFormAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_api_key",
    "djoser",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reversion",
    "betterform_site.apps.BackgroundTasksConfig",
    "createpdf",
    "betterform",
    "monday_integration",
    "rangefilter",  # the admins' date range filters
    "import_export",  # the admins' CSV export (export only)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "betterform_site.middleware.NulInPathMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "betterform_site.middleware.DatabaseUnavailableMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# https://docs.djangoproject.com/en/5.2/howto/static-files/ (served by WhiteNoise)
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
