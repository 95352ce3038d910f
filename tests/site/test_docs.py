"""The OpenAPI schema and its two UIs, served without any internet access."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_generation_emits_no_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_describes_auth_endpoints_and_the_api_key_scheme(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["apiKeyAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API key issued by staff in the admin, sent as `Api-Key <key>`.",
    }
    for path in ("/api/auth/token/login/", "/api/auth/token/logout/", "/api/auth/users/me/"):
        assert path in schema["paths"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_ui_loads_its_assets_from_this_site(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    asset_urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert asset_urls
    external = [url for url in asset_urls if url.startswith(("http:", "https:", "//"))]
    assert external == []
    for url in asset_urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
