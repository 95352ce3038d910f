"""Checking an uploaded company logo and turning it into a ``data:`` URI for the quote PDF.

A logo is PNG, JPEG or SVG, at most ``LOGO_MAX_BYTES``; the file's content decides its type,
not its name. PNG and JPEG are opened with Pillow (installed with WeasyPrint) and limited to
``LOGO_MAX_SIDE`` pixels a side, so a small file cannot decode into gigabytes at render time.
An SVG must parse as XML (``defusedxml``) with an ``<svg>`` root and no DTD or entities, and
may hold only drawing elements (``SVG_ELEMENTS``: shapes, paths, text, gradients, groups), at
most ``SVG_MAX_ELEMENTS`` of them nested at most ``SVG_MAX_DEPTH`` deep, with no event handler
attributes. The logo is drawn on every quote PDF, so what it may cost is bounded at upload:
``<use>`` (a 2 KB file of nested ``<use>`` took WeasyPrint past the render's 60 s CPU limit),
``<pattern>``, ``<filter>``, ``<image>``, ``<script>`` and ``<foreignObject>`` are refused. The
PDF gets the logo as a ``data:`` URI because createpdf's URL fetcher serves nothing else outside
its own static files; whatever an SVG references is refused by that fetcher too.
"""

from __future__ import annotations

import base64
import io
import warnings
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_SIDE = 4000
LOGO_EXTENSIONS = ["png", "jpg", "jpeg", "svg"]
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
SVG_ROOT = f"{SVG_NAMESPACE}svg"
SVG_ELEMENTS = frozenset(
    [
        "svg", "g", "defs", "title", "desc", "metadata", "style", "path", "rect", "circle",
        "ellipse", "line", "polyline", "polygon", "text", "tspan", "linearGradient",
        "radialGradient", "stop", "clipPath", "mask",
    ]
)  # fmt: skip
SVG_MAX_ELEMENTS = 5000
SVG_MAX_DEPTH = 32

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def _raster_type(content: bytes, expected: str) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels on and refuses from twice that: a 138-byte
            # PNG can claim 60000x60000. Either way it is too big for a logo.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                kind, size = image.format, image.size
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"The logo claims too many pixels; at most {LOGO_MAX_SIDE} a side."
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(f"The logo is not a readable image ({error}).") from None
    if kind != expected:
        raise ValidationError(f"The logo is not a readable {expected} image.")
    if max(size) > LOGO_MAX_SIDE:
        raise ValidationError(
            f"The logo is {size[0]}x{size[1]} pixels; at most {LOGO_MAX_SIDE} a side."
        )
    return "image/png" if kind == "PNG" else "image/jpeg"


def _svg_type(content: bytes) -> str:
    try:
        root = fromstring(content, forbid_dtd=True)
    except DefusedXmlException:
        raise ValidationError("The SVG logo may not contain a DOCTYPE or entities.") from None
    except ParseError as error:
        raise ValidationError(f"The SVG logo is not valid XML ({error}).") from None
    if root.tag != SVG_ROOT:
        raise ValidationError("The logo is not an SVG image (its root element is not <svg>).")
    _check_svg_elements(root)
    return "image/svg+xml"


def _check_svg_elements(root: Any) -> None:
    count = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        if count > SVG_MAX_ELEMENTS or depth > SVG_MAX_DEPTH:
            raise ValidationError(
                f"The SVG logo is too complex: at most {SVG_MAX_ELEMENTS} elements nested at "
                f"most {SVG_MAX_DEPTH} deep."
            )
        name = str(element.tag).removeprefix(SVG_NAMESPACE)
        if name not in SVG_ELEMENTS:
            raise ValidationError(
                f"The SVG logo may not contain <{name}>; export it with plain shapes and paths "
                "(no <use>, <image>, <pattern>, <filter> or scripts)."
            )
        if handler := next((attr for attr in element.attrib if attr.startswith("on")), None):
            raise ValidationError(f"The SVG logo may not contain event handlers ({handler}).")
        stack.extend((child, depth + 1) for child in element)


def logo_content_type(content: bytes) -> str:
    """``"image/png"``, ``"image/jpeg"`` or ``"image/svg+xml"`` for a valid logo's bytes.

    Raises ``ValidationError`` (one message, for the ``logo`` field) for anything else: too
    large, another format, a broken image, an image too many pixels wide or high."""
    if len(content) > LOGO_MAX_BYTES:
        raise ValidationError(
            f"The logo is {len(content) // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB."
        )
    if content.startswith(_PNG):
        return _raster_type(content, "PNG")
    if content.startswith(_JPEG):
        return _raster_type(content, "JPEG")
    if content.lstrip().startswith(b"<"):
        return _svg_type(content)
    raise ValidationError("Upload a PNG, JPEG or SVG image.")


def _read(file: Any) -> bytes:
    # An upload not yet stored, or a stored FieldFile: read from the start, leave it rewound.
    file.open("rb")
    try:
        file.seek(0)
        content = file.read(LOGO_MAX_BYTES + 1)
    finally:
        file.seek(0)
    return content


def validate_logo(file: Any) -> None:
    """Model field validator: the file's content is a valid logo (``logo_content_type``).

    A file already stored passed this check when it was uploaded; it is not read again (a
    profile whose logo went missing from the storage can still be edited)."""
    if getattr(file, "_committed", False):
        return
    logo_content_type(_read(file))


def data_uri(content: bytes) -> str:
    """The logo as ``data:<type>;base64,...`` (``ValidationError`` for invalid content)."""
    kind = logo_content_type(content)
    return f"data:{kind};base64,{base64.b64encode(content).decode('ascii')}"
