"""Request body parsing for the API: JSON only.

Every API view of createpdf, betterform and monday_integration declares
``parser_classes = [JSONParser]``, so a host project whose default also parses forms and
multipart cannot hand a view a body it would misread (a multipart quote lost its nested
``lines`` and was saved without them). Any other content type is a 415 naming
``application/json``.

A JSON body holding a character no database stores (NUL, or a lone surrogate such as
``"\\ud800"``: ``createpdf.storable``) anywhere, in a string or a key, is a 400 naming where,
on both databases, instead of a 500 when it reaches the database. DRF's ``CharField`` already
refuses both in plain strings; this covers everything that arrives as JSON (answers, schemas,
contexts, maps).
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from createpdf.storable import find_unstorable, unstorable_message


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses a character no database stores anywhere in the body
    (a 400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None):
        data = super().parse(stream, media_type, parser_context)
        found = find_unstorable(data)
        if found is not None:
            where, what = found
            raise ParseError(f"The request body's {unstorable_message(where, what)}")
        return data
