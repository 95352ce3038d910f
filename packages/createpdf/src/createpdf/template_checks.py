"""What a document template must satisfy before it is saved, for every door that saves one:
the staff API (``serializers.DocumentTemplateSerializer``) and the admin
(``admin_template_form.DocumentTemplateForm``) call these, so they refuse the same templates
with the same messages.

The HTML and the CSS are both Jinja (the CSS may use the context too), so both must compile
in the sandboxed environment (``rendering.compile_template``); the sample context must be a
JSON object no larger than a document's context may be.
"""

from __future__ import annotations

import json
from typing import Any

from createpdf.conf import conf
from createpdf.rendering import TemplateError, compile_template


def source_error(source: str) -> str | None:
    """Why ``source`` (a template's HTML or CSS) does not compile, with its line, or None."""
    if not source:
        return None
    try:
        compile_template(source)
    except TemplateError as error:
        return f"does not compile: {error}"
    return None


def context_error(value: Any) -> str | None:
    """Why ``value`` is not a context a template may be rendered with, or None."""
    if not isinstance(value, dict):
        return "must be a JSON object."
    size = len(json.dumps(value, default=str).encode())
    if size > conf.CREATEPDF_MAX_CONTEXT_BYTES:
        return f"is {size} bytes; the limit is {conf.CREATEPDF_MAX_CONTEXT_BYTES} bytes."
    return None
