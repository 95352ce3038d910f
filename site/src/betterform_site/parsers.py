"""Request body parsing for the whole API.

PostgreSQL cannot store a NUL character in text or jsonb (SQLite can), so a JSON body that
holds one anywhere, in a string or a key, is a 400 naming where, on both databases, instead
of a 500 when it reaches the database. DRF's ``CharField`` already refuses NUL in plain
strings; this covers everything that arrives as JSON (answers, schemas, contexts, maps).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from createpdf.fitting import find_nul


class NulFreeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None):
        data = super().parse(stream, media_type, parser_context)
        where = find_nul(data)
        if where is not None:
            raise ParseError(
                f"The request body's {where} holds a NUL character (\\u0000), which cannot "
                "be stored; remove it."
            )
        return data
