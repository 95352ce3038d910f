"""Settings of the site ``bench_http`` serves: the site's own, plus the bare baselines' URLs.

``DJANGO_SETTINGS_MODULE=benchmarks.http_settings``; everything else (the database, its pool,
``DJANGO_ENV``) comes from the environment exactly as for the site.
"""

from betterform_site.settings import *  # noqa: F403  (the site's settings, unchanged)

ROOT_URLCONF = "benchmarks.http_urls"
