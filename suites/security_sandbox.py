"""Template sandbox escapes and URL-fetch probes, as staff, through the live API.

Every probe is refused (400 from the preview, a failed document) or renders an inert PDF: the
counting HTTP server sees no request and no output shows /etc/passwd or Python internals.
"""

from __future__ import annotations

import html
import io
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pypdf

from suites.live import System
from suites.security_common import Check, client

ESCAPES = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''|attr('__class__') }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__ }}",
    "{{ self.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ static.__globals__ }}",
    "{{ bar_chart.__globals__ }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ config }}{{ request }}{{ settings }}",
    "{{ {}.update(a=1) }}",
    "{{ [].append(1) }}",
    "{{ 'a'.format.__self__ }}",
    "{{ '{0.__class__}'.format('') }}",
    "{{ '%s'|format(''.__class__) }}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ range(10**9)|list|length }}",
    "{{ 10**10**10 }}",
    "{{ 'x' * 10**13 }}",
    # Each exponent is within the limit; the result (3.3 million bits) is not bounded. One
    # more **100 costs minutes of CPU and hundreds of MB: refusal is expected.
    "{{ (((10**100)**100)**100) > 0 }}",
    # Calls whose size comes from an argument (issue 13): refused in the sandbox, with the line.
    '{{ "x".ljust(2 * 10**9)|length }}',
    '{{ "{:>{w}}".format(1, w=10**9) }}',
    '{{ "%*d" % (10**9, 1) }}',
    '{{ "%*d"|format(10**9, 1) }}',
    '{{ "x"|center(10**9) }}',
    '{{ "x\ny"|indent(10**9) }}',
    '{{ ("x" * 100000)|wordwrap(1, wrapstring="y" * 100000) }}',
    "{{ [1]|batch(10**9, 0)|list }}",
    "{{ lipsum(10**6) }}",
]
# Within every sandbox bound, past the render's memory or CPU limit (createpdf.isolation): the
# render process fails the render with the reason; the web process carries on.
LIMIT_BOMBS = [
    '{% set s = "x" * 2000000 %}{{ ([s] * 1000)|join|length }}',
]
LEAKS = re.compile(
    r"<(class|function|built-in|module|bound method|method|TemplateReference|"
    r"LazySettings|Settings)\b|__builtins__|subprocess|Popen|mappingproxy|\bNone\b"
)
PASSWD = re.compile(r"root:.*:0:0:")
HTML_VECTORS = {
    "img": '<img src="URL">',
    "link-stylesheet": '<link rel="stylesheet" href="URL">',
    "link-attachment": '<link rel="attachment" href="URL">',
    "a-attachment": '<a rel="attachment" href="URL">file</a>',
    "object": '<object data="URL"></object>',
    "embed": '<embed src="URL">',
    "iframe": '<iframe src="URL"></iframe>',
    "svg-image": '<svg width="20" height="20"><image href="URL" width="20" height="20"/></svg>',
    "base": '<base href="URL"><link rel="attachment" href="passwd">',
    "style-attr": "<p style=\"background: url('URL')\">x</p>",
}
CSS_VECTORS = {
    "css-import": '@import url("URL");',
    "css-import-bare": '@import "URL";',
    "css-background": 'body { background: url("URL") }',
    "css-font-face": '@font-face { font-family: T; src: url("URL") } p { font-family: T }',
    "css-list-style-image": 'li { list-style-image: url("URL") }',
}


