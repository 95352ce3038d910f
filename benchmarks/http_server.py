"""uvicorn for ``bench_http``, started and stopped by the suites' harness (``suites.processes``:
a process group of its own, stopped whole, and at exit whatever happens).

``Server(env, cwd, workers)`` is a context manager: on entry uvicorn serves
``betterform_site.asgi:application`` on a free local port and has answered ``/healthz``; on
exit (or failure) its whole group is stopped (SIGTERM, then SIGKILL).
``usage()`` reads the CPU seconds the uvicorn processes and PostgreSQL's backends have used
(``/proc``), to say where a run's CPU went.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType

# ``BENCH_HTTP_APP`` serves another ASGI application instead (e.g. one wrapped to profile).
APP = "betterform_site.asgi:application"
START_TIMEOUT = 60.0
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return None
    name_end = text.rindex(")")
    return [text[text.index("(") + 1 : name_end], *text[name_end + 2 :].split()]


def cpu_seconds(session: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the processes of ``session`` (uvicorn), by
    every process named ``postgres`` (every database's backends: other users of the server
    count too; a backend gone meanwhile is missed), and by the whole machine (``/proc/stat``)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    used = {"uvicorn": 0.0, "postgres": 0.0, "machine": (sum(ticks[:8]) - idle) / TICKS}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fields = _stat(pid)
        if fields is None:
            continue
        # fields: [comm, state, ppid, pgrp, session, ..., utime (index 12), stime (13)]
        seconds = (int(fields[12]) + int(fields[13])) / TICKS
        if fields[0] == "postgres":
            used["postgres"] += seconds
        elif int(fields[4]) == session:
            used["uvicorn"] += seconds
    return used


class Server:
    def __init__(self, env: dict[str, str], *, cwd: Path, workers: int = 2) -> None:
        self.env, self.cwd, self.workers = env, cwd, workers
        self.port = free_port()
        self.log_dir = tempfile.TemporaryDirectory(prefix="betterform-bench-http-log-")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        from suites import processes  # the one harness: own process group, stopped at exit

        self.process = processes.spawn(
            [sys.executable, "-m", "uvicorn", self.env.get("BENCH_HTTP_APP", APP),
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
             "--log-level", "warning", "--no-access-log"],
            log=Path(self.log_dir.name) / "uvicorn.log", env=self.env, cwd=self.cwd,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{self.port}/healthz"
            processes.wait_until_answers(url, self.process, timeout=START_TIMEOUT)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def usage(self, since: dict[str, float] | None = None) -> dict[str, float]:
        """CPU seconds by ``uvicorn``, ``postgres`` and the ``machine`` so far, or since an
        earlier reading."""
        assert self.process is not None
        now = cpu_seconds(self.process.pid)
        return {who: now[who] - (since or {}).get(who, 0.0) for who in now}

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        from suites import processes

        if self.process is not None:
            processes.stop(self.process)
        self.log_dir.cleanup()
