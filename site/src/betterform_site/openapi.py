"""Operation ids, summaries and descriptions of the site's OpenAPI schema (``/api/schema/``).

``AutoSchema`` is ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``. drf-spectacular names an operation
after its path and method (``quotes_partial_update``), gives none a summary, and describes every
action of a viewset with the viewset's docstring. Here, for the actions of a viewset on a model
(``Quote``: verbose name "quote", plural "quotes"):

================  ===================  ==========================  ============================
action            operation id         summary                     description
================  ===================  ==========================  ============================
list              ``list_quotes``      List quotes                 a sentence on pagination,
                                                                   order, filters and search
create            ``create_quote``     Create a quote              a sentence on what each
retrieve          ``get_quote``        Get a quote                 action does, from the view
update (PUT)      ``replace_quote``    Replace a quote             (lookup field, ordering,
partial_update    ``update_quote``     Update a quote (partial)    filter backends, paginator)
destroy           ``delete_quote``     Delete a quote
another action    ``<action>_quote``   its docstring's first       the rest of its docstring
                                       paragraph
================  ===================  ==========================  ============================

Summaries use the verbose names whole ("Get a document template"); operation ids use their last
word (``get_template``), since the tag, the path segment (``pdf``), already says which part of the
API an operation is in. Two models with the same last word in one API would collide; drf-spectacular
warns of a duplicate operation id, and ``extend_schema(operation_id=...)`` settles it.

Each description then takes what the viewset's docstring says for that action, in DRF's
convention for viewset docstrings (https://www.django-rest-framework.org/topics/documenting-your-api/):
a line ``destroy:`` or ``create, update, partial_update:`` starts text for those actions. Text
before the first such line introduces the resource to its developers and stays out of the schema;
a docstring without sections is added to every standard action (drf-spectacular's behaviour).

Where these rules do not give the name an integrator would choose (``POST /quotes/{id}/pdf/`` is
``request_quote_pdf``; djoser's actions; views that are not viewsets), the view says so with
``extend_schema(operation_id=..., summary=..., description=...)``, which wins over all of this.
Those annotations live in the apps, so an app installed in another Django project keeps them;
what is derived here comes with this site's setting only (elsewhere drf-spectacular's own naming
applies). ``tests/site/test_schema_operations.py`` holds the resulting list of operation ids.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc, get_view_model
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.viewsets import ViewSetMixin

# Action -> the verb of its operation id (the rest of the id is the noun).
VERBS = {
    "list": "list",
    "create": "create",
    "retrieve": "get",
    "update": "replace",
    "partial_update": "update",
    "destroy": "delete",
}
SUMMARIES = {
    "list": "List {plural}",
    "create": "Create {a} {singular}",
    "retrieve": "Get {a} {singular}",
    "update": "Replace {a} {singular}",
    "partial_update": "Update {a} {singular} (partial)",
    "destroy": "Delete {a} {singular}",
}
# "list:" or "create, update, partial_update:" alone on a line (text may follow the colon).
_SECTION = re.compile(r"([a-z_]+(?:\s*,\s*[a-z_]+)*):(?:\s+(.*))?")


class Nouns(NamedTuple):
    """A model's names: ``singular``/``plural`` for prose, ``one``/``many`` for ids."""

    singular: str
    plural: str
    one: str
    many: str

    @classmethod
    def of(cls, model: Any) -> Nouns:
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
        return cls(singular, plural, _identifier(singular), _identifier(plural))

    @property
    def a(self) -> str:
        # By spelling, which is right for every model here ("a user", "an item link").
        return "an" if self.singular[:1].lower() in "aeio" else "a"


def _identifier(name: str) -> str:
    last_word = name.split()[-1] if name.split() else name
    return re.sub(r"[^a-z]+", "_", last_word.lower()).strip("_")


def split_doc(doc: str) -> tuple[str, str]:
    """``(first paragraph on one line without its final period, the rest)``."""
    first, _, rest = doc.strip().partition("\n\n")
    return " ".join(first.split()).removesuffix("."), rest.strip()


def docstring_sections(doc: str, actions: set[str]) -> dict[str, list[str]] | None:
    """``{action: [text, ...]}`` from the docstring's ``action:`` sections; ``None`` when it
    has none. A line is a section's start only if every name on it is one of ``actions``."""
    chunks: list[tuple[list[str], list[str]]] = []
    for line in doc.splitlines():
        match = _SECTION.fullmatch(line.strip())
        names = [name.strip() for name in match[1].split(",")] if match else []
        if names and set(names) <= actions:
            chunks.append((names, [match[2]] if match and match[2] else []))
        elif chunks:
            chunks[-1][1].append(line)
    if not chunks:
        return None
    sections: dict[str, list[str]] = {}
    for names, lines in chunks:
        text = "\n".join(lines).strip()
        for name in names:
            sections.setdefault(name, []).append(text)
    return sections


