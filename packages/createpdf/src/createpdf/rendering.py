"""Template + context -> PDF bytes, safely.

Jinja2 runs in an ``ImmutableSandboxedEnvironment`` with autoescape, so template authors (staff,
API clients) cannot reach Python internals. WeasyPrint gets a URL fetcher that serves only
``data:`` URIs and createpdf's own static files: a template can never make the renderer read a
local file or call a network address. Output size and page count are bounded.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from django.contrib.staticfiles import finders
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from createpdf import charts, fonts, sizes, template_text
from createpdf.conf import conf

logger = logging.getLogger(__name__)

STATIC_SCHEME = "createpdf-static:"
STATIC_ROOT = "createpdf/"


class RenderError(Exception):
    """A document cannot be rendered as asked; the message says why. Retrying will not help."""


class TemplateError(RenderError):
    def __init__(self, message: str, line: int | None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class OutputTooLarge(RenderError):
    pass


def static_url(path: str) -> str:
    """The URL a template uses for one of createpdf's static files, e.g. the logo."""
    return f"{STATIC_SCHEME}{path.lstrip('/')}"


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus bounds on ``*``, ``**``, ``%`` and on calls whose output
    size comes from an argument (``createpdf.sizes``): one expression such as
    ``'x' * 10**13``, ``10**10**10`` or ``'x'.ljust(10**9)`` would otherwise exhaust the
    worker's memory or CPU before any output limit could be checked."""

    intercepted_binops = frozenset({"*", "**", "%"})
    MAX_EXPONENT = 100
    # Integers stay below this many bits: a bound per exponent alone lets ((10**100)**100)**100
    # or a namespace squared in a loop grow without end.
    MAX_INTEGER_BITS = 4096

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        sizes.check_call(obj, args, kwargs)
        return super().call(context, obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        """Jinja's sandboxed ``str.format``/``format_map``, with widths bounded."""
        if super().wrap_str_format(value) is None:
            return None
        owner = value.__self__
        formatter: sizes.BoundedFormatter = (
            sizes.BoundedEscapeFormatter(self, escape=owner.escape)
            if isinstance(owner, Markup)
            else sizes.BoundedFormatter(self)
        )

        @functools.wraps(value)
        def bounded(*args: Any, **kwargs: Any) -> str:
            if value.__name__ == "format_map":
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return bounded

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%":
            sizes.check_percent(left, right)
            return super().call_binop(context, operator, left, right)
        if _both_integers(left, right):
            bits = (
                left.bit_length() * abs(right)
                if operator == "**"
                else (left.bit_length() + right.bit_length())
            )
            if bits > self.MAX_INTEGER_BITS:
                raise SecurityError(
                    f"the result would have about {bits} bits, above the limit of "
                    f"{self.MAX_INTEGER_BITS}"
                )
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > self.MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is above the limit of {self.MAX_EXPONENT}")
            return super().call_binop(context, operator, left, right)
        for sequence, count in ((left, right), (right, left)):
            repeats = isinstance(sequence, str | list | tuple) and isinstance(count, int)
            if repeats and len(sequence) * count > conf.CREATEPDF_MAX_HTML_BYTES:
                raise SecurityError(
                    "repeating a value that many times exceeds CREATEPDF_MAX_HTML_BYTES"
                )
        return super().call_binop(context, operator, left, right)


def _both_integers(left: Any, right: Any) -> bool:
    return (
        isinstance(left, int)
        and isinstance(right, int)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    )


def _font_stack(lang: str | None = None) -> Markup:
    """``font-family: {{ font_stack() }}`` in a template's CSS: createpdf.fonts' stack, unescaped
    (it is made of constants only; ``lang`` just picks the CJK face)."""
    stack = fonts.css_font_family(lang if isinstance(lang, str) else None)
    return Markup(stack)  # noqa: S704 (constants only)


def _font_lang_rules() -> Markup:
    return Markup(fonts.font_lang_rules())  # noqa: S704 (constants only)


def _environment() -> ImmutableSandboxedEnvironment:
    env = BoundedSandbox(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.globals.update(
        bar_chart=charts.bar_chart,
        font_lang_rules=_font_lang_rules,
        font_stack=_font_stack,
        line_chart=charts.line_chart,
        pie_chart=charts.pie_chart,
        static=static_url,
    )
    env.filters["money"] = charts.format_money
    template_text.register(env.filters, env.globals)
    sizes.bound_environment(env.filters, env.globals)
    return env


ENVIRONMENT = _environment()


@functools.lru_cache(maxsize=256)
def compile_template(source: str) -> jinja2.Template:
    """Compiled once per distinct source (a compiled template renders safely from any thread);
    a changed template is a different source, so edits take effect at once."""
    try:
        return ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(error.message or "syntax error", error.lineno) from None


def render_html(source: str, context: Mapping[str, Any]) -> str:
    """Render the Jinja template, stopping as soon as the output passes the size limit."""
    template = compile_template(source)
    limit = conf.CREATEPDF_MAX_HTML_BYTES
    parts: list[str] = []
    size = 0
    try:
        for part in template.generate(**context):
            size += len(part.encode())
            if size > limit:
                raise OutputTooLarge(
                    f"the template produced more than {limit} bytes of HTML "
                    "(CREATEPDF_MAX_HTML_BYTES); render less data per document"
                )
            parts.append(part)
    except (jinja2.TemplateError, ValueError, TypeError, ArithmeticError) as error:
        # Sandbox violations, undefined names, bad chart data and bad arithmetic land here.
        raise TemplateError(str(error), _template_line(error)) from None
    except MemoryError:
        raise OutputTooLarge(
            "the template needs more memory than a render may use (CREATEPDF_RENDER_MEMORY_MB)"
        ) from None
    return "".join(parts)


def _template_line(error: BaseException) -> int | None:
    """The template line an error was raised on, from the traceback Jinja rewrites."""
    line = getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


class SafeURLFetcher(URLFetcher):
    """Serve ``data:`` URIs and createpdf's static files; refuse and log everything else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_SCHEME):
            return self._static(url)
        logger.warning("createpdf refused to fetch %s", url[:200])
        raise ValueError(f"createpdf does not fetch {url[:200]}")

    def _static(self, url: str) -> URLFetcherResponse:
        path = url.removeprefix(STATIC_SCHEME).split("?")[0].split("#")[0]
        found = finders.find(path) if path.startswith(STATIC_ROOT) and ".." not in path else None
        if not found:
            logger.warning("createpdf refused to fetch %s (not a createpdf static file)", url)
            raise ValueError(f"no createpdf static file {path}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        with open(found, "rb") as file:
            return URLFetcherResponse(url, file.read(), {"Content-Type": content_type})


_thread_state = threading.local()


def font_configuration() -> FontConfiguration:
    """One FontConfiguration per thread, reused: creating one costs time and (in WeasyPrint
    70) leaks memory, and it must not be shared between threads."""
    config = getattr(_thread_state, "font_config", None)
    if config is None:
        config = _thread_state.font_config = FontConfiguration()
    return config


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int
    render_ms: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def html_to_pdf(html: str, css: str = "", *, max_pages: int | None = None) -> RenderedPdf:
    started = time.perf_counter()
    fonts = font_configuration()
    fetcher = SafeURLFetcher()
    try:
        stylesheets = [CSS(string=css, font_config=fonts, url_fetcher=fetcher)] if css else []
        document = HTML(string=html, url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=fonts
        )
    except (URLFetchingError, ValueError) as error:
        # WeasyPrint lets a few refused or unusable references escape (a relative @import
        # with no base URL, a @color-profile the fetcher refused): the document is wrong,
        # not the machine, so this fails the document instead of being retried.
        raise RenderError(f"the HTML or CSS cannot be rendered: {error}") from None
    limit = min(max_pages or conf.CREATEPDF_MAX_PAGES, conf.CREATEPDF_MAX_PAGES)
    if len(document.pages) > limit:
        raise OutputTooLarge(
            f"the document has {len(document.pages)} pages, more than the limit of {limit} "
            "(CREATEPDF_MAX_PAGES)"
        )
    content = document.write_pdf()
    return RenderedPdf(content, len(document.pages), int((time.perf_counter() - started) * 1000))


def render_pdf(
    html_source: str,
    css_source: str,
    context: Mapping[str, Any],
    *,
    max_pages: int | None = None,
) -> RenderedPdf:
    """Render a Jinja HTML template and its CSS (also a Jinja template) to a PDF."""
    html = render_html(html_source, context)
    css = render_html(css_source, context) if css_source else ""
    return html_to_pdf(html, css, max_pages=max_pages)
