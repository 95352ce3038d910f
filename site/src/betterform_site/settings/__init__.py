"""Settings, composed with django-split-settings.

``components/`` hold one concern a file; ``environments/<DJANGO_ENV>.py`` adjusts them for
development (the default), test or production; an optional git-ignored ``environments/local.py``
comes last for a developer's own overrides. Every value a deployment changes is read from the
environment (see the configuration table in the README).
"""

from split_settings.tools import include, optional

from betterform_site.env import django_env

DJANGO_ENV = django_env()

include(
    "components/base.py",
    "components/database.py",
    "components/auth.py",
    "components/rest.py",
    "components/tasks.py",
    "components/email.py",
    "components/cache.py",
    "components/realtime.py",
    "components/logging.py",
    "components/apps.py",
    f"environments/{DJANGO_ENV}.py",
    optional("environments/local.py"),
)
