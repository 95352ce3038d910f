"""``multipart/form-data`` for ``POST /v2/file``: a small binary-safe parser and the mapping of
its parts onto a GraphQL request.

Only the forms monday documents are accepted, so a malformed upload fails a test:

* monday's JS SDK (``@mondaydotcomorg/api``, ``middleware/file-upload.ts``): part ``query``,
  part ``variables`` (JSON, each file variable ``null``), part ``map`` =
  ``{"0": ["variables.file"]}``, then the file in part ``0``;
* monday's Python SDK (``monday-api-python-sdk``, ``execute_multipart``): part ``query`` (other
  arguments inline), ``map`` = ``{"file": ["variables.file"]}``, the file in part ``file``;
  monday's API reference ("Files") shows the same with a single path, ``{"image":
  "variables.file"}``;
* the API reference's curl form: part ``query`` (ids inline) and the file in ``variables[file]``,
  with neither ``variables`` nor ``map``.

No monday source combines a ``variables`` part with ``variables[...]`` file parts, nor uses
the GraphQL multipart spec's ``operations`` part; the fake refuses both, and any other part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from email.message import Message
from typing import Any

from monday_integration.testing.views import Upload, guess_type

_VARIABLE_PART = re.compile(r"variables\[(?P<name>[^\]]+)\]")


class MultipartError(ValueError):
    pass


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def text(self) -> str:
        return self.data.decode("utf-8")


def _header_param(header: str, value: str, param: str) -> str | None:
    message = Message()
    message[header] = value
    found = message.get_param(param, header=header)
    if isinstance(found, tuple):  # RFC 2231 encoded (filename*=UTF-8''...)
        return str(found[2])
    return found if isinstance(found, str) else None


def parse(content_type: str, body: bytes) -> list[Part]:
    boundary = _header_param("content-type", content_type, "boundary")
    if not content_type.lower().startswith("multipart/form-data") or not boundary:
        raise MultipartError("expected multipart/form-data with a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    if body.startswith(delimiter):
        position = len(delimiter)
    else:
        start = body.find(b"\r\n" + delimiter)
        if start < 0:
            raise MultipartError("no multipart boundary in the body")
        position = start + 2 + len(delimiter)
    parts = []
    while True:
        if body[position : position + 2] == b"--":
            return parts
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            raise MultipartError("truncated multipart body")
        start = line_end + 2
        end = body.find(b"\r\n" + delimiter, start)
        if end < 0:
            raise MultipartError("unterminated multipart part")
        parts.append(_parse_part(body[start:end]))
        position = end + 2 + len(delimiter)


def _parse_part(raw: bytes) -> Part:
    if raw.startswith(b"\r\n"):
        head, data = b"", raw[2:]
    else:
        head, separator, data = raw.partition(b"\r\n\r\n")
        if not separator:
            raise MultipartError("multipart part without a header block")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").split("\r\n"):
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    disposition = headers.get("content-disposition", "")
    name = _header_param("content-disposition", disposition, "name")
    if name is None:
        raise MultipartError("multipart part without a name")
    filename = _header_param("content-disposition", disposition, "filename")
    return Part(name, filename, headers.get("content-type"), data)


def to_graphql_request(parts: list[Part]) -> dict[str, Any]:
    """``{"query", "variables"}`` with :class:`Upload` objects as files; raises
    ``MultipartError`` for any form monday does not document."""
    by_name = {part.name: part for part in parts}
    if len(by_name) != len(parts):
        raise MultipartError("a multipart part name is repeated")
    if "query" not in by_name or not by_name["query"].data.strip():
        raise MultipartError("multipart request without a query part")
    inline = [part for part in parts if _VARIABLE_PART.fullmatch(part.name)]
    if "map" in by_name:
        if inline:
            raise MultipartError("a map part and variables[...] parts are not sent together")
        variables = _mapped(by_name)
    elif inline:
        if "variables" in by_name:
            raise MultipartError(
                "variables[...] file parts come without a variables part (monday's curl form)"
            )
        variables = {_VARIABLE_PART.fullmatch(p.name)["name"]: _upload(p) for p in inline}
        _refuse_others(by_name, {"query", *(part.name for part in inline)})
    else:
        raise MultipartError("no file: send a map part or a variables[file] part")
    return {"query": by_name["query"].text(), "variables": variables}


def _mapped(by_name: dict[str, Part]) -> dict[str, Any]:
    """The SDK forms: ``variables`` (optional, files null) and ``map`` naming the file parts."""
    variables: Any = {}
    if "variables" in by_name:
        variables = _json_part(by_name["variables"])
        if not isinstance(variables, dict):
            raise MultipartError("variables must be a JSON object")
    mapping = _json_part(by_name["map"])
    if not isinstance(mapping, dict) or not mapping:
        raise MultipartError('map must be a JSON object such as {"0": ["variables.file"]}')
    for part_name, paths in mapping.items():
        if part_name not in by_name or part_name in ("query", "variables", "map"):
            raise MultipartError(f"map names a missing file part {part_name!r}")
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not paths:
            raise MultipartError(f"map entry {part_name!r} must list variable paths")
        for path in paths:
            _assign(variables, str(path), _upload(by_name[part_name]))
    _refuse_others(by_name, {"query", "variables", "map", *mapping})
    return variables


def _refuse_others(by_name: dict[str, Part], allowed: set[str]) -> None:
    others = sorted(set(by_name) - allowed)
    if others:
        raise MultipartError(f"unexpected multipart parts {others} (monday's forms only)")


def _json_part(part: Part) -> Any:
    try:
        return json.loads(part.text()) if part.data.strip() else None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MultipartError(f"part {part.name!r} is not valid JSON") from exc


def _upload(part: Part) -> Upload:
    filename = part.filename or part.name
    content_type = part.content_type or guess_type(filename)
    return Upload(filename, content_type, part.data)


def _assign(variables: dict[str, Any], path: str, upload: Upload) -> None:
    keys = path.split(".")
    if keys[0] != "variables" or len(keys) < 2:
        raise MultipartError(f"map path {path!r} must start with 'variables.'")
    target: Any = variables
    try:
        for key in keys[1:-1]:
            target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
        last: Any = int(keys[-1]) if isinstance(target, list) else keys[-1]
        if isinstance(target, dict) and target.get(last) is not None:
            raise MultipartError(f"variable {path!r} must be null in variables, not a value")
        target[last] = upload
    except MultipartError:
        raise
    except (IndexError, ValueError, TypeError, AttributeError):
        raise MultipartError(f"map path {path!r} does not fit the variables") from None
