"""``suites.processes``: a child's own children end with it, whether the test fails, the run is
interrupted or it is sent SIGTERM. Real processes: a python child that starts a sleeper it
never waits for, and uvicorn with two worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from suites import processes as children

pytestmark = pytest.mark.slow  # Linux (Debian): the checks read /proc

ROOT = Path(children.__file__).resolve().parents[1]  # where ``import suites`` works

# A worker-like child: it starts a grandchild and leaves it running (as uvicorn's supervisor,
# ``serve`` or a crashed worker would), writes the grandchild's pid, then waits.
PARENT = """
import subprocess, sys, time
from pathlib import Path
sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
Path(sys.argv[1]).write_text(str(sleeper.pid))
time.sleep(300)
"""

# A test run in miniature: it starts PARENT through the harness (from a worker thread when
# told, as the suites do), prints both pids, then ends as told (``raise``: an exception nobody
# catches; otherwise it waits for a signal).
RUN = """
import sys, threading, time
from pathlib import Path
from suites import processes
pids = Path(sys.argv[2])
start = lambda: processes.spawn([sys.executable, "-c", sys.argv[3], str(pids)])
if sys.argv[1] == "thread":
    started = []
    thread = threading.Thread(target=lambda: started.append(start()))
    thread.start()
    thread.join()
    child = started[0]
else:
    child = start()
while not pids.exists() or not pids.read_text():
    time.sleep(0.05)
print(child.pid, pids.read_text(), flush=True)
if sys.argv[1] == "raise":
    raise KeyboardInterrupt
time.sleep(300)
"""

APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


def running(pid: int) -> bool:
    """Alive and not a zombie (an orphan that died waits for init to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def assert_group_gone(pgid: int, timeout: float = 30) -> None:
    """``killpg(pgid, 0)`` fails once every member has ended and been reaped (the reaping of
    orphans is init's, which may take a few seconds)."""
    assert not children.group_alive(pgid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"process group {pgid} still has members")


def read_pid(path: Path, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, "the child never wrote its grandchild's pid"
        time.sleep(0.05)
    return int(path.read_text())


def failing_test(body, *started: subprocess.Popen, grace: float) -> None:
    """A test whose ``body`` fails, and the teardown of the fixture that started ``started``."""
    try:
        body()
    finally:
        children.stop(*started, grace=grace)


def test_stopping_after_a_failed_test_body_ends_the_childs_own_children(tmp_path):
    child = children.spawn(
        [sys.executable, "-c", PARENT, str(tmp_path / "pid")], log=tmp_path / "parent.log"
    )
    grandchild = read_pid(tmp_path / "pid")
    group = os.getpgid(grandchild)

    with pytest.raises(ZeroDivisionError):
        failing_test(lambda: 1 / 0, child, grace=5)

    assert child.returncode == -signal.SIGTERM
    assert not running(grandchild)
    assert group == child.pid != os.getpgid(0)  # a group of its own, not the test run's
    assert_group_gone(group)


def test_uvicorn_and_its_worker_processes_all_stop(tmp_path, free_port):
    (tmp_path / "tiny_app.py").write_text(APP)
    port = free_port
    app = ("tiny_app:app", "--app-dir", str(tmp_path), "--host", "127.0.0.1", "--port", str(port))
    server = children.spawn(
        [sys.executable, "-m", "uvicorn", *app, "--workers", "2"], log=tmp_path / "uvicorn.log"
    )
    workers: list[int] = []

    def body() -> None:
        children.wait_until_answers(f"http://127.0.0.1:{port}/", server, statuses=(200,))
        workers.extend(pid for pid in children_of(server.pid) if running(pid))
        assert len(workers) >= 2, (workers, server.log.read_text())  # + multiprocessing's tracker
        raise AssertionError("the test fails while uvicorn runs")

    with pytest.raises(AssertionError, match="the test fails"):
        failing_test(body, server, grace=10)

    assert not [pid for pid in [server.pid, *workers] if running(pid)]
    assert_group_gone(server.pid)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/", timeout=2)


@pytest.mark.parametrize(
    ("how", "ending", "returncode"),
    [
        ("raise", None, -signal.SIGINT),  # KeyboardInterrupt: Python ends by SIGINT
        ("wait", signal.SIGTERM, -signal.SIGTERM),
        ("wait", signal.SIGHUP, -signal.SIGHUP),
        ("thread", signal.SIGTERM, -signal.SIGTERM),
    ],
)
def test_an_interrupted_run_stops_the_groups_it_started(tmp_path, how, ending, returncode):
    run = subprocess.Popen(
        [sys.executable, "-c", RUN, how, str(tmp_path / "pid"), PARENT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        child, grandchild = map(int, run.stdout.readline().split())
        if ending is not None:
            run.send_signal(ending)
        assert run.wait(timeout=30) == returncode, run.stderr.read()
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()

    assert not running(child) and not running(grandchild)
    assert_group_gone(child)


def test_a_child_that_exits_before_answering_is_reported_with_its_log(tmp_path):
    child = children.spawn(
        [sys.executable, "-c", "print('bad settings'); raise SystemExit(3)"],
        log=tmp_path / "child.log",
    )
    with pytest.raises(children.ChildFailed, match=r"exited \(3\)[\s\S]*bad settings"):
        children.wait_until_answers("http://127.0.0.1:9/", child, timeout=30)
    children.stop(child)
