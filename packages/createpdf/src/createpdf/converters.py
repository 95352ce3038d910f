"""URL converters for our apps' routes.

``urltext``: Django's ``str`` converter (any text but ``/``) less the NUL character. A token
or secret taken from the URL is looked up in the database, and PostgreSQL cannot take a NUL
in a query (a ``DataError``, so a 500 for anyone who types ``%00``; SQLite just finds
nothing). With ``urltext`` such a URL matches no route: the same 404 as any unknown token.
Every string a route of ours captures uses it (``tests/site/test_url_text_edges.py`` tries
them all).
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import StringConverter, get_converters


class UrlTextConverter(StringConverter):
    regex = "[^/\x00]+"


def register() -> None:
    """Register ``urltext`` once (a URLconf that uses it calls this first)."""
    if "urltext" not in get_converters():
        register_converter(UrlTextConverter, "urltext")
