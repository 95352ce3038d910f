"""The issue's acceptance bar: a template (API or admin) pointing any URL-bearing HTML element or
CSS rule at a local HTTP server, a local file, /etc/passwd or FTP, or trying a Jinja sandbox
escape, yields a PDF or a clear error holding none of the target's content, and the server --
which counts every connection -- is never reached. Size limits end documents with clear errors.
"""

from __future__ import annotations

import html
import io
import re
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pypdf
import pytest
from background_task.tasks import tasks

from createpdf.models import DocumentTemplate
from createpdf.rendering import RenderError, TemplateError, render_html, render_pdf

HTTP_MARKER = f"SECRET-MARKER-{uuid.uuid4().hex}"
FILE_MARKER = f"FILE-MARKER-{uuid.uuid4().hex}"
PASSWD_CONTENT = "root:"  # the first line of /etc/passwd
# Served as CSS so that, were it ever loaded as a stylesheet, the marker would print in the PDF.
CANARY_CSS = 'body::after {{ content: "{}" }}'


class CanaryServer(ThreadingHTTPServer):
    """Answers any method on any path with the marker; /redirect redirects to /landing."""

    daemon_threads = True

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []  # any protocol: an FTP client counts too
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), CanaryHandler)

    def verify_request(self, request, client_address) -> bool:
        self.connections.append(client_address)
        return True


