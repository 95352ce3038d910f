"""Find the template for a slug: an active database row, else a default shipped by an app.

Any installed app can ship defaults as ``<app>/document_templates/<slug>.html`` with an
optional ``<slug>.css`` beside it; the first line may name it: ``{# name: Quote #}``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from reversion.models import Version

from createpdf.models import DocumentTemplate
from createpdf.prepared import PreparedFirst

PACKAGE_DIR = "document_templates"


class TemplateNotFound(LookupError):
    pass


@dataclass(frozen=True)
class ResolvedTemplate:
    slug: str
    name: str
    html: str
    css: str
    origin: str  # "database" or "package:<app label>"
    db_template: DocumentTemplate | None = None
    sample_context: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.html}\0{self.css}".encode()).hexdigest()

    @property
    def version(self) -> str:
        if self.db_template is None:
            return f"package:{self.content_hash[:12]}"
        latest = Version.objects.get_for_object(self.db_template).values_list("pk", flat=True)
        version_id = latest.first()
        return f"db:v{version_id}" if version_id else f"db:{self.content_hash[:12]}"

    def cache_key(self, context: dict[str, Any]) -> str:
        """Same template content and same context: same document."""
        canonical = json.dumps(context, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(f"{self.content_hash}\0{canonical}".encode()).hexdigest()


def _name_from(html: str, slug: str) -> str:
    first = html.lstrip().splitlines()[0] if html.strip() else ""
    if first.startswith("{#") and "name:" in first:
        return first.split("name:", 1)[1].split("#}", 1)[0].strip()
    return slug.replace("-", " ").replace("_", " ").title()


@cache
def packaged_templates() -> dict[str, ResolvedTemplate]:
    found: dict[str, ResolvedTemplate] = {}
    for app_config in apps.get_app_configs():
        folder = Path(app_config.path) / PACKAGE_DIR
        for html_file in sorted(folder.glob("*.html")):
            slug = html_file.stem
            if slug in found:
                continue  # an app earlier in INSTALLED_APPS wins, as with Django templates
            html = html_file.read_text()
            css_file = html_file.with_suffix(".css")
            sample_file = html_file.with_suffix(".json")
            found[slug] = ResolvedTemplate(
                slug=slug,
                name=_name_from(html, slug),
                html=html,
                css=css_file.read_text() if css_file.exists() else "",
                origin=f"package:{app_config.label}",
                sample_context=json.loads(sample_file.read_text()) if sample_file.exists() else {},
            )
    return found


def from_database(template: DocumentTemplate) -> ResolvedTemplate:
    return ResolvedTemplate(
        slug=template.slug,
        name=template.name,
        html=template.html,
        css=template.css,
        origin="database",
        db_template=template,
        sample_context=template.sample_context or {},
    )


# Every document request resolves its template (``prepared``).
_active_template = PreparedFirst(
    lambda slug: DocumentTemplate.objects.filter(slug=slug, active=True).order_by("pk"),
    sentinels={"slug": "\0slug"},
)


def resolve_template(slug: str) -> ResolvedTemplate:
    template = _active_template(slug=slug)
    if template is not None:
        return from_database(template)
    try:
        return packaged_templates()[slug]
    except KeyError:
        raise TemplateNotFound(f"no active document template with slug {slug!r}") from None


def available_templates() -> list[ResolvedTemplate]:
    """Every usable template, database rows overriding packaged defaults."""
    merged = dict(packaged_templates())
    for template in DocumentTemplate.objects.filter(active=True):
        merged[template.slug] = from_database(template)
    return [merged[slug] for slug in sorted(merged)]
