"""Quote numbers stay unique and gapless when many quotes are created at once.

The same code runs on both databases:

- PostgreSQL (``tests_postgres``): threads in this process, each with its own connection to
  the test database; the year's counter row is locked with SELECT ... FOR UPDATE.
- SQLite (``tests``): Django's SQLite test database lives in memory with a shared cache, where
  a second writer fails at once ("database table is locked") instead of waiting. So the code
  runs in a site process on a database file, configured exactly as the site configures SQLite
  (IMMEDIATE transactions, a 20 s busy timeout, WAL): there the writers queue, as they do in
  production.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from betterform.models import Quote
from betterform.numbering import format_number

THREADS = 8
QUOTES_EACH = 5


def create_concurrently(threads: int, each: int) -> dict[str, list[str]]:
    """Start ``threads`` threads together, each creating ``each`` quotes through
    ``services.create_quote`` on its own connection; return the numbers and any errors.

    Self-contained (imports inside) so a site process can run its source too."""
    import threading

    from django.db import connections

    from betterform import services

    start = threading.Barrier(threads)
    numbers: list[str] = []
    errors: list[str] = []

    def create_quotes() -> None:
        try:
            start.wait()
            for index in range(each):
                numbers.append(services.create_quote(title=f"Concurrent {index}").number)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()  # this thread's connection

    workers = [threading.Thread(target=create_quotes) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"numbers": numbers, "errors": errors}


def _in_a_site_process(manage: Any) -> dict[str, list[str]]:
    migrated = manage("migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    source = inspect.getsource(create_concurrently)
    script = (
        f"{source}\nimport json\nprint(json.dumps(create_concurrently({THREADS}, {QUOTES_EACH})))"
    )
    ran = manage("shell", "--no-imports", "--command", script)
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # on SQLite it starts site processes
@pytest.mark.django_db(transaction=True)
def test_quotes_created_at_once_get_distinct_gapless_numbers(manage):
    if connection.vendor == "sqlite":
        result = _in_a_site_process(manage)
    else:
        result = create_concurrently(THREADS, QUOTES_EACH)
        stored = Quote.objects.order_by("sequence").values_list("sequence", flat=True)
        assert list(stored) == list(range(1, THREADS * QUOTES_EACH + 1))

    assert result["errors"] == []
    numbers = result["numbers"]
    assert len(numbers) == len(set(numbers)) == THREADS * QUOTES_EACH
    year = timezone.localdate().year
    assert sorted(numbers) == [format_number(year, n) for n in range(1, THREADS * QUOTES_EACH + 1)]
