"""The API errors betterform raises: createpdf's (the site's exception handler shapes them
into the API's error body)."""

from createpdf.errors import Conflict

__all__ = ["Conflict"]
