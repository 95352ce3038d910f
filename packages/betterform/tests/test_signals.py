"""Quote signals: ``quote_created`` / ``quote_updated`` are sent after the commit, once per
signal, quote and transaction, from the services, the admin and the API; never on rollback."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from betterform import services
from betterform.models import Quote
from betterform.signals import quote_created, quote_updated

pytestmark = pytest.mark.django_db

LINE = {"description": "Labour", "quantity": Decimal("2"), "unit_price": Decimal("50.00")}
API_LINE = {"description": "Labour", "quantity": "2", "unit_price": "50.00", "tax_rate": "21"}


class Announced(list):
    """``(kind, quote pk, total)`` for every signal received, in order; ``in_transaction``
    records whether any arrived while a transaction was still open."""

    in_transaction = False

    def kinds(self) -> list[tuple[str, int]]:
        return [(kind, pk) for kind, pk, _ in self]


@pytest.fixture
def announced() -> Iterator[Announced]:
    events = Announced()

    def receiver(kind: str) -> Any:
        def receive(sender: Any, quote: Quote, **kwargs: Any) -> None:
            assert sender is Quote and set(kwargs) == {"signal"}
            events.in_transaction |= transaction.get_connection().in_atomic_block
            events.append((kind, quote.pk, quote.total))

        return receive

    on_created, on_updated = receiver("created"), receiver("updated")
    quote_created.connect(on_created, sender=Quote)
    quote_updated.connect(on_updated, sender=Quote)
    yield events
    quote_created.disconnect(on_created, sender=Quote)
    quote_updated.disconnect(on_updated, sender=Quote)


# --- services ---------------------------------------------------------------------------------


def test_create_quote_announces_created_once_and_only_after_the_commit(
    announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        quote = services.create_quote(title="Repair", lines=[LINE])
    assert announced == [], "nothing is sent while the transaction is open"
    for callback in callbacks:
        callback()
    assert announced == [("created", quote.pk, Decimal("100.00"))]


def test_update_quote_announces_updated_once(announced, django_capture_on_commit_callbacks):
    quote = services.create_quote(title="Repair", lines=[LINE])
    with django_capture_on_commit_callbacks(execute=True):
        services.update_quote(quote, title="Renamed", lines=[LINE, LINE])
    assert announced == [("updated", quote.pk, Decimal("200.00"))]


def test_recalculate_announces_updated(announced, django_capture_on_commit_callbacks):
    quote = services.create_quote(title="Repair", lines=[LINE])
    with django_capture_on_commit_callbacks(execute=True):
        services.recalculate(quote)
    assert announced.kinds() == [("updated", quote.pk)]


def test_one_transaction_announces_each_write_after_the_commit(
    announced, django_capture_on_commit_callbacks
):
    first = services.create_quote(title="First", lines=[LINE])
    second = services.create_quote(title="Second", lines=[LINE])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.update_quote(first, title="Renamed")
        services.update_quote(second, lines=[LINE, LINE])
        assert announced == []  # nothing while the transaction is open
    assert announced == [
        ("updated", first.pk, Decimal("100.00")),
        ("updated", second.pk, Decimal("200.00")),
    ]


def test_a_quote_created_then_edited_in_one_transaction_is_announced_created_then_updated(
    announced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        quote = services.create_quote(title="Repair")
        services.update_quote(Quote.objects.get(pk=quote.pk), lines=[LINE])
    assert announced == [
        ("created", quote.pk, Decimal("0.00")),
        ("updated", quote.pk, Decimal("100.00")),
    ]


def test_build_quote_announces_created_then_updated_when_built_again(
    announced, django_capture_on_commit_callbacks, submission
):
    submitted = submission()
    with django_capture_on_commit_callbacks(execute=True):
        quote = services.build_quote(submitted)
    assert announced.kinds() == [("created", quote.pk)]
    announced.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.build_quote(submitted).pk == quote.pk
    assert announced.kinds() == [("updated", quote.pk)]


class _Rollback(Exception):
    pass


def _rolled_back(write: Callable[[], object]) -> None:
    """Run ``write`` in a transaction (or savepoint) that is then rolled back."""
    with contextlib.suppress(_Rollback), transaction.atomic():
        write()
        raise _Rollback


@pytest.mark.django_db(transaction=True)
def test_signals_wait_for_the_commit_and_a_rollback_sends_nothing(announced):
    _rolled_back(lambda: services.create_quote(title="Rolled back", lines=[LINE]))
    kept = services.create_quote(title="Kept", lines=[LINE])
    with transaction.atomic():
        services.update_quote(kept, title="Renamed")
        _rolled_back(lambda: services.recalculate(services.create_quote(title="Savepoint")))
        assert announced.kinds() == [("created", kept.pk)]
    _rolled_back(lambda: services.update_quote(kept, title="Rolled back"))
    assert announced.kinds() == [("created", kept.pk), ("updated", kept.pk)]
    assert not announced.in_transaction
    assert Quote.objects.count() == 1


# --- admin and API ----------------------------------------------------------------------------


def _change_form_data(response: Any) -> dict[str, Any]:
    """The admin change form's current values and its inlines', as a browser posts them."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {bound.html_name: bound.value() for form in forms for bound in form}
    return {
        name: "on" if value is True else value
        for name, value in data.items()
        if value is not None and value is not False
    }


def test_editing_quote_lines_in_the_admin_announces_updates_ending_with_the_new_total(
    announced, django_capture_on_commit_callbacks, admin_client
):
    quote = services.create_quote(title="Repair", lines=[LINE])
    url = f"/admin/betterform/quote/{quote.pk}/change/"
    data = _change_form_data(admin_client.get(url))
    data.update({"title": "Renamed", "lines-0-quantity": "3"})
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(url, data).status_code == 302
    assert {kind for kind, _, _ in announced} == {"updated"}
    assert announced[-1] == ("updated", quote.pk, Decimal("150.00"))


def test_the_api_announces_created_on_post_and_updated_on_patch_and_revert(
    announced, django_capture_on_commit_callbacks, rep_client
):
    with django_capture_on_commit_callbacks(execute=True):
        created = rep_client.post(
            "/api/quotes/", {"title": "First", "lines": [API_LINE]}, format="json"
        )
    assert created.status_code == 201, created.json()
    url = f"/api/quotes/{created.json()['id']}/"
    assert announced.kinds() == [("created", created.json()["id"])]

    with django_capture_on_commit_callbacks(execute=True):
        patched = rep_client.patch(url, {"lines": [API_LINE, API_LINE]}, format="json")
    assert patched.status_code == 200, patched.json()
    assert announced[1:] == [("updated", created.json()["id"], Decimal("242.00"))]

    first_version = rep_client.get(f"{url}history/").json()[-1]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        reverted = rep_client.post(f"{url}revert/", {"version": first_version}, format="json")
    assert reverted.status_code == 200, reverted.json()
    assert announced[2:] == [("updated", created.json()["id"], Decimal("121.00"))]
