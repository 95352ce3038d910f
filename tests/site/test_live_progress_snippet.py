"""The live-progress snippet as served without JavaScript: a plain admin change page with an
empty status region and a deferred script, on the document, quote and monday event pages only.

``admin/base_site.html`` includes the snippet; until it does, ``live_progress_included`` puts
an override of it (extending the real one) in front of the template loaders.
"""

from __future__ import annotations

import copy
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.template import loader

from betterform import services as quotes
from createpdf.models import Document
from monday_integration.models import WebhookEvent

pytestmark = pytest.mark.django_db

SNIPPET = "admin/betterform_site/live_progress.html"
INCLUDE = '{% include "admin/betterform_site/live_progress.html" %}'
# What base_site.html gets: the region above the page's title, inside <main>.
OVERRIDE = (
    '{% extends "admin/base_site.html" %}'
    "{% block pretitle %}{{ block.super }}" + INCLUDE + "{% endblock %}"
)
REGION = re.compile(r'<div id="live-progress"[^>]*>\s*</div>')
SCRIPT = re.compile(r'<script src="[^"]*betterform_site/admin/live\.js" defer></script>')


def site_includes_snippet() -> bool:
    source = Path(loader.get_template("admin/base_site.html").origin.name).read_text()
    return SNIPPET in source


def with_override(settings: Any, directory: Path) -> None:
    """Settings whose first template directory overrides ``admin/base_site.html``."""
    (directory / "admin").mkdir(parents=True, exist_ok=True)
    (directory / "admin" / "base_site.html").write_text(OVERRIDE)
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [str(directory), *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


@pytest.fixture
def live_progress_included(settings, tmp_path) -> None:
    if not site_includes_snippet():
        with_override(settings, tmp_path / "templates")


def region_of(html: str) -> str:
    found = REGION.search(html)
    assert found, "no live-progress region on the page"
    return found.group(0)


def test_change_pages_carry_an_empty_status_region_and_a_deferred_script(
    admin_client, live_progress_included, django_user_model
):
    document = Document.objects.create(
        template_slug="report", template_version="package:x", cache_key="k", status="queued"
    )
    quote = quotes.create_quote(title="Kitchen", lines=[])
    event = WebhookEvent.objects.create(
        trigger_uuid=uuid.uuid4().hex, board_id="1", item_id="2", payload={}
    )
    pages = {
        f"/admin/createpdf/document/{document.pk}/change/": ("createpdf.document", document.pk),
        f"/admin/betterform/quote/{quote.pk}/change/": ("betterform.quote", quote.pk),
        f"/admin/monday_integration/webhookevent/{event.pk}/change/": (
            "monday_integration.webhookevent",
            event.pk,
        ),
    }
    for url, (model, pk) in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        region = region_of(html)
        assert 'role="status"' in region and 'aria-live="polite"' in region
        assert f'data-model="{model}"' in region and f'data-id="{pk}"' in region
        assert len(SCRIPT.findall(html)) == 1, url
        # inside <main>, above the title: where the page's own content is
        main = html[html.index("<main") : html.index("</main>")]
        assert region in main and main.index(region) < main.index("<h1")


def test_other_pages_do_not_load_it(admin_client, live_progress_included, django_user_model):
    document = Document.objects.create(
        template_slug="report", template_version="package:x", cache_key="k", status="done"
    )
    user = django_user_model.objects.create_user("someone")
    for url in [
        "/admin/",
        "/admin/createpdf/document/",
        "/admin/betterform/quote/add/",
        f"/admin/auth/user/{user.pk}/change/",
        f"/admin/createpdf/document/{document.pk}/history/",
    ]:
        html = admin_client.get(url).content.decode()
        assert "live-progress" not in html and "live.js" not in html, url


def test_the_script_is_a_static_file_of_the_site():
    path = finders.find("betterform_site/admin/live.js")
    assert path, "live.js is not found by the static files finders"
    source = Path(path).read_text()
    # a client written for the page, naming the protocols it speaks; no third-party code
    assert "https://socket.io/docs/v4/engine-io-protocol/" in source
    assert "https://socket.io/docs/v4/socket-io-protocol/" in source
