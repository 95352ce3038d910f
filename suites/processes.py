"""Child processes for the tests and the suites, each the leader of a process group of its own.

``spawn`` starts a command in a new session (``start_new_session``: a new process group whose
id is the child's pid), with its output in a log file; ``stop`` sends SIGTERM to the whole
group, then SIGKILL to whatever is left after a grace period, and reaps the leader. A group
reaches what signalling the child alone misses: uvicorn's ``--workers``, ``serve``'s web
server, worker and fake monday.com, anything a child started and did not wait for.

Nothing started here outlives the run: every group still running is stopped when the
interpreter exits (``atexit``: a failed fixture, an exception, KeyboardInterrupt) or is sent
SIGTERM or SIGHUP (handlers installed on import, where the signal has its default action).
A new session also means no controlling terminal: a Ctrl-C reaches the test runner alone,
which then stops the groups in order instead of every process dying at once. What nothing
can cover: the runner itself SIGKILLed (its children then live on; ``kill -- -PGID``).

Used by ``tests/site/conftest.py`` (``live_site``), ``suites/live.py`` (``running_system``)
and the tests that start ``serve``, workers, Redis or the fake monday.com. The apps and the
site never import it (it is not in any wheel).
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

GRACE_SECONDS = 10.0  # from SIGTERM to SIGKILL, in seconds
POLL_SECONDS = 0.05

_running: dict[int, subprocess.Popen] = {}  # pgid (the leader's pid) -> leader, not yet stopped
_lock = threading.RLock()  # reentrant: the SIGTERM handler may interrupt a holder


class ChildFailed(RuntimeError):
    """A child exited before it answered, or did not answer in time; the message ends with
    the tail of its log."""


def spawn(
    command: Sequence[str],
    *,
    log: Path | None = None,
    env: Mapping[str, str] | None = None,
    **popen: Any,
) -> subprocess.Popen:
    """Start ``command`` as the leader of a new process group and return it.

    ``log``: a file (truncated) taking stdout and stderr, also set as ``process.log``; without
    it ``popen`` decides (``stdout=subprocess.PIPE``, ...). Never leave a pipe unread: a full
    pipe blocks the child. ``env`` replaces the environment when given; ``popen`` goes to
    ``subprocess.Popen``.
    """
    if log is not None:
        with log.open("w") as output:
            process = _start(command, env, stdout=output, stderr=subprocess.STDOUT, **popen)
    else:
        process = _start(command, env, **popen)
    process.log = log  # type: ignore[attr-defined]
    return process


def _start(command: Sequence[str], env: Mapping[str, str] | None, **popen: Any):
    env = dict(env) if env is not None else None
    with _lock:  # so the safety net never misses a child started while it runs
        process = subprocess.Popen(list(command), env=env, start_new_session=True, **popen)
        _running[process.pid] = process
    return process


def wait_until_answers(
    url: str,
    process: subprocess.Popen,
    *,
    timeout: float = 60.0,
    statuses: Collection[int] | None = None,
) -> httpx.Response:
    """Poll ``url`` until it answers (with one of ``statuses`` when given) and return the
    answer. Raises ``ChildFailed`` when ``process`` exits first or ``timeout`` (s) runs out."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ChildFailed(f"{_name(process)} exited ({process.returncode}){_tail(process)}")
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError as error:
            last = repr(error)
        else:
            if statuses is None or response.status_code in statuses:
                return response
            last = f"HTTP {response.status_code}"
        time.sleep(0.2)
    raise ChildFailed(f"{url} did not answer within {timeout:.0f} s ({last}){_tail(process)}")


def stop(*processes: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to each process's group, SIGKILL to what is still alive ``grace`` seconds
    later; returns once the groups are empty and the leaders reaped. Groups are signalled
    together, so stopping several costs one grace period, not one each. ``grace=0``: SIGKILL
    at once, no SIGTERM."""
    if grace > 0:
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        _wait_until_gone(processes, time.monotonic() + grace)
    left = [process for process in processes if _alive_members(process.pid)]
    for process in left:
        _signal_group(process, signal.SIGKILL)
    _wait_until_gone(left, time.monotonic() + 10)
    for process in processes:
        if process.poll() is None:  # a leader that left its group (setsid) is still ours
            process.kill()
        with suppress(subprocess.TimeoutExpired):  # stuck in the kernel (D state): give up
            process.wait(timeout=5)
        with _lock:
            _running.pop(process.pid, None)


def kill(*processes: subprocess.Popen) -> None:
    """SIGKILL each group at once, as a crash would (the faults suite's Redis)."""
    stop(*processes, grace=0)


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` still runs (zombies waiting for a reaper don't)."""
    return bool(_alive_members(pgid))


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    # Once the leader is reaped its pid may be reused; the group id stays ours only while a
    # member lives, hence the check before signalling (a live group keeps its id reserved).
    if process.returncode is not None and not _alive_members(process.pid):
        return
    with suppress(ProcessLookupError, PermissionError):  # the group ended meanwhile
        os.killpg(process.pid, signum)


def _wait_until_gone(processes: Sequence[subprocess.Popen], deadline: float) -> None:
    waiting = list(processes)
    while waiting and time.monotonic() < deadline:
        for process in waiting:
            process.poll()  # reap the leader: a zombie still counts as a member for killpg
        waiting = [process for process in waiting if _alive_members(process.pid)]
        if waiting:
            time.sleep(POLL_SECONDS)


def _alive_members(pgid: int) -> list[int]:
    """The pids in group ``pgid`` that are not zombies. Linux: read from /proc, since an
    orphaned member that died stays a zombie (and answers ``killpg(pgid, 0)``) until the
    system's init reaps it, which some container inits do only every few seconds."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass  # a member runs as another user: the group is still there
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        state, _ppid, pgrp = stat[stat.rindex(")") + 2 :].split(" ", 3)[:3]
        if int(pgrp) == pgid and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _name(process: subprocess.Popen) -> str:
    return " ".join(str(arg) for arg in process.args[1:4])


def _tail(process: subprocess.Popen, chars: int = 4000) -> str:
    log = getattr(process, "log", None)
    if log is None or not log.exists():
        return ""
    return f"; {log}:\n{log.read_text(errors='replace')[-chars:]}"


def stop_all(grace: float = 5.0) -> None:
    """Stop every group this process started and has not stopped yet (the safety net)."""
    with _lock:
        leftovers = list(_running.values())
    if leftovers:
        stop(*leftovers, grace=grace)


atexit.register(stop_all)


def _install_signal_handlers() -> None:
    """On SIGTERM/SIGHUP, stop the groups, then die of the signal as before. Only where the
    signal has its default action, so a handler of the program's own stays; and only from the
    main thread (Python's rule), hence on import: the suites spawn from worker threads."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _stop_then_die)


def _stop_then_die(signum: int, frame: FrameType | None) -> None:
    stop_all(grace=2.0)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


_install_signal_handlers()
