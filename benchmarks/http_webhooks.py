"""monday trigger deliveries for ``bench_http``, and the check that each was stored once.

``Deliveries.make(tag)`` gives ``drive`` the ``n``-th delivery of a run: a status change to the
mapping's trigger label (as monday sends it, about 700 bytes) with a ``triggerUuid`` of its
own, except every ``duplicate_every``-th, which re-sends the delivery ``duplicate_every // 2``
before it (monday's retries). ``check`` then reads the database: every distinct delivery
acknowledged is one ``received`` row with exactly one ``process_event_task`` queued, and each
ack names that row; it returns the number of events stored per run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.http_load import Run, request_bytes

UUID, ITEM = "@@UUID@@", 987654321


class Deliveries:
    def __init__(self, path: str, board_id: str, duplicate_every: int) -> None:
        self.path, self.duplicate_every = path, duplicate_every
        label = {"index": 3, "text": "Quote requested", "style": {"color": "#fdab3d"}}
        event = {
            "app": "monday", "type": "update_column_value",
            "triggerTime": "2026-11-23T10:00:00.000Z", "subscriptionId": 412345678,
            "userId": 40000002, "originalTriggerUuid": None, "boardId": int(board_id),
            "groupId": "topics", "pulseId": ITEM, "pulseName": "Deal", "columnId": "status",
            "columnType": "color", "columnTitle": "Status",
            "value": {"label": {**label, "is_done": False}, "post_id": None},
            "previousValue": {
                "label": {"index": 0, "text": "Working on it", "is_done": False}, "post_id": None
            },
            "changedAt": 1795428000.123, "isTopGroup": True, "triggerUuid": UUID,
        }  # fmt: skip
        self.template = json.dumps({"event": event})
        self.sent: dict[str, set[str]] = {}

    def uuid(self, tag: str, number: int) -> str:
        if number % self.duplicate_every == self.duplicate_every - 1:
            number -= self.duplicate_every // 2
        return f"bench-http-{tag}-{number}"

    def make(self, tag: str) -> Callable[[int], bytes]:
        sent = self.sent.setdefault(tag, set())

        def delivery(number: int) -> bytes:
            uuid = self.uuid(tag, number)
            sent.add(uuid)
            body = self.template.replace(UUID, uuid).replace(str(ITEM), str(ITEM + number))
            return request_bytes("POST", self.path, body=body.encode())

        return delivery

    def check(self, database_url: str, runs: dict[str, Run]) -> dict[str, int]:
        """Events stored per run tag; ``AssertionError`` naming what is wrong."""
        import psycopg

        with psycopg.connect(database_url) as connection:
            rows: dict[str, tuple[int, str]] = {
                uuid: (pk, status)
                for pk, uuid, status in connection.execute(
                    "SELECT id, trigger_uuid, status FROM monday_integration_webhookevent "
                    "WHERE trigger_uuid LIKE 'bench-http-%'"
                )
            }
            tasks: dict[int, int] = {}
            for (params,) in connection.execute(
                "SELECT task_params FROM background_task WHERE queue = 'monday'"
            ):
                event = json.loads(params)[0][0]
                tasks[event] = tasks.get(event, 0) + 1
        stored = {}
        for tag, run in runs.items():
            assert run.errors == 0, (tag, run.statuses, run.bodies[:3])
            acked = {_event(body) for body in run.bodies}
            sent = self.sent[tag]
            ours = {uuid: rows.get(uuid) for uuid in sent}
            missing = [uuid for uuid, row in ours.items() if row is None]
            assert not missing, f"{len(missing)} acknowledged deliveries were not stored"
            assert {status for _, status in ours.values()} == {"received"}
            pks = {pk for pk, _ in ours.values()}
            assert acked == pks, f"{len(acked ^ pks)} acks name another event"
            unqueued = [pk for pk in pks if tasks.get(pk) != 1]
            assert not unqueued, f"{len(unqueued)} events without exactly one task queued"
            stored[tag] = len(pks)
        return stored


def _event(body: bytes) -> int:
    answer: dict[str, Any] = json.loads(body)
    assert answer["status"] == "received", answer
    return answer["event"]
