"""The cache (throttling counters): per process by default, shared through Redis when set.

django-redis rather than Django's own Redis backend for one reason: ``IGNORE_EXCEPTIONS``.
When Redis goes away the cache behaves as empty (and logs it) instead of failing every request
that throttles; the API keeps answering, without shared counters until Redis is back.

https://docs.djangoproject.com/en/5.2/topics/cache/ and https://github.com/jazzband/django-redis
"""

from betterform_site.env import env_str

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
