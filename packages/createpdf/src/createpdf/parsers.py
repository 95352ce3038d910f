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
contexts, maps). So is a number no database stores (``1e400`` is read as infinity) and JSON
nested more than ``storable.MAX_DEPTH`` levels; text nested too deep for ``json`` to parse
at all (near 1,000 levels: a ``RecursionError``, which DRF's parser lets through as a 500) is
a parse error like any other.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from createpdf.storable import TOO_DEEP, find_unstorable, unstorable_message


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that refuses a character or number no database stores anywhere in
    the body, and a body nested too deep (a 400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - the request body is {TOO_DEEP}.") from None
        found = find_unstorable(data)
        if found is not None:
            where, what = found
            raise ParseError(f"The request body's {unstorable_message(where, what)}")
        return data
