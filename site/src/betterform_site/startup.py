"""Turn a configuration mistake into one sentence on stderr instead of a traceback.

Every entry point (manage.py, ``python -m betterform_site``, the ASGI app) calls
:func:`load_settings_or_exit` before Django reads its settings.
"""

from __future__ import annotations

import importlib
import os
import sys

from betterform_site.env import SettingsError

EXIT_BAD_CONFIGURATION = 2


def load_settings_or_exit() -> None:
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "betterform_site.settings")
    try:
        importlib.import_module(module)
    except SettingsError as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        raise SystemExit(EXIT_BAD_CONFIGURATION) from None
