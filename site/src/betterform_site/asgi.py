"""The ASGI application uvicorn serves (``betterform_site.asgi:application``): Socket.IO at
``/socket.io/``, everything else Django."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "betterform_site.settings")

from betterform_site.startup import load_settings_or_exit

load_settings_or_exit()

from django.core.asgi import get_asgi_application  # noqa: E402

from betterform_site.realtime.server import mount  # noqa: E402

application = mount(get_asgi_application())