def _codes(names: Any, last: str = ", ") -> str:
    """``a``, ``b``, ``c`` (``last`` joins the last two)."""
    codes = [f"`{name.lstrip('^=@$')}`" for name in names]
    return last.join([", ".join(codes[:-1]), codes[-1]]) if len(codes) > 1 else "".join(codes)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's ``AutoSchema`` with the ids, summaries and descriptions above."""

    def _viewset_nouns(self) -> Nouns | None:
        if not isinstance(self.view, ViewSetMixin) or not getattr(self.view, "action", None):
            return None
        model = get_view_model(self.view, emit_warnings=False)
        return Nouns.of(model) if model is not None else None

    def _own_doc(self) -> str:
        """The docstring of the action or method serving this operation, else for a view
        that is not a viewset its class's."""
        name = getattr(self.view, "action", None) or self.method.lower()
        doc = get_doc(getattr(self.view, name, None))
        if doc or isinstance(self.view, ViewSetMixin):
            return doc
        return get_doc(self.view.__class__)

    def get_operation_id(self) -> str:
        nouns = self._viewset_nouns()
        if nouns is None:
            return super().get_operation_id()
        action = self.view.action
        if action in VERBS:
            return f"{VERBS[action]}_{nouns.many if action == 'list' else nouns.one}"
        return f"{action}_{nouns.one}"

    def get_summary(self) -> str | None:
        nouns = self._viewset_nouns()
        action = getattr(self.view, "action", None)
        if nouns is not None and action in SUMMARIES:
            summary = SUMMARIES[action].format(**nouns._asdict(), a=nouns.a)
            return summary[:1].upper() + summary[1:]
        summary, _ = split_doc(self._own_doc())
        if summary or nouns is None:
            return summary or None
        return f"{action.replace('_', ' ').capitalize()} {nouns.a} {nouns.singular}"

    def get_description(self) -> str:
        nouns = self._viewset_nouns()
        if nouns is None:
            _, rest = split_doc(self._own_doc())
            return rest or super().get_description()
        action = self.view.action
        view_doc = get_doc(self.view.__class__)
        actions = set(VERBS) | {extra.__name__ for extra in self.view.get_extra_actions()}
        sections = docstring_sections(view_doc, actions)
        if action in VERBS:
            parts = [getattr(self, f"_describe_{action}")(nouns)]
            parts += sections.get(action, []) if sections is not None else [view_doc]
        else:
            summary, rest = split_doc(self._own_doc())
            parts = [rest, *(sections or {}).get(action, [])]
            if not any(parts):
                parts = [f"{summary or self.get_summary()}."]
        return "\n\n".join(part for part in parts if part)

    # One sentence per standard action, from what the view is configured with.

    def _describe_list(self, nouns: Nouns) -> str:
        sentences = [f"The {nouns.plural} you may see{self._paging()}."]
        backends = list(getattr(self.view, "filter_backends", []))
        ordering = self._default_ordering(backends)
        if ordering:
            sentence = f"Sorted by {_codes(ordering, ', then ')}"
            if any(issubclass(backend, OrderingFilter) for backend in backends):
                fields = getattr(self.view, "ordering_fields", None)
                others = "another field" if fields in (None, "__all__") else _codes(fields, " or ")
                sentence += f"; `ordering` sorts by {others} instead (`-` first: descending)"
            sentences.append(sentence + ".")
        view = self.view
        if any(issubclass(backend, DjangoFilterBackend) for backend in backends) and (
            getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)
        ):
            sentences.append("The other query parameters filter the list.")
        search_fields = getattr(view, "search_fields", None)
        if search_fields and any(issubclass(backend, SearchFilter) for backend in backends):
            sentences.append(
                f"`search` keeps the {nouns.plural} with each of its words in "
                f"{_codes(search_fields, ' or ')}."
            )
        return " ".join(sentences)

    def _paging(self) -> str:
        paginator = self._get_paginator()
        if paginator is None:
            return ""
        names = ("page_query_param", "page_size_query_param", "limit_query_param")
        names += ("offset_query_param", "cursor_query_param")
        params = [getattr(paginator, name, None) for name in names]
        return f", a page at a time ({_codes(param for param in params if param)})"

    def _default_ordering(self, backends: list[Any]) -> list[str]:
        ordering = getattr(self.view, "ordering", None)
        if ordering and any(issubclass(backend, OrderingFilter) for backend in backends):
            return [ordering] if isinstance(ordering, str) else list(ordering)
        model = get_view_model(self.view, emit_warnings=False)
        return [str(field) for field in model._meta.ordering] if model is not None else []

    def _describe_create(self, nouns: Nouns) -> str:
        a, singular = nouns.a, nouns.singular
        return f"Create {a} {singular}; the answer (201) is the {singular} as stored."

    def _describe_retrieve(self, nouns: Nouns) -> str:
        lookup = getattr(self.view, "lookup_field", "pk")
        lookup = "id" if lookup == "pk" else lookup
        return (
            f"The {nouns.singular} with this {lookup}; a 404 when there is none among the "
            f"{nouns.plural} you may see."
        )

    def _describe_update(self, nouns: Nouns) -> str:
        return (
            f"Send the whole {nouns.singular}: every required field, as for create (read-only "
            f"fields are ignored). The answer is the {nouns.singular} as stored. `PATCH` "
            "changes only the fields it sends."
        )

    def _describe_partial_update(self, nouns: Nouns) -> str:
        return (
            "Change only the fields sent; the others keep their values. The answer is the "
            f"whole {nouns.singular} as stored."
        )

    def _describe_destroy(self, nouns: Nouns) -> str:
        return f"Delete the {nouns.singular}; the answer is a 204 with no body."
