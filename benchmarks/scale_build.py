"""Build one size of the scale bench's data on PostgreSQL with COPY (``bench_scale``).

``build(scale)`` writes, in the current (empty, migrated) database, ``scale`` times:

- 100 forms (the three demo schemas, each with its first ``FormVersion``), 10 reps;
- 2,200 submissions with answers from the demo schemas, 1 in 11 of them deleted;
- 1,100 quotes of 3 to 5 priced lines (half of them built from a live submission), 1 in 11
  deleted;
- their django-reversion history as the API writes it: a revision when each object was
  created (a quote's holds its lines), another for 30% of the submissions (a status change)
  and 20% of the quotes (sent); a deleted object keeps its versions and has no row, which is
  how reversion records a deletion. About 9.5k versions at 1x.

Rows are spread over the two years before now, ids in time order. Rep ``bench-rep-0`` owns the
oldest ``1/reps`` of everything: "a rep whose quotes are old". Then ``deletion_records()``
fills whatever record of deletions the tree keeps (createpdf's 0004 data migration, when it
exists), and ``VACUUM ANALYZE`` gives the planner its statistics as autovacuum would.
"""

from __future__ import annotations

import datetime
import importlib
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

# At 1x, deleted ones included. 100 forms fill the admin's first page (list_per_page) at
# every size, so its form list compares one full page with one full page.
QUOTES, SUBMISSIONS, FORMS, REPS = 1_100, 2_200, 100, 10
DELETED_EVERY = 11  # 1 object in 11 is deleted (100 quotes, 200 submissions at 1x)
CHUNK_QUOTES = 2_200  # quotes per COPY transaction (and twice that many submissions)
SPAN = datetime.timedelta(days=730)
SUBMISSION_STATUSES = ["submitted"] * 4 + ["draft", "quoted", "quoted", "sent", "accepted"]
QUOTE_STATUSES = ["draft", "draft", "sent", "sent", "sent", "accepted", "rejected", "expired"]
CURRENCIES = ["EUR"] * 8 + ["USD", "GBP"]
UNITS = ["m2", "h", "pcs", "m", ""]


@dataclass
class Built:
    """What the requests need to know about the data just built."""

    scale: int
    quotes: int = 0  # live
    submissions: int = 0  # live
    versions: int = 0
    deleted_quote_versions: list[int] = field(default_factory=list)  # each one's last version
    quote_number: str = ""  # one in the middle
    customer_email: str = ""  # a live submission's, in the middle
    first_day: str = ""
    last_day: str = ""
    deletions: str = ""  # how the record of deletions was filled, if the tree keeps one
    seconds: float = 0.0


class _Ids:
    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def next(self, name: str) -> int:
        self.last[name] = self.last.get(name, 0) + 1
        return self.last[name]


