"""The ASGI application uvicorn serves (``betterform_site.asgi:application``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betterform_site.settings")

from betterform_site.startup import load_settings_or_exit

load_settings_or_exit()

from django.core.asgi import get_asgi_application  # noqa: E402

application = get_asgi_application()