class CanaryHandler(BaseHTTPRequestHandler):
    timeout = 2

    def __getattr__(self, name: str):
        if name.startswith("do_"):  # do_GET, do_POST, do_PROPFIND...: every method is answered
            return self._answer
        raise AttributeError(name)

    def _answer(self) -> None:
        self.server.requests.append(f"{self.command} {self.path}")
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "/landing")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = CANARY_CSS.format(HTTP_MARKER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def canary():
    server = CanaryServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def targets(canary, tmp_path) -> dict[str, str]:
    secret = tmp_path / "secret.css"
    secret.write_text(CANARY_CSS.format(FILE_MARKER))
    origin = f"127.0.0.1:{canary.server_port}"
    return {
        "http-ip": f"http://{origin}/x",
        "http-localhost": f"http://localhost:{canary.server_port}/",
        "http-redirect": f"http://{origin}/redirect",
        "file-secret": secret.as_uri(),
        "file-passwd": "file:///etc/passwd",
        "path-passwd": "/etc/passwd",
        "path-secret": str(secret),
        "ftp": f"ftp://{origin}/",
    }


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff_api(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


HTML_VECTORS = {
    "img": '<img src="URL">',
    "link-stylesheet": '<link rel="stylesheet" href="URL">',
    "link-attachment": '<link rel="attachment" href="URL">',
    "a-attachment": '<a rel="attachment" href="URL">file</a>',
    "object": '<object data="URL"></object>',
    "embed": '<embed src="URL">',
    "svg-image": '<svg width="20" height="20"><image href="URL" width="20" height="20"/></svg>',
    "iframe": '<iframe src="URL"></iframe>',
    # A relative reference resolved against the base: for file-secret it names the secret file.
    "base": '<base href="URL"><link rel="attachment" href="secret.css">',
}
CSS_VECTORS = {
    "css-import": '@import url("URL");',
    "css-background": 'body { background: url("URL") }',
    "css-font-face": '@font-face { font-family: T; src: url("URL") } p { font-family: T }',
    "css-list-style-image": 'li { list-style-image: url("URL") }',
    "css-color-profile": '@color-profile --leak { src: url("URL") }',
}
TARGETS = [
    "http-ip",
    "http-localhost",
    "http-redirect",
    "file-secret",
    "file-passwd",
    "path-passwd",
    "path-secret",
    "ftp",
]


def template_for(vector: str, url: str) -> tuple[str, str]:
    """(html, css) of a small page carrying the vector."""
    body = "<p>Quote</p><ul><li>item</li></ul>"
    if vector in HTML_VECTORS:
        return body + HTML_VECTORS[vector].replace("URL", url), ""
    return body, CSS_VECTORS[vector].replace("URL", url)


def expects_refusal(vector: str, target: str) -> bool:
    """Whether WeasyPrint hands the URL to the fetcher (which must refuse and log it). It never
    loads iframes, and drops a bare path (no base URI) except in these three places."""
    if vector == "iframe":
        return False
    return not target.startswith("path-") or vector in {"svg-image", "a-attachment", "base"}


def readable(content: bytes) -> str:
    """Everything a reader of the output could see: PDF text and embedded files, or the error."""
    if not content.startswith(b"%PDF"):
        return content.decode(errors="replace")
    reader = pypdf.PdfReader(io.BytesIO(content))
    parts = [page.extract_text() for page in reader.pages]
    parts += [data.decode("latin-1") for files in reader.attachments.values() for data in files]
    return "\n".join(parts)


def assert_nothing_leaked(canary: CanaryServer, content: bytes) -> None:
    assert canary.connections == [], f"the canary server was reached: {canary.requests}"
    seen = readable(content)
    for secret in (HTTP_MARKER, FILE_MARKER, PASSWD_CONTENT):
        assert secret not in seen


def assert_refusal_logged(caplog, expected: bool) -> None:
    refusals = [
        r.getMessage()
        for r in caplog.records
        if r.name == "createpdf.rendering" and r.levelname == "WARNING"
    ]
    assert bool(refusals) == expected, refusals
    assert all(message.startswith("createpdf refused to fetch ") for message in refusals)


def pdf_or_error(html_source: str, css: str) -> bytes:
    try:
        return render_pdf(html_source, css, {}).content
    except RenderError as error:  # a clear error is an acceptable outcome
        return str(error).encode()
    except Exception as error:
        pytest.fail(f"render_pdf raised {type(error).__name__} ({error}), not a RenderError")


def test_canary_server_counts_every_connection_and_follows_redirects(canary, targets):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(targets["http-redirect"], timeout=5) as response:
        assert HTTP_MARKER in response.read().decode()
    assert canary.requests == ["GET /redirect", "GET /landing"]
    assert len(canary.connections) == 2


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("vector", [*HTML_VECTORS, *CSS_VECTORS])
def test_render_pdf_never_fetches_local_files_or_network(canary, targets, caplog, vector, target):
    html_source, css = template_for(vector, targets[target])
    assert_nothing_leaked(canary, pdf_or_error(html_source, css))
    assert_refusal_logged(caplog, expects_refusal(vector, target))
    if css:  # the same rules inside the HTML's own <style>
        caplog.clear()
        assert_nothing_leaked(canary, pdf_or_error(f"<style>{css}</style>{html_source}", ""))
        assert_refusal_logged(caplog, expects_refusal(vector, target))


def document_via_api(api, html_source: str, css: str = "", context=None) -> tuple[dict, bytes]:
    """Create the template as staff, request a document, run the worker; (status, PDF)."""
    slug = f"t-{uuid.uuid4().hex[:12]}"
    template = {"slug": slug, "name": slug, "html": html_source, "css": css}
    created = api.post("/api/pdf/templates/", template, format="json")
    assert created.status_code == 201, created.content  # problems only show at render time
    queued = api.post("/api/pdf/documents/", {"template": slug, "context": context or {}})
    assert queued.status_code == 202, queued.content
    tasks.run_next_task()
    detail = api.get(f"/api/pdf/documents/{queued.data['id']}/").data
    assert detail["status"] in {"done", "failed"}, f"not finished: {detail}"
    if detail["status"] == "failed":
        return detail, detail["error"].encode()
    response = api.get(f"/api/pdf/documents/{detail['id']}/download/")
    return detail, b"".join(response.streaming_content)


def preview_via_api(api, html_source: str, css: str = "") -> bytes:
    body = {"html": html_source, "css": css, "context": {}}
    response = api.post("/api/pdf/templates/preview/", body, format="json")
    assert response.status_code in {200, 400}, response.content
    return response.content if response.status_code == 200 else str(response.data).encode()


def preview_via_admin(admin_client, html_source: str, css: str = "") -> bytes:
    slug = f"t-{uuid.uuid4().hex[:12]}"
    form = {"slug": slug, "name": slug, "html": html_source, "css": css, "active": "on"}
    saved = admin_client.post(
        "/admin/createpdf/documenttemplate/add/", form | {"sample_context": "{}"}
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    pk = DocumentTemplate.objects.get(slug=slug).pk
    response = admin_client.get(f"/admin/createpdf/documenttemplate/{pk}/preview/")
    assert response.status_code in {200, 400}, response.content[:500]
    return response.content


API_SUBSET = [
    ("img", "http-ip"),
    ("link-stylesheet", "http-redirect"),
    ("link-attachment", "file-secret"),
    ("a-attachment", "path-secret"),
    ("svg-image", "file-passwd"),
    ("base", "http-localhost"),
    ("css-font-face", "ftp"),
    ("css-import", "path-passwd"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("vector", "target"), API_SUBSET)
def test_api_document_never_fetches(canary, targets, caplog, staff_api, vector, target):
    _, content = document_via_api(staff_api, *template_for(vector, targets[target]))
    assert_nothing_leaked(canary, content)
    assert_refusal_logged(caplog, expects_refusal(vector, target))


@pytest.mark.django_db
@pytest.mark.parametrize(("vector", "target"), API_SUBSET)
def test_staff_preview_never_fetches(canary, targets, caplog, staff_api, vector, target):
    assert_nothing_leaked(
        canary, preview_via_api(staff_api, *template_for(vector, targets[target]))
    )
    assert_refusal_logged(caplog, expects_refusal(vector, target))


@pytest.mark.django_db
@pytest.mark.parametrize(("vector", "target"), API_SUBSET)
def test_admin_preview_never_fetches(canary, targets, caplog, admin_client, vector, target):
    content = preview_via_admin(admin_client, *template_for(vector, targets[target]))
    assert_nothing_leaked(canary, content)
    assert_refusal_logged(caplog, expects_refusal(vector, target))


SANDBOX_ESCAPES = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''|attr('__class__') }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ range.__self__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ config }}",
    "{{ request }}",
    "{{ static.__globals__ }}",
    "{{ bar_chart.__globals__ }}",
    "{{ {}.update(a=1) }}",
    "{{ [].append(1) }}",
]
# What the payloads print if they work: reprs of classes, functions, modules, a request or the
# settings; globals dicts (with __builtins__); "None", the result of a successful mutation.
LEAKS = re.compile(
    r"<(class|function|built-in|module|bound method|method|TemplateReference|WSGIRequest|"
    r"LazySettings|Settings)\b|__builtins__|subprocess|Popen|\bos\b|\bNone\b"
)
CLEAR_REASON = re.compile(r"^line 1: .*(is unsafe|is undefined|has no attribute)")


