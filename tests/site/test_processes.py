"""ProcessGroup: one stop for all, and a crash of one process stops the rest."""

from __future__ import annotations

import os
import signal
import sys
import threading

from betterform_site.processes import ProcessGroup

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_process_that_dies_stops_the_others_and_passes_its_code_on():
    group = ProcessGroup(grace_seconds=5)
    group.start("sleeper", SLEEPER)
    group.start("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
    assert group.wait() == 3
    assert group.processes["sleeper"].returncode == -signal.SIGTERM


def test_sigterm_to_the_group_stops_every_process_and_exits_cleanly():
    group = ProcessGroup(grace_seconds=5)
    group.start("one", SLEEPER)
    group.start("two", SLEEPER)
    threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM)).start()
    assert group.wait() == 0
    assert [process.returncode for process in group.processes.values()] == [-signal.SIGTERM] * 2
    assert signal.getsignal(signal.SIGTERM) is not group._request_stop
