"""Bounds on template calls whose output size comes from an argument.

``'x'.ljust(2 * 10**9)``, ``'{:>{w}}'.format(1, w=10**9)``, ``'%*d' % (10**9, 1)``,
``|center(10**9)`` or ``lipsum(10**6)`` would each allocate gigabytes in one step, before any
output limit is checked. Each is refused with a ``SecurityError`` when the text it would make
exceeds ``CREATEPDF_MAX_HTML_BYTES``, as ``*`` is. The render's memory limit
(``createpdf.isolation``) stays the bound for anything not listed here.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedFormatter
from markupsafe import EscapeFormatter

from createpdf.conf import conf

# A printf conversion: its width and precision, digits or "*".
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
DIGITS = re.compile(r"\d+")


def limit() -> int:
    return conf.CREATEPDF_MAX_HTML_BYTES


def refuse_above(size: Any, what: str) -> None:
    if isinstance(size, int | float) and size > limit():
        raise SecurityError(
            f"{what} would make about {int(size)} characters, above CREATEPDF_MAX_HTML_BYTES "
            f"({limit()})"
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# str methods (and Markup's) whose result size comes from their arguments.
def _pad(text: str, width: Any = 0, *rest: Any) -> None:
    refuse_above(width, "padding")


def _expandtabs(text: str, tabsize: Any = 8) -> None:
    if isinstance(tabsize, int):
        refuse_above(len(text) + text.count("\t") * tabsize, "expandtabs")


def _replace(text: str, old: Any = "", new: Any = "", count: Any = -1) -> None:
    if isinstance(old, str) and isinstance(new, str):
        times = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        refuse_above(len(text) + times * len(new), "replace")


STR_METHODS: dict[str, Callable[..., None]] = {
    "ljust": _pad,
    "rjust": _pad,
    "center": _pad,
    "zfill": _pad,
    "expandtabs": _expandtabs,
    "replace": _replace,
}


def check_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a str method call that would make more text than a render may hold."""
    owner = getattr(obj, "__self__", None)
    check = STR_METHODS.get(getattr(obj, "__name__", ""))
    if check is not None and isinstance(owner, str):
        check(owner, *args, **kwargs)


def check_percent(template: Any, values: Any) -> None:
    """``'%*d' % (width, x)`` and ``'%2000000000d' % x``: widths and precisions are bounded."""
    if not isinstance(template, str):
        return
    values = values if isinstance(values, tuple | list) else (values,)
    for match in PERCENT_SPEC.finditer(template):
        for part in match.groups():
            if part == "*":
                for value in values:
                    refuse_above(value, "a % format width")
            elif part:
                refuse_above(int(part[:20]), "a % format width")


class BoundedFormatter(SandboxedFormatter):
    """``str.format`` in the sandbox with its widths and precisions bounded (a spec is checked
    after nested fields such as ``{:>{w}}`` are filled in)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        for digits in DIGITS.findall(format_spec):
            refuse_above(int(digits[:20]), "a format width")
        return super().format_field(value, format_spec)


class BoundedEscapeFormatter(BoundedFormatter, EscapeFormatter):
    pass


# Filters (and the lipsum global): a check over the call's arguments, by name.
def _center(arguments: dict[str, Any]) -> None:
    refuse_above(arguments["width"], "|center")


def _indent(arguments: dict[str, Any]) -> None:
    width, lines = arguments["width"], _text(arguments["s"]).count("\n") + 1
    step = width if isinstance(width, int) else len(_text(width))
    refuse_above(len(_text(arguments["s"])) + step * lines, "|indent")


def _wordwrap(arguments: dict[str, Any]) -> None:
    text, width = _text(arguments["s"]), arguments["width"]
    breaks = len(text) // max(1, width if isinstance(width, int) else 1) + 1
    wrap = _text(arguments.get("wrapstring")) or "\n"
    refuse_above(len(text) + breaks * len(wrap), "|wordwrap")


def _truncate(arguments: dict[str, Any]) -> None:
    refuse_above(arguments["length"], "|truncate")
    refuse_above(len(_text(arguments["end"])), "|truncate")


def _format(arguments: dict[str, Any]) -> None:
    check_percent(arguments["value"], arguments["args"] or tuple(arguments["kwargs"].values()))


def _batch(arguments: dict[str, Any]) -> None:
    refuse_above(arguments["linecount"], "|batch")


def _slice(arguments: dict[str, Any]) -> None:
    refuse_above(arguments["slices"], "|slice")


def _replace_filter(arguments: dict[str, Any]) -> None:
    count = arguments["count"]
    _replace(str(arguments["s"]), str(arguments["old"]), str(arguments["new"]), count or -1)


def _lipsum(arguments: dict[str, Any]) -> None:
    words = arguments["n"] * arguments["max"] if isinstance(arguments["max"], int) else 0
    refuse_above(words * 12, "lipsum")  # a word and its space, generously


FILTERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "truncate": _truncate,
    "format": _format,
    "batch": _batch,
    "slice": _slice,
    "replace": _replace_filter,
}


def bounded(function: Callable[..., Any], check: Callable[[dict[str, Any]], None]) -> Any:
    """``function`` (a filter or global, Jinja's pass_* marks kept) with ``check`` run on its
    bound arguments first."""
    signature = inspect.signature(function)
    # Jinja passes the environment or context first; its async variants (|slice) take it
    # without naming it in the signature they show.
    first = next(iter(signature.parameters), "")
    passed = getattr(function, "jinja_pass_arg", None) is not None
    skip = 1 if passed and first not in ("environment", "env", "eval_ctx", "context") else 0

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args[skip:], **kwargs)
        except TypeError:
            return function(*args, **kwargs)  # let the function report its own usage error
        bound.apply_defaults()
        check(bound.arguments)
        return function(*args, **kwargs)

    return wrapper


def bound_environment(filters: dict[str, Any], globals_: dict[str, Any]) -> None:
    for name, check in FILTERS.items():
        filters[name] = bounded(filters[name], check)
    globals_["lipsum"] = bounded(globals_["lipsum"], _lipsum)
