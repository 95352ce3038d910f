"""What the load suite needs before it starts: a fake monday, the demo board, users and forms.

The fake monday.com runs as its own process (``run_fake_monday --seed-demo-board``); the site's
web and task workers reach it through ``MONDAY_API_URL``/``MONDAY_API_TOKEN`` and verify its
(and our) webhook JWTs with ``MONDAY_SIGNING_SECRET``, so all three are chosen before anything
starts. The demo board is connected as ``serve`` does (``connect_demo_board``).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field

import httpx
import jwt

from suites.live import PASSWORD, System, free_port, wait_for

# One token per client: DRF's UserRateThrottle (3000/minute per user and per process) then
# never applies, whatever the throughput. rep_a, rep_b and staff are among them.
CONNECT_DEMO = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from monday_integration.client import MondayClient
from monday_integration.demo import connect_demo_board
from monday_integration.operations import webhook_url
users = get_user_model().objects
with MondayClient(max_retries=2) as client:
    mapping = connect_demo_board(%(base)r, client, owner=users.get(username="rep_a"))
    items = [item.id for item in client.iter_board_items(mapping.board_id)]
tokens = {}
for n in range(%(extra)d):
    user = users.create_user(f"load_rep_{n:02d}", password=%(password)r)
    tokens[user.username] = Token.objects.create(user=user).key
print(json.dumps({
    "url": webhook_url(%(base)r, mapping),
    "board_id": mapping.board_id,
    "column_id": mapping.trigger_column_id,
    "trigger_label": mapping.trigger_label,
    "items": [str(item) for item in items],
    "tokens": tokens,
}))
"""

FORM_SCHEMA = {
    "sections": [
        {
            "title": "Project",
            "fields": [
                {
                    "key": "area",
                    "label": "Area",
                    "type": "number",
                    "required": True,
                    "pricing": {"unit_price": "85.00", "unit_label": "m²"},
                },
                {
                    "key": "finish",
                    "label": "Finish",
                    "type": "choice",
                    "options": [
                        {"value": "basic", "label": "Basic"},
                        {"value": "premium", "label": "Premium", "price": "2500.00"},
                    ],
                },
            ],
        }
    ],
    "pricing": {"currency": "EUR", "tax_rate": "21"},
}


@dataclass
class Monday:
    """The fake monday's settings, chosen before the site starts."""

    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    signing_secret: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def env(self) -> dict[str, str]:
        return {
            "MONDAY_API_URL": f"http://127.0.0.1:{self.port}/v2",
            "MONDAY_API_TOKEN": self.token,
            "MONDAY_SIGNING_SECRET": self.signing_secret,
        }

    def start(self, system: System) -> None:
        process = system.spawn(
            "fake",
            *("-m", "betterform_site", "run_fake_monday", "--port", str(self.port)),
            *("--token", self.token, "--signing-secret", self.signing_secret),
            "--seed-demo-board",
        )
        wait_for(f"http://127.0.0.1:{self.port}/healthz", process)

    def sign(self, url: str) -> str:
        """The app JWT monday sends (HS256, ``aud`` = the webhook URL, no ``Bearer``)."""
        now = int(time.time())
        claims = {"accountId": 1, "userId": 1, "aud": url, "iat": now, "exp": now + 300}
        return jwt.encode(claims, self.signing_secret, algorithm="HS256")


@dataclass
class Board:
    """The connected demo board: where to deliver, and what a trigger looks like."""

    url: str
    board_id: str
    column_id: str
    trigger_label: str
    items: list[str]


@dataclass
class Principal:
    """One client's credentials, its form and the submissions it made."""

    name: str
    headers: dict[str, str]
    form_id: int
    submissions: list[int] = field(default_factory=list)
    quoted: list[int] = field(default_factory=list)


def connect(system: System, clients: int) -> tuple[Board, dict[str, str]]:
    """Connect the demo board and make the extra users; returns the board and their tokens."""
    extra = max(0, clients - 3)
    script = CONNECT_DEMO % {"base": system.base_url, "extra": extra, "password": PASSWORD}
    out = json.loads(system.manage("shell", "-v", "0", "-c", script).splitlines()[-1])
    tokens = out.pop("tokens")
    return Board(**out), tokens


def principals(system: System, extra_tokens: dict[str, str], clients: int) -> list[Principal]:
    """One principal a client, each with a form of its own and one submission to start from."""
    headers = {name: system.headers(name) for name in ("rep_a", "rep_b", "staff")}
    headers.update({name: {"Authorization": f"Token {key}"} for name, key in extra_tokens.items()})
    found = []
    with httpx.Client(base_url=system.base_url, timeout=30) as http:
        for name, auth in list(headers.items())[:clients]:
            form = {"name": f"Load {name}", "slug": f"load-{name}", "schema": FORM_SCHEMA}
            response = http.post("/api/forms/", json=form, headers=auth)
            response.raise_for_status()
            principal = Principal(name, auth, response.json()["id"])
            body = {"form": principal.form_id, "answers": {"area": 10, "finish": "basic"}}
            response = http.post("/api/submissions/", json=body, headers=auth)
            response.raise_for_status()
            principal.submissions.append(response.json()["id"])
            found.append(principal)
    return found
