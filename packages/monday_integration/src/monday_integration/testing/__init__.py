"""A fake monday.com for tests, the demo and local development.

``FakeMonday`` is a real HTTP server on 127.0.0.1 that speaks the GraphQL subset in
``schema.graphql`` (executed with graphql-core), takes file uploads, sends webhooks (challenge,
retries, optional JWT signature) and can be told to misbehave (``fake.faults``)::

    from monday_integration.testing import FakeMonday, build_demo_board

    with FakeMonday() as fake:
        demo = build_demo_board(fake)
        ...  # point MONDAY_API_URL at fake.url and MONDAY_API_TOKEN at fake.token

Run it on its own with ``python -m betterform_site run_fake_monday --seed-demo-board``.
"""

from monday_integration.testing.demo import build_demo_board
from monday_integration.testing.errors import MondayApiError
from monday_integration.testing.fake import FakeMonday
from monday_integration.testing.faults import Faults
from monday_integration.testing.records import Board, Item, Webhook
from monday_integration.testing.server import RecordedRequest
from monday_integration.testing.views import Asset, Cell, ItemView, Update, Upload
from monday_integration.testing.webhooks import Challenge, Delivery

__all__ = [
    "Asset",
    "Board",
    "Cell",
    "Challenge",
    "Delivery",
    "FakeMonday",
    "Faults",
    "Item",
    "ItemView",
    "MondayApiError",
    "RecordedRequest",
    "Update",
    "Upload",
    "Webhook",
    "build_demo_board",
]
