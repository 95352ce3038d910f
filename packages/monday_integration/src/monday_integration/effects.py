"""Effects on monday (a status change, a file upload, an update) done once per event, however
often the event's job is retried, replayed or taken over from a dead worker.

Four layers, each closing the gap the one before leaves open:

1. **The event's ledger.** Each effect has a step name; as soon as monday answers, the result
   is recorded in ``WebhookEvent.effects`` and a recorded step is never done again.
2. **A derived ``Idempotency-Key``.** A worker killed after monday applied a mutation but
   before the ledger was written repeats it with the same key (a uuid5 of the event's trigger
   and the step, not a fresh uuid4 per call), and monday answers with the first answer instead
   of applying it twice: it keeps keys for 30 minutes (monday's API reference, "Idempotency").
3. **The item itself.** A step is marked *started* before it is sent; a step found started
   (its outcome unknown: the worker died, perhaps after 30 minutes) is first looked for on the
   item: the update among its latest updates, the PDF (by its file name, unique to the
   document) in the file column.
4. **The item link.** A PDF already on the item's file column for this quote version (the
   ``ItemLink`` remembers the last one, by sha256) is not uploaded again by a later event.

Steps are grouped in *rounds*: a replay of a finished event (failed or done) starts a new
round (the rep asked for the whole flow again: labels, update and, if the file is gone from the
item, the upload); retries, take-overs and replays of a stalled event repeat nothing.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable
from typing import Any

from createpdf.leases import Lease
from createpdf.models import Document
from monday_integration.client import MondayClient
from monday_integration.models import ItemLink, WebhookEvent
from monday_integration.parsing import Item

# A fixed namespace: the same event and step give the same key in every process, forever.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0c1d2e-8a7b-5c4d-9e3f-a1b2c3d4e5f6")
ROUND = "round"
STARTED = "started"  # sent to monday, outcome not recorded (yet)


def idempotency_key(event: WebhookEvent, step: str) -> str:
    """The ``Idempotency-Key`` for one step of one event: stable across every retry."""
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{event.trigger_uuid}/{step}"))


class Effects:
    """The effects ledger of one event, written only while ``lease`` is held."""

    def __init__(self, event: WebhookEvent, lease: Lease) -> None:
        self.event, self.lease = event, lease

    @property
    def round(self) -> int:
        return int(self.event.effects.get(ROUND, 0))

    def step(self, name: str) -> str:
        return f"{self.round}/{name}"

    def done(self, name: str) -> Any:
        """The recorded result of step ``name`` in this round, or None."""
        return self.event.effects.get(self.step(name))

    def once(
        self,
        name: str,
        perform: Callable[[str], Any],
        *,
        find_done: Callable[[], Any] | None = None,
    ) -> Any:
        """Run ``perform(idempotency_key)`` unless step ``name`` is recorded for this round, and
        record its (JSON) result. A step that was started but never recorded is first looked
        for with ``find_done()`` (its result, or None when it is not there). Raises
        ``LeaseLost`` instead of running without the lease."""
        step = self.step(name)
        recorded = self.event.effects.get(step)
        if recorded is not None and recorded != STARTED:
            return recorded
        self.lease.check()
        if recorded == STARTED and find_done is not None:
            found = find_done()
            if found is not None:
                return self._record(step, found)
        self._record(step, STARTED)
        result = perform(idempotency_key(self.event, step))
        return self._record(step, True if result is None else result)

    def _record(self, step: str, result: Any) -> Any:
        self.event.effects[step] = result
        WebhookEvent.objects.filter(pk=self.event.pk, leased_by=self.lease.holder).update(
            effects=self.event.effects
        )
        return result


def start_new_round(event: WebhookEvent) -> dict[str, Any]:
    """The event's ledger for a replay: earlier rounds stay as history."""
    effects = dict(event.effects or {})
    effects[ROUND] = int(effects.get(ROUND, 0)) + 1
    return effects


def upload_quote_pdf(
    event: WebhookEvent, client: MondayClient, effects: Effects, item: Item, document: Document
) -> str:
    """Put the quote's PDF on the item's file column once; returns the asset's URL.

    Not uploaded again when it is already there (monday keeps every file added to a column):
    the same PDF by sha256 from an earlier event (``ItemLink``), or a file with this document's
    name (``<title>-<document id>.pdf``, one name per document) from an attempt that died
    before it could record the upload.
    """
    mapping = event.mapping
    link_row = ItemLink.objects.get(mapping=mapping, item_id=str(item.id))
    on_item = files_in_column(item, mapping.file_column_id)
    if link_row.uploaded_sha256 == document.sha256 and link_row.uploaded_asset_id in on_item:
        return link_row.uploaded_asset_url
    # the link says the file of that name holds other content (a re-rendered document)
    stale = link_row.uploaded_sha256 not in ("", document.sha256)
    asset = upload_document_once(
        event,
        client,
        effects,
        item,
        document,
        step="upload",
        stale_asset_id=link_row.uploaded_asset_id if stale else "",
    )
    ItemLink.objects.filter(pk=link_row.pk).update(
        uploaded_sha256=document.sha256,
        uploaded_asset_id=asset["id"],
        uploaded_asset_url=asset["url"][:1000],
    )
    return asset["url"]


