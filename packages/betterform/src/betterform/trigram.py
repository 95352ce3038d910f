"""Trigram indexes for ``?search=`` (and the admin's search) on PostgreSQL only.

A search is ``UPPER(column::text) LIKE UPPER('%term%')`` for each search field (Django's
``icontains`` on PostgreSQL), which no btree serves. A GIN index on ``UPPER(column)`` with
``gin_trgm_ops`` (extension ``pg_trgm``) does, whatever the term's position in the text.

:class:`AddTrigramIndex` is a migration operation that creates such an index on PostgreSQL and
does nothing elsewhere (SQLite has no GIN). It changes no model state: the index is not in
``Meta.indexes``, where every database would be asked to build it, so ``makemigrations`` never
sees it. :class:`CreateTrigramExtension` creates ``pg_trgm`` the same way; Django's own
``TrigramExtension`` would do, but importing ``django.contrib.postgres`` needs psycopg, which a
project on another database does not install, and the app must migrate there too.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class CreateTrigramExtension(migrations.operations.base.Operation):
    """``CREATE EXTENSION IF NOT EXISTS pg_trgm`` on PostgreSQL; nothing elsewhere. Kept when
    migrating backwards (other apps may use the extension), like Django's ``CreateExtension``."""

    reversible = True
    reduces_to_sql = True

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # an extension is not model state

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        pass  # kept: see the class's docstring

    def describe(self) -> str:
        return "Creates the pg_trgm extension (PostgreSQL)"


class AddTrigramIndex(migrations.operations.base.Operation):
    """``CREATE INDEX <name> ON <model's table> USING gin (UPPER(<column>) gin_trgm_ops)``
    on PostgreSQL; nothing on another database. Reversible."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, field_name: str, name: str) -> None:
        self.model_name = model_name
        self.field_name = field_name
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"model_name": self.model_name, "field_name": self.field_name, "name": self.name}
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # not part of the model state: see the module's docstring

    def _applies(self, schema_editor: Any, app_label: str, to_state: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return None
        return model

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = self._applies(schema_editor, app_label, to_state)
        if model is None:
            return
        quote = schema_editor.quote_name
        column = model._meta.get_field(self.field_name).column
        schema_editor.execute(
            f"CREATE INDEX {quote(self.name)} ON {quote(model._meta.db_table)} "
            f"USING gin (UPPER({quote(column)}) gin_trgm_ops)"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if self._applies(schema_editor, app_label, from_state) is not None:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.name)}")

    def describe(self) -> str:
        return f"Trigram index {self.name} on {self.model_name}.{self.field_name} (PostgreSQL)"

    @property
    def migration_name_fragment(self) -> str:
        return f"{self.model_name.lower()}_{self.name.lower()}"
