"""A template cannot take the machine's memory or CPU: calls whose size comes from an argument
are refused in the sandbox, and every render runs in a render process under OS limits
(``createpdf.isolation``), so the process serving requests never grows or stalls."""

from __future__ import annotations

import os
import resource
import time

import pytest
from background_task.models import Task
from jinja2.exceptions import SecurityError

from createpdf import isolation
from createpdf.models import DocumentTemplate
from createpdf.rendering import compile_template

PREVIEW = "/api/pdf/templates/preview/"
LJUST = '<p>{{ "x".ljust(2 * 10**9)|length }}</p>'
# Each step is within the sandbox's bounds; the join makes 2 GB at once.
JOIN_BOMB = '{% set s = "x" * 2000000 %}<p>{{ ([s] * 1000)|join|length }}</p>'
CPU_LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
GROWTH_MB = 200  # the test process may grow by this much at most while a bomb is refused

SIZED_CALLS = {
    "ljust": '{{ "x".ljust(10**9) }}',
    "rjust": '{{ "x".rjust(10**9) }}',
    "str-center": '{{ "x".center(10**9) }}',
    "zfill": '{{ "1".zfill(10**9) }}',
    "expandtabs": '{{ "\\t\\t".expandtabs(10**9) }}',
    "replace": '{{ ("x" * 1000000).replace("", "y" * 100) }}',
    "format-nested-width": '{{ "{:>{w}}".format(1, w=10**9) }}',
    "format-width": '{{ "{:>2000000000}".format(1) }}',
    "format-precision": '{{ "{0:.2000000000f}".format(1.5) }}',
    "format-map": '{{ "{v:>{w}}".format_map({"v": 1, "w": 10**9}) }}',
    "percent-star": '{{ "%*d" % (10**9, 1) }}',
    "percent-width": '{{ "%2000000000d" % 1 }}',
    "format-filter": '{{ "%*d"|format(10**9, 1) }}',
    "center-filter": '{{ "x"|center(10**9) }}',
    "indent-filter": '{{ "x\\ny"|indent(10**9) }}',
    "wordwrap-filter": '{{ ("x" * 100000)|wordwrap(1, wrapstring="y" * 100000) }}',
    "truncate-filter": '{{ "x"|truncate(10**9) }}',
    "batch-filter": "{{ [1]|batch(10**9, 0)|list }}",
    "slice-filter": "{{ [1]|slice(10**9)|list }}",
    "replace-filter": '{{ ("x" * 1000000)|replace("", "y" * 100) }}',
    "lipsum": "{{ lipsum(10**6) }}",
}


@pytest.mark.parametrize("source", SIZED_CALLS.values(), ids=SIZED_CALLS)
def test_a_call_whose_size_comes_from_an_argument_is_refused_at_once(source):
    started = time.perf_counter()
    with pytest.raises(SecurityError, match="above CREATEPDF_MAX_HTML_BYTES"):
        compile_template(source).render()
    assert time.perf_counter() - started < 1


def test_ordinary_padding_formatting_and_filters_still_work():
    source = (
        '{{ "%5.2f|%s" % (3.14159, "a") }} {{ "{:>6}".format("a") }} {{ "x".ljust(4) }}|'
        '{{ "ab"|center(6) }}|{{ "%d items"|format(3) }} {{ "a b c"|wordwrap(2) }} '
        '{{ "{n}".format_map({"n": 2}) }} {{ "a\\tb".expandtabs(2) }} {{ [1, 2, 3]|batch(2)|list }}'
    )
    assert compile_template(source).render() == (
        " 3.14|a      a x   |  ab  |3 items a\nb\nc 2 a b [[1, 2], [3]]"
    )


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.django_db
def test_the_issue_example_is_refused_by_the_preview_with_the_reason_and_memory_stays(
    staff_client,
):
    before, started = _max_rss_mb(), time.monotonic()
    response = staff_client.post(PREVIEW, {"html": LJUST, "context": {}}, format="json")
    assert response.status_code == 400
    assert "padding would make about 2000000000 characters" in response.json()["errors"]["html"][0]
    assert time.monotonic() - started < 5
    assert _max_rss_mb() - before < GROWTH_MB


@pytest.mark.django_db
def test_a_preview_past_the_memory_limit_fails_in_the_render_process_not_here(
    staff_client, settings
):
    settings.CREATEPDF_RENDER_MEMORY_MB = 512
    before = _max_rss_mb()
    response = staff_client.post(PREVIEW, {"html": JOIN_BOMB, "context": {}}, format="json")
    assert response.status_code == 400
    assert "CREATEPDF_RENDER_MEMORY_MB" in response.json()["errors"]["html"][0]
    assert _max_rss_mb() - before < GROWTH_MB
    # The render process survives or is replaced: the next preview works.
    ok = staff_client.post(PREVIEW, {"html": "<p>fine</p>", "context": {}}, format="json")
    assert ok.status_code == 200


@pytest.mark.django_db
def test_a_cpu_bound_loop_hits_the_cpu_limit_and_the_next_render_gets_a_fresh_process(
    staff_client, settings
):
    settings.CREATEPDF_RENDER_CPU_SECONDS = 1
    started = time.monotonic()
    response = staff_client.post(PREVIEW, {"html": CPU_LOOP, "context": {}}, format="json")
    assert response.status_code == 400
    assert "CPU time (CREATEPDF_RENDER_CPU_SECONDS)" in response.json()["errors"]["html"][0]
    assert time.monotonic() - started < 30
    settings.CREATEPDF_RENDER_CPU_SECONDS = 60
    ok = staff_client.post(PREVIEW, {"html": "<p>fine</p>", "context": {}}, format="json")
    assert ok.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_job_past_the_memory_limit_ends_failed_with_the_reason(rep_client, run_worker, settings):
    settings.CREATEPDF_RENDER_MEMORY_MB = 512
    DocumentTemplate.objects.create(slug="bomb", name="bomb", html=JOIN_BOMB)
    document_id = rep_client.post(
        "/api/pdf/documents/", {"template": "bomb", "context": {}}, format="json"
    ).json()["id"]
    before = _max_rss_mb()
    assert run_worker() == 1
    body = rep_client.get(f"/api/pdf/documents/{document_id}/").json()
    assert body["status"] == "failed"
    assert "CREATEPDF_RENDER_MEMORY_MB" in body["error"]
    assert Task.objects.count() == 0, "a render past its limit is not retried"
    assert _max_rss_mb() - before < GROWTH_MB


@pytest.mark.django_db
def test_a_normal_render_works_and_runs_in_a_render_process(staff_client, pdf):
    response = staff_client.post(
        PREVIEW, {"html": "<h1>{{ title }}</h1>", "context": {"title": "Draft"}}, format="json"
    )
    assert response.status_code == 200
    assert "Draft" in pdf.text(response.content)
    children = [child.process.pid for child in isolation.POOL.idle]
    assert children and os.getpid() not in children


def test_an_unexpected_error_in_the_renderer_comes_back_as_a_passing_error(monkeypatch):
    """Not a limit: the asker sees it as an exception to retry, not as a template's fault."""
    job = {"html": "<p>x</p>", "css": "", "context": {}, "max_pages": None, "settings": {}}
    monkeypatch.setattr(
        "createpdf.rendering.render_pdf", lambda *a, **k: (_ for _ in ()).throw(KeyError("x"))
    )
    monkeypatch.setattr(isolation, "_limit", lambda job: None)
    assert isolation._run(job) == ("crashed", "KeyError: 'x'")