def upload_document_once(
    event: WebhookEvent,
    client: MondayClient,
    effects: Effects,
    item: Item,
    document: Document,
    *,
    step: str,
    stale_asset_id: str = "",
) -> dict[str, str]:
    """Put ``document`` on the mapping's file column once (ledger step
    ``<step>/<document sha256>``); returns ``{"id": asset id, "url": its lasting URL}``.

    A file of this document's name already in the column (an earlier round's, or an attempt
    that died before it could record the upload) is taken instead of uploading again, unless
    it is ``stale_asset_id`` (known to hold other content)."""
    mapping = event.mapping
    on_item = files_in_column(item, mapping.file_column_id)

    def already_there() -> dict[str, str] | None:
        named = [asset_id for asset_id, name in on_item.items() if name == document.filename]
        if not named or (stale_asset_id and stale_asset_id == named[-1]):
            return None
        asset = next((a for a in item.assets if a.id == named[-1]), None)
        return {"id": named[-1], "url": (asset.url or asset.public_url) if asset else ""}

    def upload(key: str) -> dict[str, str]:
        with document.file.open("rb") as pdf:
            asset = client.upload_file_to_column(
                event.item_id,
                mapping.file_column_id,
                document.filename,
                pdf.read(),
                idempotency_key=key,
            )
        # ``url`` is the asset's lasting address; ``public_url`` expires within the hour.
        return {"id": str(asset.id), "url": asset.url or asset.public_url}

    return already_there() or effects.once(f"{step}/{document.sha256}", upload)


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def html_text(text: object) -> str:
    """``text`` (a customer's, an item's, an error's: anything not written here) made safe to
    put in an update's body: monday's ``create_update`` takes ``body`` as HTML ("the update's
    html formatted body") and renders links, images and markup in it, so ``<``, ``>`` and
    ``&`` are escaped. Quotes are left as typed: bodies hold no attributes."""
    return html.escape(str(text), quote=False)


def shown_text(text: str) -> str:
    """An update as monday shows it as text (an item's ``text_body``): tags dropped, entities
    resolved, whitespace collapsed. Used on both sides of the "already posted" check."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


def update_on_item(item: Item, body: str) -> bool:
    """Whether the HTML ``body`` is among the item's latest updates, which monday reads back as
    text (``text_body``: without tags, entities resolved): the body's text is compared, not
    its HTML. A ``text_body`` that still holds entities matches too."""
    wanted = shown_text(body)
    for text in item.update_texts:
        plain = _SPACE.sub(" ", text).strip()
        if wanted in (plain, _SPACE.sub(" ", html.unescape(plain)).strip()):
            return True
    return False


def set_label_once(
    event: WebhookEvent, client: MondayClient, effects: Effects, kind: str, label: str
) -> Any:
    """Set the item's status column (the event's mapping's) to ``label`` once per event and
    round, as step ``status/<kind>``."""
    mapping = event.mapping
    return effects.once(
        f"status/{kind}",
        lambda key: client.set_status(
            mapping.board_id,
            event.item_id,
            mapping.status_column_id,
            label,
            idempotency_key=key,
        ),
    )


def post_update_once(
    event: WebhookEvent, client: MondayClient, effects: Effects, item: Item, name: str, body: str
) -> Any:
    """Post ``body`` (HTML: text put in it goes through ``html_text``) as an update on the item
    once per event and round (step ``name``); an attempt that died after sending it finds it
    among the item's latest updates (``update_on_item``)."""

    def already_posted() -> bool | None:
        return True if update_on_item(item, body) else None

    return effects.once(
        name,
        lambda key: client.create_update(event.item_id, body, idempotency_key=key),
        find_done=already_posted,
    )


def files_in_column(item: Item, column_id: str) -> dict[str, str]:
    """Asset id -> file name, from a file column's value (``{"files": [{"assetId": 1,
    "name": "q.pdf", ...}]}``)."""
    column = item.column_values.get(column_id)
    value = column.value if column is not None else None
    files = value.get("files", []) if isinstance(value, dict) else []
    return {
        str(entry.get("assetId")): str(entry.get("name") or "")
        for entry in files
        if isinstance(entry, dict)
    }
