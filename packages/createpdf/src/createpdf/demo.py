"""Demo data for ``seed_demo``: a database template and a sample report for the admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reversion

from createpdf import services
from createpdf.models import DocumentTemplate
from createpdf.template_store import packaged_templates

WELCOME_HTML = """{# name: Welcome letter #}
<h1>Welcome, {{ customer }}</h1>
<p>Thank you for asking {{ company }} for a quote. Your contact is {{ rep }}.</p>
{{ bar_chart("Typical project budget", labels=["Design", "Materials", "Labour"],
             series={"EUR": [1200, 5400, 3100]}) }}
"""
WELCOME_CSS = "body { font-family: {{ font_stack() }}; } h1 { color: #1f4e79; }"


def seed_demo(*, faker: Any, users: Any, log: Callable[[str], None]) -> None:
    if not DocumentTemplate.objects.filter(slug="welcome-letter").exists():
        with reversion.create_revision():
            DocumentTemplate.objects.create(
                slug="welcome-letter",
                name="Welcome letter",
                html=WELCOME_HTML,
                css=WELCOME_CSS,
                sample_context={
                    "customer": faker.name(),
                    "company": "BetterForm Renovations",
                    "rep": "Alice",
                },
            )
            reversion.set_user(users.admin)
            reversion.set_comment("Demo data.")
    sample = packaged_templates()["report"].sample_context
    document, queued = services.request_document(
        template_slug="report", context=sample, requested_by=users.admin, title="Sample report"
    )
    state = "queued for the worker" if queued else f"already {document.status}"
    log(f"createpdf: template 'welcome-letter' and a sample report ({state}).")
