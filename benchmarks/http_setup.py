"""Prepare ``bench_http``'s database: ``python -m benchmarks.http_setup`` (its environment names
the database, empty). Migrates, builds the 1x data of the scale bench (``scale_build``: 10
reps, 1,000 quotes of 3-5 lines, 2,000 submissions with answers, their history), gives each rep
a token, adds a monday board mapping, and prints one JSON line: the reps' tokens, the mapping's
webhook path and board id, the data's size and whether the database pool is on.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what migrate or the build print goes to stderr
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.http_settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter() - started

    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from benchmarks.scale_build import build
    from betterform.models import Form
    from monday_integration.models import BoardMapping

    built = build(1)
    reps = get_user_model().objects.filter(username__startswith="bench-rep-").order_by("id")
    tokens = [Token.objects.create(user=rep).key for rep in reps]
    mapping = BoardMapping.objects.create(
        name="Bench HTTP board",
        board_id="20000000001",
        form=Form.objects.order_by("id").first(),
        trigger_column_id="status",
        status_column_id="status",
    )
    options = settings.DATABASES["default"].get("OPTIONS", {})
    info = {
        "tokens": tokens,
        "webhook_path": f"/api/monday/webhooks/{mapping.webhook_secret}/",
        "board_id": mapping.board_id,
        "quotes": built.quotes,
        "submissions": built.submissions,
        "migrate_seconds": migrated,
        "build_seconds": built.seconds,
        "pool": bool(options.get("pool")),
        "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE", 0),
    }
    out.write(json.dumps(info) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
