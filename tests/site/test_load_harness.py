"""The load suite's own parts: its HTTP client against a real uvicorn, and the open loop's
schedule (operations start when due, whatever the answers, and are timed from then)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import uvicorn

from suites import load_open
from suites.load_http import Client, Response, TransportError
from suites.load_mix import DUE, Load, Pace
from suites.load_open import Step, crossing, default_rates, split, step


async def echo(scope: dict, receive: Callable, send: Callable) -> None:
    """Answers what it was sent as JSON; ``/chunked`` streams it (no Content-Length),
    ``/close`` asks for the connection to be closed, ``/slow`` waits a second first."""
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/slow":
        await asyncio.sleep(1)
    headers = {k.decode(): v.decode() for k, v in scope["headers"]}
    answer = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": headers,
            "body": body.decode(),
        }
    ).encode()
    out = [(b"content-type", b"application/json")]
    if scope["path"] == "/close":
        out.append((b"connection", b"close"))
    if scope["path"] == "/chunked":
        await send({"type": "http.response.start", "status": 201, "headers": out})
        for part in (answer[:10], answer[10:]):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    out.append((b"content-length", str(len(answer)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": out})
    await send({"type": "http.response.body", "body": answer})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_server(test: Callable[[str], Awaitable[None]]) -> None:
    """Run ``test(base_url)`` beside a real uvicorn serving ``echo``, in one event loop."""

    async def main() -> None:
        port = free_port()
        config = uvicorn.Config(echo, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            await test(f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            await serving

    asyncio.run(main())


def test_the_client_sends_json_and_reads_answers_over_one_kept_alive_connection():
    async def test(base: str) -> None:
        async with Client(base) as http:
            got = await http.request("GET", "/a?b=1", headers={"Authorization": "Token t"})
            assert got.status_code == 200
            assert got.json()["query"] == "b=1"
            assert got.json()["headers"]["authorization"] == "Token t"
            sent = await http.request("POST", "/submit", json={"x": [1, "é"]})
            assert sent.json()["method"] == "POST"
            assert json.loads(sent.json()["body"]) == {"x": [1, "é"]}
            assert sent.json()["headers"]["content-type"] == "application/json"
            patched = await http.request("PATCH", "/empty")
            assert patched.json()["headers"]["content-length"] == "0"
            absolute = await http.request("POST", f"{base}/hook/x?y=1", json={})
            assert (absolute.json()["path"], absolute.json()["query"]) == ("/hook/x", "y=1")
            with pytest.raises(ValueError, match="not on"):
                await http.request("GET", "http://example.com/")
            chunked = await http.request("GET", "/chunked")
            assert (chunked.status_code, chunked.json()["path"]) == (201, "/chunked")
            assert http.opened == 1

    with_server(test)


def test_a_connection_idle_past_the_expiry_or_closed_by_the_server_is_not_reused():
    async def test(base: str) -> None:
        async with Client(base, keepalive_expiry=0.2) as http:
            await http.request("GET", "/one")
            await asyncio.sleep(0.4)
            await http.request("GET", "/two")
            assert http.opened == 2
            await http.request("GET", "/close")
            await http.request("GET", "/three")
            assert http.opened == 3

    with_server(test)


def test_concurrent_requests_wait_for_a_free_connection_past_the_limit():
    async def test(base: str) -> None:
        async with Client(base, max_connections=2) as http:
            answers = await asyncio.gather(*(http.request("GET", f"/{n}") for n in range(10)))
            assert [a.json()["path"] for a in answers] == [f"/{n}" for n in range(10)]
            assert http.opened == 2

    with_server(test)


def test_no_whole_answer_is_a_transport_error_naming_what_happened():
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        await writer.drain()
        writer.close()

    async def test(base: str) -> None:
        async with Client(base, timeout=0.3) as http:
            with pytest.raises(TransportError) as slow:
                await http.request("GET", "/slow")
            assert slow.value.kind == "Timeout"
        async with Client(f"http://127.0.0.1:{free_port()}") as http:
            with pytest.raises(TransportError) as refused:
                await http.request("GET", "/")
            assert refused.value.kind == "ConnectError"
        server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server, Client(f"http://127.0.0.1:{port}") as http:
            with pytest.raises(TransportError) as cut:
                await http.request("GET", "/")
            assert cut.value.kind == "ReadError"

    with_server(test)


class Server:
    """A stand-in for the site: one request at a time, ``service`` seconds each."""

    def __init__(self, service: float) -> None:
        self.service, self.lock, self.started = service, asyncio.Lock(), []

    async def request(self, method: str, url: str, **kwargs: Any) -> Response:
        self.started.append(time.perf_counter())
        async with self.lock:
            await asyncio.sleep(self.service)
        return Response(200, b"{}")


def open_loop_with(
    monkeypatch: pytest.MonkeyPatch, service: float, rate: float, seconds: float
) -> tuple[Step, Server, float]:
    """One open-loop step of ``rate`` operations a second against ``Server(service)``, each
    operation one recorded request; returns the step, the server and when the step began."""

    async def operation(load: Load, who: Any) -> None:
        await load.request("read_list", "GET", "/")

    monkeypatch.setattr(load_open, "one", operation)

    async def main() -> tuple[Step, Server, float]:
        server = Server(service)
        pace = Pace(1.0)
        load = Load(server, None, None, {}, {}, pace, pace, pace)  # type: ignore[arg-type]
        began = time.perf_counter()
        return await step(load, [None], rate, seconds), server, began  # type: ignore[list-item]

    return asyncio.run(main())


def test_the_open_loop_starts_operations_when_due_whatever_the_answers(monkeypatch):
    # 20 operations due over 0.5 s to a server answering one at a time, 20 a second: a closed
    # loop of one client would take 1 s to start them all; the schedule starts them within
    # 0.5 s, and the queue shows in the times: the last, due at 0.475 s and answered about 1 s
    # after the start, took over 0.4 s though its own service is 0.05 s.
    done, server, began = open_loop_with(monkeypatch, service=0.05, rate=40, seconds=0.5)
    assert done.operations == len(server.started) == len(done.records) == 20
    assert server.started[-1] - began < 0.8
    assert done.wall >= 20 * 0.05
    assert done.p(99) > 400
    assert done.achieved < 30
    assert done.errors == 0


def test_a_request_is_timed_from_when_it_was_due_not_from_when_it_went_out():
    # A client too slow to start requests on time (a starved event loop) must not hide the
    # lateness: the open loop's scheduler sets DUE, and the request counts from then.
    async def main() -> list[tuple[str, int, float]]:
        pace = Pace(1.0)
        load = Load(Server(0), None, None, {}, {}, pace, pace, pace)  # type: ignore[arg-type]
        await load.request("read_list", "GET", "/")
        DUE.set(time.perf_counter() - 1.0)
        await load.request("read_list", "GET", "/")
        return load.records

    (_, _, on_time), (_, _, late) = asyncio.run(main())
    assert on_time < 0.5
    assert late >= 1.0


def test_the_crossing_is_the_first_rate_whose_p99_is_over_the_bar():
    def at(rate: float, p99_seconds: float) -> Step:
        return Step(rate, 10, [("read_list", 200, p99_seconds)] * 10, 1.0, 0.0)

    steps = [at(50, 0.1), at(100, 0.9), at(150, 1.2)]
    assert crossing(steps, 1000) == (100, 150)
    assert crossing(steps[:2], 1000) == (100, None)
    assert crossing(steps[2:], 1000) == (None, 150)
    assert "between 100 and 150 req/s" in load_open.report(steps, 1000, 10)
    under, over = split(steps, 1000)
    assert (len(under), len(over)) == (20, 10)


def test_the_open_loop_starts_at_half_the_closed_loops_throughput_by_25():
    assert default_rates(175.5)[:3] == [75, 100, 125]
    assert default_rates(20)[0] == 25