def assert_inert_or_refused(output: str, *, refused: bool, settings) -> None:
    """A clear error naming the reason and line, or rendered text exposing nothing."""
    text = html.unescape(output)
    assert not LEAKS.search(text), text
    assert settings.SECRET_KEY not in text
    if refused:
        assert CLEAR_REASON.search(text), f"unclear error: {text!r}"


@pytest.mark.parametrize("payload", SANDBOX_ESCAPES)
def test_render_html_sandbox_escape_exposes_no_internals(payload, settings):
    try:
        output, refused = render_html(f"<p>{payload}</p>", {}), False
    except TemplateError as error:  # its message starts "line 1:", from error.line
        output, refused = str(error), True
    assert_inert_or_refused(output, refused=refused, settings=settings)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("payload", SANDBOX_ESCAPES)
def test_api_document_with_sandbox_escape_exposes_no_internals(staff_api, payload, settings):
    detail, content = document_via_api(staff_api, f"<p>{payload}</p>")
    refused = detail["status"] == "failed"  # else done: the PDF must be inert
    assert_inert_or_refused(readable(content), refused=refused, settings=settings)


@pytest.mark.django_db(transaction=True)
def test_context_markup_is_escaped_text_not_fetched(canary, staff_api):
    value = f'<img src="http://127.0.0.1:{canary.server_port}/">'
    page = "<p>{{ value }}</p>"
    via_renderer = render_pdf(page, "", {"value": value}).content
    detail, via_api = document_via_api(staff_api, page, "", {"value": value})
    assert detail["status"] == "done", detail
    for content in (via_renderer, via_api):
        assert_nothing_leaked(canary, content)
        assert "".join(value.split()) in "".join(readable(content).split())


RANGE_BOMB = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}"
LIMIT_CASES = {
    "html-bytes": (
        "CREATEPDF_MAX_HTML_BYTES",
        2000,
        "{% for i in range(500) %}<p>{{ i }}</p>{% endfor %}",
    ),
    "pages": (
        "CREATEPDF_MAX_PAGES",
        2,
        '{% for i in range(5) %}<p style="break-after: page">{{ i }}</p>{% endfor %}',
    ),
    "range-bomb": ("CREATEPDF_MAX_HTML_BYTES", 10_000, RANGE_BOMB),
    "multiplication-bomb": ("CREATEPDF_MAX_HTML_BYTES", 10_000, "{{ 'x' * 10**13 }}"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("setting", "limit", "page"), LIMIT_CASES.values(), ids=LIMIT_CASES)
def test_document_over_a_limit_fails_quickly_naming_it(staff_api, settings, setting, limit, page):
    setattr(settings, setting, limit)
    started = time.perf_counter()
    detail, _ = document_via_api(staff_api, page)
    assert time.perf_counter() - started < 5
    assert detail["status"] == "failed", detail
    assert setting in detail["error"], detail["error"]
