"""``FakeMonday``: a real HTTP server on 127.0.0.1 that behaves like monday.com's API.

::

    with FakeMonday() as fake:
        board = fake.add_board("Sales", [{"id": "status", "title": "Status", "type": "status",
                                          "labels": ["Working on it", "Done"]}])
        item = fake.add_item(board.id, "Acme", {"status": "Working on it"})
        httpx.post(fake.url, headers={"Authorization": fake.token}, json={"query": "..."})
        fake.set_status(item.id, "status", "Done")   # fires update_column_value webhooks
        fake.archive_item(item.id)                    # fires archive_pulse webhooks

Every event kind monday subscribes to is emitted (``payloads.EVENT_NAMES``); ``subscribe``
creates any of them, signed or not, without the GraphQL API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import httpx

from monday_integration.testing.auth import Tokens
from monday_integration.testing.columns import Column
from monday_integration.testing.faults import Faults
from monday_integration.testing.graphql_api import Budget, schema
from monday_integration.testing.idempotency import IdempotencyStore
from monday_integration.testing.paging import Pager
from monday_integration.testing.payloads import EVENT_NAMES
from monday_integration.testing.records import Board, Group, Item, Webhook
from monday_integration.testing.server import FakeHTTPServer, RecordedRequest, Router
from monday_integration.testing.state import State
from monday_integration.testing.views import Event, ItemView
from monday_integration.testing.webhooks import Challenge, Delivery, Dispatcher


class FakeMonday:
    """A fake monday.com: GraphQL API, file uploads, webhooks, faults and a small HTML page.

    Ids are ints in this Python API (the GraphQL API returns them as strings, as monday does).
    ``webhook_transport`` (e.g. ``httpx.WSGITransport(app=...)``) sends challenges and
    deliveries to an in-process app instead of over the network.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        signing_secret: str | None = None,
        account_id: int = 9_000_001,
        account_slug: str = "fake-account",
        api_user_id: int = 40_000_001,
        ui_user_id: int = 40_000_002,
        retry_interval: float = 0.2,
        max_retries: int = 30,
        delivery_timeout: float = 5.0,
        webhook_transport: httpx.BaseTransport | None = None,
        idempotency_ttl: float = 1800.0,
        cursor_ttl: float = 3600.0,
    ) -> None:
        self.host, self.port = host, port
        self.account_id = account_id
        self.account_slug = account_slug  # the account's subdomain: <slug>.monday.com
        self.api_user_id = api_user_id  # who API mutations are made as (the token's owner)
        self.ui_user_id = ui_user_id  # who set_status / the HTML page act as by default
        self.tokens = Tokens(token)
        self.faults = Faults()
        self.state = State(listener=self._on_event)
        self.pager = Pager(self.state, cursor_ttl)
        self.budget = Budget()
        self.idempotency = IdempotencyStore(idempotency_ttl)
        self.dispatcher = Dispatcher(
            self.state,
            self.faults,
            self.tokens,
            account_id=account_id,
            signing_secret=signing_secret,
            retry_interval=retry_interval,
            max_retries=max_retries,
            timeout=delivery_timeout,
            transport=webhook_transport,
        )
        self.requests: list[RecordedRequest] = []
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        schema()  # build (and check) the schema before the first request

    def me(self) -> dict[str, Any]:
        """What the GraphQL ``me`` query answers: the token's user (``api_user_id``, who API
        mutations, and the webhooks they cause, are made as) and its account."""
        return {
            "id": str(self.api_user_id),
            "name": "API user",
            "email": "api-user@example.com",
            "account": {
                "id": str(self.account_id),
                "name": "Fake account",
                "slug": self.account_slug,
            },
        }

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeMonday:
        if self._server is None:
            self._server = FakeHTTPServer((self.host, self.port), Router(self))
            self.port = self._server.server_address[1]
            self.dispatcher.start()
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-monday-http",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self.dispatcher.stop()

    def __enter__(self) -> FakeMonday:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FakeMonday {self.base_url}>"

    # -- addresses and credentials ---------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The GraphQL endpoint: use it as ``MONDAY_API_URL``."""
        return f"{self.base_url}/v2"

    @property
    def file_url(self) -> str:
        return f"{self.base_url}/v2/file"

    @property
    def token(self) -> str:
        return self.tokens.token

    @property
    def signing_secret(self) -> str | None:
        return self.dispatcher.signing_secret

    # -- setup -----------------------------------------------------------------------------
    def add_board(
        self,
        name: str,
        columns: Iterable[dict[str, Any]] = (),
        *,
        subitem_columns: Iterable[dict[str, Any]] | None = None,
    ) -> Board:
        """Columns are ``{"id", "title", "type", "labels"?, "done_labels"?}``; a ``name``
        column is added first unless given. ``subitem_columns`` creates the subitems board."""
        return self.state.add_board(name, columns, subitem_columns=subitem_columns)

    def add_column(self, board_id: int | str, column: dict[str, Any]) -> Column:
        return self.state.add_column(board_id, column)

    def add_item(
        self,
        board_id: int | str,
        name: str,
        values: dict[str, Any] | None = None,
        *,
        subitems: Iterable[dict[str, Any]] = (),
        group_id: str | None = None,
        user_id: int | None = None,
    ) -> Item:
        """Values as the API takes them (``{"label": ...}``, ``{"email", "text"}``) or simple
        strings (``"Done"``, ``"2026-01-31"``); subitems are ``{"name", "values"?}``."""
        user = self.ui_user_id if user_id is None else user_id
        item = self.state.add_item(board_id, name, values, group_id=group_id, user_id=user)
        for sub in subitems:
            self.add_subitem(item.id, sub["name"], sub.get("values"), user_id=user)
        return item

    def add_subitem(
        self,
        parent_id: int | str,
        name: str,
        values: dict[str, Any] | None = None,
        *,
        user_id: int | None = None,
    ) -> Item:
        user = self.ui_user_id if user_id is None else user_id
        parent = self.state.item(parent_id)
        return self.state.add_item(parent.board_id, name, values, parent_id=parent.id, user_id=user)

    # -- inspecting ------------------------------------------------------------------------
    def board(self, board_id: int | str) -> Board:
        return self.state.board(board_id)

    def item(self, item_id: int | str) -> ItemView:
        """A snapshot: ``.name``, ``.text(col)``, ``.value(col)``, ``.label(col)``, ``.updates``,
        ``.files`` (assets with ``.data`` bytes), ``.subitems``."""
        return self.state.view(item_id)

    @property
    def webhooks(self) -> list[Webhook]:
        with self.state.lock:
            return list(self.state.webhooks.values())

    @property
    def deliveries(self) -> list[Delivery]:
        return self.dispatcher.deliveries

    @property
    def challenges(self) -> list[Challenge]:
        return self.dispatcher.challenges

    @property
    def dropped_events(self) -> list[Event]:
        """Changes whose deliveries ``faults.drop_webhooks`` swallowed."""
        return self.dispatcher.dropped

    # -- changes as a monday user makes them -----------------------------------------------
    def set_status(
        self,
        item_id: int | str,
        column_id: str,
        label: str | int | None,
        *,
        user_id: int | None = None,
    ) -> ItemView:
        """Set a status by label text (or index; ``None`` clears) and fire the webhooks."""
        value = {"index": label} if isinstance(label, int) else ({"label": label} if label else {})
        return self.set_values(item_id, {column_id: value}, user_id=user_id)

    def set_value(
        self, item_id: int | str, column_id: str, value: Any, *, user_id: int | None = None
    ) -> ItemView:
        return self.set_values(item_id, {column_id: value}, user_id=user_id)

    def set_values(
        self, item_id: int | str, values: dict[str, Any], *, user_id: int | None = None
    ) -> ItemView:
        user = self.ui_user_id if user_id is None else user_id
        self.state.change_values(item_id, values, user_id=user)
        return self.item(item_id)

    def rename(self, item_id: int | str, name: str, *, user_id: int | None = None) -> ItemView:
        """Fires ``update_name`` (``change_name``/``change_subitem_name``)."""
        return self.set_values(item_id, {"name": name}, user_id=user_id)

    def archive_item(self, item_id: int | str, *, user_id: int | None = None) -> Item:
        """Fires ``archive_pulse`` (``item_archived``, ``subitem_archived``)."""
        return self.state.archive_item(item_id, user_id=self._user(user_id))

    def delete_item(self, item_id: int | str, *, user_id: int | None = None) -> Item:
        """Fires ``delete_pulse`` (``item_deleted``, ``subitem_deleted``)."""
        return self.state.delete_item(item_id, user_id=self._user(user_id))

    def restore_item(self, item_id: int | str, *, user_id: int | None = None) -> Item:
        """Fires ``restore_pulse`` (``item_restored``)."""
        return self.state.restore_item(item_id, user_id=self._user(user_id))

    def add_group(self, board_id: int | str, group_id: str, title: str) -> Group:
        return self.state.add_group(board_id, group_id, title)

    def move_item_to_group(
        self, item_id: int | str, group_id: str, *, user_id: int | None = None
    ) -> Item:
        """Fires ``move_pulse_into_group`` (``item_moved_to_any_group``, ``..._specific_group``)."""
        return self.state.move_item_to_group(item_id, group_id, user_id=self._user(user_id))

    def move_subitem(
        self, subitem_id: int | str, parent_id: int | str, *, user_id: int | None = None
    ) -> Item:
        """Fires ``move_subitem``: the subitem now belongs to ``parent_id``."""
        return self.state.move_subitem(subitem_id, parent_id, user_id=self._user(user_id))

    def create_column(
        self, board_id: int | str, column: dict[str, Any], *, user_id: int | None = None
    ) -> Column:
        """Fires ``create_column`` (``add_column`` adds one silently)."""
        return self.state.create_column(board_id, column, user_id=self._user(user_id))

    def post_update(self, item_id: int | str, body: str, *, user_id: int | None = None) -> Any:
        """Fires ``create_update`` (``create_subitem_update`` on a subitem)."""
        return self.state.add_update(item_id, body, user_id=self._user(user_id))

    def subscribe(
        self,
        board_id: int | str,
        url: str,
        event: str,
        config: dict[str, Any] | None = None,
        *,
        signed: bool = True,
    ) -> Webhook:
        """A webhook as ``create_webhook`` makes one (the URL must answer the challenge), for any
        event monday has. ``signed=False``: made with a personal API token, so its deliveries
        carry no JWT even when the fake has a signing secret."""
        if event not in EVENT_NAMES:
            raise ValueError(f"monday has no webhook event {event!r}")
        self.state.board(board_id)
        self.dispatcher.verify(url)
        hook = self.state.add_webhook(board_id, url, event, config)
        if not signed:
            self.dispatcher.unsigned.add(hook.id)
        return hook

    def _user(self, user_id: int | None) -> int:
        return self.ui_user_id if user_id is None else user_id

    # -- waiting (for tests) ---------------------------------------------------------------
    def wait_for_deliveries(
        self, count: int = 1, timeout: float = 5.0, *, ok_only: bool = False
    ) -> list[Delivery]:
        """Block until ``count`` delivery attempts (``ok_only``: successful ones) were made;
        returns them. Raises ``TimeoutError``."""
        return self.dispatcher.wait(count, timeout, ok_only=ok_only)

    def wait_for_idle(self, timeout: float = 5.0) -> None:
        """Block until no delivery is queued, scheduled for retry or in flight."""
        self.dispatcher.wait_idle(timeout)

    def _on_event(self, event: Event) -> None:
        self.dispatcher.publish(event)
