"""``multipart/form-data`` for ``POST /v2/file``: a small binary-safe parser and the mapping of
its parts onto a GraphQL request.

Accepted forms (as monday accepts them):

* part ``query`` (+ optional ``variables`` JSON) and the file in part ``variables[file]``;
* part ``query``, part ``map`` = ``{"file": "variables.file"}`` and the file in the part the map
  names (the GraphQL multipart spec's ``{"0": ["variables.file"]}`` and ``operations`` work too).
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
    """``{"query", "variables", "operationName"}`` with :class:`Upload` objects as files."""
    by_name = {part.name: part for part in parts}
    request: dict[str, Any] = {}
    if "operations" in by_name:
        request = _json_part(by_name["operations"])
    if "query" in by_name:
        request["query"] = by_name["query"].text()
    if "operationName" in by_name:
        request["operationName"] = by_name["operationName"].text() or None
    variables = request.get("variables") or {}
    if "variables" in by_name:
        variables = _json_part(by_name["variables"]) or {}
    if not isinstance(variables, dict):
        raise MultipartError("variables must be a JSON object")
    for part in parts:
        match = _VARIABLE_PART.fullmatch(part.name)
        if match:
            variables[match["name"]] = _upload(part)
    if "map" in by_name:
        mapping = _json_part(by_name["map"])
        if not isinstance(mapping, dict):
            raise MultipartError("map must be a JSON object")
        for part_name, paths in mapping.items():
            if part_name not in by_name:
                raise MultipartError(f"map names a missing part {part_name!r}")
            for path in [paths] if isinstance(paths, str) else paths:
                _assign(variables, str(path), _upload(by_name[part_name]))
    if not request.get("query"):
        raise MultipartError("multipart request without a query part")
    request["variables"] = variables
    return request


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
    for key in keys[1:-1]:
        target = target[int(key)] if isinstance(target, list) else target.setdefault(key, {})
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = upload
    else:
        target[last] = upload