class CountingServer(ThreadingHTTPServer):
    """Counts every connection (even one that never sends a valid request)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []

    def process_request(self, request: Any, client_address: Any) -> None:
        self.hits.append(str(client_address))
        super().process_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"body::after { content: 'FETCHED-CANARY' }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def readable(content: bytes) -> str:
    """What a reader of the answer sees: PDF text and attachments, or the error body."""
    if not content.startswith(b"%PDF"):
        return html.unescape(content.decode(errors="replace"))
    reader = pypdf.PdfReader(io.BytesIO(content))
    parts = [page.extract_text() for page in reader.pages]
    parts += [d.decode("latin-1") for files in reader.attachments.values() for d in files]
    return "\n".join(parts)


def check_sandbox(system: System) -> Check:
    check = Check("template sandbox escapes refused")
    with client(system, "staff", address="127.0.0.4") as http:
        for n, payload in enumerate(ESCAPES):
            page = f"<p>{payload}</p>"
            started = time.monotonic()
            preview = http.post("/api/pdf/templates/preview/", json={"html": page, "context": {}})
            took = time.monotonic() - started
            _judge_escape(check, f"preview {payload}", preview.status_code, preview.content, took)
            slug = f"suite-escape-{n}"
            body = {"slug": slug, "name": slug, "html": page, "sample_context": {}}
            saved = http.post("/api/pdf/templates/", json=body)
            if saved.status_code == 400:  # refused when saved: as good as refused when rendered
                check.expect(True, f"saving {payload}: refused {saved.text[:160]!r}")
                continue
            check.expect(saved.status_code == 201, f"saving {payload}: {saved.status_code}")
            started = time.monotonic()
            rendered = http.post("/api/pdf/templates/preview/", json={"template": slug})
            took = time.monotonic() - started
            _judge_escape(check, f"saved {payload}", rendered.status_code, rendered.content, took)
        for payload in LIMIT_BOMBS:
            started = time.monotonic()
            preview = http.post(
                "/api/pdf/templates/preview/", json={"html": f"<p>{payload}</p>", "context": {}}
            )
            took = time.monotonic() - started
            check.expect(
                preview.status_code == 400 and "CREATEPDF_RENDER_" in preview.text and took < 10,
                f"limit {payload}: {preview.status_code} in {took:.1f} s: {preview.text[:200]!r}",
            )
        alive = http.post("/api/pdf/templates/preview/", json={"html": "<p>ok</p>", "context": {}})
        check.expect(alive.status_code == 200, f"a preview after the bombs: {alive.status_code}")
    return check


def _judge_escape(check: Check, what: str, status: int, content: bytes, took: float) -> None:
    text = readable(content) if status in (200, 400) else content.decode(errors="replace")
    leak = LEAKS.search(text)
    reason = status != 400 or "line " in text  # a refusal names the reason and the line
    check.expect(
        status in (200, 400) and reason and not leak and took < 10,
        f"{what}: {status} in {took:.1f} s, {'leaks ' + repr(leak.group()) if leak else 'no leak'}"
        f": {text[:200]!r}",
    )
    if "10**100)**100)**100" in what:
        check.expect(
            status == 400,
            f"{what}: rendered ({status}) instead of refused: the exponent limit "
            "bounds each operand, not the result, so nesting computes unbounded integers",
        )


def check_url_fetches(system: System) -> Check:
    check = Check("renderer fetches nothing (file:, http:, CSS)")
    server = CountingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    targets = {
        "http-ip": f"http://127.0.0.1:{port}/x.css",
        "http-localhost": f"http://localhost:{port}/",
        "file-passwd": "file:///etc/passwd",
        "path-passwd": "/etc/passwd",
    }
    try:
        with client(system, "staff", address="127.0.0.5") as http:
            probes = [(v, t, s, "") for v, s in HTML_VECTORS.items() for t in targets]
            probes += [(v, t, "<p>x</p>", s) for v, s in CSS_VECTORS.items() for t in targets]
            for vector, target, page, css in probes:
                url = targets[target]
                body = {"html": page.replace("URL", url), "css": css.replace("URL", url)}
                before = len(server.hits)
                response = http.post("/api/pdf/templates/preview/", json={**body, "context": {}})
                text = readable(response.content) if response.status_code in (200, 400) else ""
                fetched = len(server.hits) - before
                check.expect(
                    response.status_code in (200, 400)
                    and fetched == 0
                    and not PASSWD.search(text)
                    and "FETCHED-CANARY" not in text,
                    f"{vector} -> {target}: {response.status_code}, {fetched} request(s) to the "
                    f"counting server, passwd in output: {bool(PASSWD.search(text))}",
                )
            _documents(check, http, targets)
        time.sleep(0.5)
        check.expect(not server.hits, f"the counting server saw {len(server.hits)} request(s)")
    finally:
        server.shutdown()
        server.server_close()
    return check


def _documents(check: Check, http: httpx.Client, targets: dict[str, str]) -> None:
    """The same probes through the worker: a saved template rendered as a document."""
    ids = {}
    for target, url in targets.items():
        slug = f"suite-fetch-{target}"
        page = "".join(s.replace("URL", url) for s in HTML_VECTORS.values())
        css = "\n".join(s.replace("URL", url) for s in CSS_VECTORS.values())
        saved = http.post(
            "/api/pdf/templates/",
            json={"slug": slug, "name": slug, "html": page, "css": css, "sample_context": {}},
        )
        check.expect(saved.status_code == 201, f"saving {slug}: {saved.status_code}")
        queued = http.post("/api/pdf/documents/", json={"template": slug, "context": {}})
        check.expect(queued.status_code in (200, 202), f"queueing {slug}: {queued.status_code}")
        ids[target] = queued.json().get("id")
    deadline = time.monotonic() + 60
    pending = {t: i for t, i in ids.items() if i}
    while pending and time.monotonic() < deadline:
        for target, doc in list(pending.items()):
            detail = http.get(f"/api/pdf/documents/{doc}/").json()
            if detail["status"] in ("done", "failed"):
                del pending[target]
                text = detail.get("error") or ""
                if detail["status"] == "done":
                    text += readable(http.get(f"/api/pdf/documents/{doc}/download/").content)
                leaked = bool(PASSWD.search(text)) or "FETCHED-CANARY" in text
                check.expect(
                    not leaked,
                    f"document for {target}: {detail['status']}, fetched content shown: {leaked}",
                )
        time.sleep(0.3)
    check.expect(not pending, f"documents unfinished after 60 s: {sorted(pending)}")