def _copy(model: Any, rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (attname -> value; a missing one takes the field's default) into
    ``model``'s table; JSON fields as text."""
    from django.db import connection
    from django.db.models import JSONField

    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row[f.attname] if f.attname in row else f.get_default()
                    if isinstance(f, JSONField):
                        value = json.dumps(value, cls=DjangoJSONEncoder)
                    values.append(value)
                copy.write_row(values)
                count += 1
    return count


class _History:
    """Revisions and versions, serialized as django-reversion's JSON format stores them."""

    def __init__(self, ids: _Ids) -> None:
        from django.contrib.contenttypes.models import ContentType

        self.ids = ids
        self.revisions: list[dict[str, Any]] = []
        self.versions: list[dict[str, Any]] = []
        self.content_types: dict[Any, int] = {}
        self.get_ct = ContentType.objects.get_for_model
        self.count = 0

    def revision(self, when: datetime.datetime, user_id: int | None, comment: str) -> int:
        revision_id = self.ids.next("revision")
        self.revisions.append(
            {"id": revision_id, "date_created": when, "user_id": user_id, "comment": comment}
        )
        return revision_id

    def version(self, revision_id: int, model: Any, row: dict[str, Any], text: str) -> int:
        if model not in self.content_types:
            self.content_types[model] = self.get_ct(model).pk
        fields = {
            f.name: row[f.attname] if f.attname in row else f.get_default()
            for f in model._meta.concrete_fields
            if not f.primary_key
        }
        data = [{"model": model._meta.label_lower, "pk": row["id"], "fields": fields}]
        version_id = self.ids.next("version")
        self.versions.append(
            {
                "id": version_id,
                "object_id": str(row["id"]),
                "db": "default",
                "format": "json",
                "serialized_data": json.dumps(data, cls=DjangoJSONEncoder),
                "object_repr": text,
                "content_type_id": self.content_types[model],
                "revision_id": revision_id,
            }
        )
        self.count += 1
        return version_id

    def flush(self) -> None:
        from reversion.models import Revision, Version

        _copy(Revision, self.revisions)
        _copy(Version, self.versions)
        self.revisions, self.versions = [], []


def build(scale: int) -> Built:
    import time

    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from faker import Faker

    from betterform.demo import fake_answers
    from betterform.demo_forms import DEMO_FORMS
    from betterform.models import Form, FormVersion, Quote, QuoteLine, Submission
    from betterform.pricing import line_amounts, quote_totals

    started = time.perf_counter()
    rng, faker = random.Random(19), Faker()  # noqa: S311  made-up rows, not secrets
    Faker.seed(19)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    start = now - SPAN
    built = Built(scale, first_day=str(start.date()), last_day=str(now.date()))
    ids = _Ids()
    history = _History(ids)
    user_model = get_user_model()

    reps = [
        user_model(username=f"bench-rep-{i}", email=f"bench-rep-{i}@example.com")
        for i in range(REPS * scale)
    ]
    user_model.objects.bulk_create(reps, batch_size=1000)
    reps_by_age = user_model.objects.filter(username__startswith="bench-rep-").order_by("id")
    rep_ids = list(reps_by_age.values_list("pk", flat=True))
    people = [(faker.name(), faker.company()) for _ in range(500)]
    phrases = [faker.catch_phrase() for _ in range(500)]
    answer_pool = {
        demo["slug"]: [fake_answers(demo["schema"], faker) for _ in range(40)]
        for demo in DEMO_FORMS
    }

    forms: list[dict[str, Any]] = []
    with transaction.atomic():
        for i in range(FORMS * scale):
            demo = DEMO_FORMS[i % len(DEMO_FORMS)]
            when = start + SPAN * i / (FORMS * scale * 20)
            form = {
                "id": ids.next("form"), "name": f"{demo['name']} {i}",
                "slug": f"{demo['slug']}-{i}", "description": demo["description"],
                "schema": demo["schema"], "published": True,
                "public_token": f"bench-{i}-{rng.getrandbits(64):x}",
                "owner_id": rep_ids[i % len(rep_ids)], "created_at": when, "updated_at": when,
            }  # fmt: skip
            form["demo"] = demo["slug"]
            form["version_id"] = ids.next("formversion")
            forms.append(form)
            revision = history.revision(when, form["owner_id"], "Created through the API (form).")
            history.version(revision, Form, form, form["name"])
        _copy(Form, forms)
        _copy(
            FormVersion,
            (
                {"id": f["version_id"], "form_id": f["id"], "number": 1, "schema": f["schema"],
                 "created_at": f["created_at"]}
                for f in forms
            ),
        )  # fmt: skip
        history.flush()

    total_quotes, total_submissions = QUOTES * scale, SUBMISSIONS * scale
    sequences: dict[int, int] = {}
    middle_quote, middle_submission = total_quotes // 2, total_submissions // 2
    for chunk_start in range(0, total_quotes, CHUNK_QUOTES):
        submissions, quotes, lines = [], [], []
        live_submissions: list[dict[str, Any]] = []
        chunk_end = min(chunk_start + CHUNK_QUOTES, total_quotes)
        for s_index in range(chunk_start * 2, chunk_end * 2):
            when = start + SPAN * (s_index + rng.random() * 0.5) / total_submissions
            name, company = people[s_index % len(people)]
            form = forms[rng.randrange(len(forms))]
            owner = rep_ids[s_index * len(rep_ids) // total_submissions]
            changed = rng.random() < 0.3
            row = {
                "id": ids.next("submission"), "form_id": form["id"],
                "form_version_id": form["version_id"],
                "answers": rng.choice(answer_pool[form["demo"]]),
                "customer_name": name,
                "customer_email": f"{name.split()[-1].lower()}.{s_index}@example.com",
                "customer_phone": f"+31 6 {rng.randrange(10**7, 10**8)}",
                "customer_company": company, "customer_address": f"Street {s_index % 300} 1",
                "status": rng.choice(SUBMISSION_STATUSES) if changed else "submitted",
                "source": rng.choice(["api", "public", "public", "monday"]),
                "external_reference": f"item-{s_index}" if s_index % 4 == 0 else "",
                "owner_id": owner, "created_at": when,
                "updated_at": when + datetime.timedelta(hours=rng.randrange(1, 400))
                if changed else when,
            }  # fmt: skip
            text = f"{form['name']} #{row['id']} ({name})"
            revision = history.revision(when, owner, "Created through the API (submission).")
            history.version(revision, Submission, row, text)
            if changed:
                revision = history.revision(row["updated_at"], owner, "Status changed.")
                history.version(revision, Submission, row, text)
            if s_index % DELETED_EVERY == 5:
                continue
            submissions.append(row)
            live_submissions.append(row)
            if s_index == middle_submission:
                built.customer_email = row["customer_email"]
        for q_index in range(chunk_start, chunk_end):
            when = start + SPAN * (q_index + 0.5 + rng.random() * 0.4) / total_quotes
            owner = rep_ids[q_index * len(rep_ids) // total_quotes]
            from_submission = rng.random() < 0.5 and live_submissions
            source = rng.choice(live_submissions) if from_submission else None
            year = when.year
            sequences[year] = sequences.get(year, 0) + 1
            name, _ = people[(q_index * 7) % len(people)]
            quote_id = ids.next("quote")
            quote_lines = []
            for position in range(3 + q_index % 3):
                line = {
                    "id": ids.next("line"), "quote_id": quote_id, "position": position,
                    "description": f"{rng.choice(phrases)} ({position + 1})",
                    "quantity": Decimal(rng.randrange(1, 4000)) / 100,
                    "unit": rng.choice(UNITS),
                    "unit_price": Decimal(rng.randrange(500, 250_000)) / 100,
                    "tax_rate": Decimal("21.00"),
                    "discount_percent": Decimal("5.00") if position % 3 == 2 else Decimal("0.00"),
                    "source_key": f"field_{position}",
                }  # fmt: skip
                quote_lines.append(line)
            totals = quote_totals(
                [
                    line_amounts(
                        li["quantity"], li["unit_price"], li["tax_rate"], li["discount_percent"]
                    )
                    for li in quote_lines
                ]
            )
            sent = rng.random() < 0.2
            row = {
                "id": quote_id, "number": f"Q-{year}-{sequences[year]:04d}", "year": year,
                "sequence": sequences[year], "submission_id": source["id"] if source else None,
                "form_id": source["form_id"] if source else None,
                "title": f"Quote for {name}", "customer_name": name,
                "customer_email": f"{name.split()[-1].lower()}.q{q_index}@example.com",
                "currency": rng.choice(CURRENCIES),
                "status": rng.choice(QUOTE_STATUSES) if sent else "draft",
                "valid_until": (when + datetime.timedelta(days=30)).date(),
                "notes": "Prices valid for the period stated.",
                "subtotal": totals.subtotal, "discount_total": totals.discount_total,
                "tax_total": totals.tax_total, "total": totals.total, "owner_id": owner,
                "created_at": when,
                "updated_at": when + datetime.timedelta(days=rng.randrange(1, 20))
                if sent else when,
            }  # fmt: skip
            last_version = 0
            comments = [(when, "Created through the API (quote).")]
            if sent:
                comments.append((row["updated_at"], "Changed through the API (quote)."))
            for moment, comment in comments:
                revision = history.revision(moment, owner, comment)
                last_version = history.version(revision, Quote, row, row["number"])
                for line in quote_lines:
                    history.version(revision, QuoteLine, line, line["description"])
            if q_index % DELETED_EVERY == 5:
                if owner != rep_ids[0]:
                    built.deleted_quote_versions.append(last_version)
                continue
            quotes.append(row)
            lines.extend(quote_lines)
            if q_index == middle_quote:
                built.quote_number = row["number"]
        with transaction.atomic():
            built.submissions += _copy(Submission, submissions)
            built.quotes += _copy(Quote, quotes)
            _copy(QuoteLine, lines)
            history.flush()

    from reversion.models import Revision, Version

    from betterform.models import QuoteNumberSequence

    QuoteNumberSequence.objects.bulk_create(
        [QuoteNumberSequence(year=year, last=last) for year, last in sequences.items()]
    )
    models = [Form, FormVersion, Submission, Quote, QuoteLine, Revision, Version, user_model]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    built.deletions = deletion_records()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    built.versions = history.count
    rng.shuffle(built.deleted_quote_versions)
    built.seconds = time.perf_counter() - started
    return built


def deletion_records() -> str:
    """Run createpdf's ``0004_deletion`` data migration (the backfill of the record of
    deletions from reversion's history, as an upgraded site gets it) when the tree has one:
    the history was written after the migrations ran."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.operations import RunPython

    try:
        migration = importlib.import_module("createpdf.migrations.0004_deletion").Migration
    except ImportError:
        return "no record of deletions in this tree"
    ran = 0
    with connection.schema_editor() as editor:
        for operation in _walk(migration.operations):
            if isinstance(operation, RunPython):
                operation.code(apps, editor)
                ran += 1
    return f"createpdf 0004_deletion backfill ({ran} step(s))"


def _walk(operations: list[Any]) -> Iterator[Any]:
    for operation in operations:
        yield operation
        yield from _walk(getattr(operation, "database_operations", []) or [])
