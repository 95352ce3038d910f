"""The cache (throttling counters): per process by default, shared through Redis when set.

https://docs.djangoproject.com/en/5.2/topics/cache/
"""

from betterform_site.env import env_str

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
