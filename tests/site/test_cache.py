"""With REDIS_URL set, processes share the cache (throttle counters) through Redis."""

from __future__ import annotations

import os
import uuid

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def test_redis_url_makes_processes_share_one_cache(manage):
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    key = f"betterform-test-{uuid.uuid4()}"
    env = {"DJANGO_ENV": "development", "REDIS_URL": redis_url}
    script = "from django.core.cache import cache; from django.conf import settings; {}"

    written = manage(
        "shell",
        "-v",
        "0",
        "-c",
        script.format(
            f"cache.set({key!r}, 'shared', 30); print(settings.CACHES['default']['BACKEND'])"
        ),
        env=env,
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == "django_redis.cache.RedisCache"

    read = manage("shell", "-v", "0", "-c", script.format(f"print(cache.get({key!r}))"), env=env)
    assert read.stdout.strip() == "shared"
