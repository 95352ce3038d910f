"""Effects on monday (a status change, a file upload, an update) done once per event, however
often the event's job is retried, replayed or taken over from a dead worker.

Three layers, each closing the gap the one before leaves open:

1. **The event's ledger.** Each effect has a step name; as soon as monday answers, the result
   is recorded in ``WebhookEvent.effects`` and a recorded step is never done again.
2. **A derived ``Idempotency-Key``.** A worker killed after monday applied a mutation but
   before the ledger was written repeats it with the same key (a uuid5 of the event's trigger
   and the step, not a fresh uuid4 per call), and monday answers with the first answer instead
   of applying it twice: it keeps keys for 30 minutes (monday's API reference, "Idempotency").
3. **The item itself.** A PDF already on the item's file column for this quote version (the
   ``ItemLink`` remembers the last one) is not uploaded again, however much later.

Steps are grouped in *rounds*: a replay starts a new round (the rep asked for the whole flow
again: labels, update and, if the file is gone from the item, the upload); retries and
take-overs within a round repeat nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from createpdf.leases import Lease
from createpdf.models import Document
from monday_integration.client import MondayClient
from monday_integration.models import ItemLink, WebhookEvent

# A fixed namespace: the same event and step give the same key in every process, forever.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f0c1d2e-8a7b-5c4d-9e3f-a1b2c3d4e5f6")
ROUND = "round"


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

    def once(self, name: str, perform: Callable[[str], Any]) -> Any:
        """Run ``perform(idempotency_key)`` unless step ``name`` is recorded for this round;
        record its (JSON) result. Raises ``LeaseLost`` instead of running without the lease."""
        step = self.step(name)
        if step in self.event.effects:
            return self.event.effects[step]
        self.lease.check()
        result = perform(idempotency_key(self.event, step))
        self.event.effects[step] = True if result is None else result
        WebhookEvent.objects.filter(pk=self.event.pk, leased_by=self.lease.holder).update(
            effects=self.event.effects
        )
        return self.event.effects[step]


def start_new_round(event: WebhookEvent) -> dict[str, Any]:
    """The event's ledger for a replay: earlier rounds stay as history."""
    effects = dict(event.effects or {})
    effects[ROUND] = int(effects.get(ROUND, 0)) + 1
    return effects


def upload_quote_pdf(
    event: WebhookEvent, client: MondayClient, effects: Effects, item: Any, document: Document
) -> str:
    """Put the quote's PDF on the item's file column once; returns the asset's URL.

    The same PDF (by sha256) already on the item, from this event or an earlier one, is not
    uploaded again: monday keeps every file added to a column.
    """
    mapping = event.mapping
    link_row = ItemLink.objects.get(mapping=mapping, item_id=str(item.id))
    if link_row.uploaded_sha256 == document.sha256 and link_row.uploaded_asset_id in (
        _asset_ids(item, mapping.file_column_id)
    ):
        return link_row.uploaded_asset_url

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

    asset = effects.once(f"upload/{document.sha256}", upload)
    ItemLink.objects.filter(pk=link_row.pk).update(
        uploaded_sha256=document.sha256,
        uploaded_asset_id=asset["id"],
        uploaded_asset_url=asset["url"][:1000],
    )
    return asset["url"]


def _asset_ids(item: Any, column_id: str) -> set[str]:
    """The asset ids in a file column's value (``{"files": [{"assetId": 1, ...}]}``)."""
    column = item.column_values.get(column_id)
    value = column.value if column is not None else None
    files = value.get("files", []) if isinstance(value, dict) else []
    return {str(entry.get("assetId")) for entry in files if isinstance(entry, dict)}
