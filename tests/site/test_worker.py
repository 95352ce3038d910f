"""The worker's heartbeat: written on start, refreshed, removed on a clean stop."""

from __future__ import annotations

import time

import pytest

from betterform_site.models import WorkerHeartbeat
from betterform_site.workers import Heartbeat, worker_status


@pytest.mark.django_db(transaction=True)
def test_heartbeat_is_written_refreshed_and_removed():
    heartbeat = Heartbeat(interval=0.2).start()
    try:
        first = WorkerHeartbeat.objects.get(worker_id=heartbeat.worker_id).last_seen
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            row = WorkerHeartbeat.objects.get(worker_id=heartbeat.worker_id)
            if row.last_seen > first:
                break
            time.sleep(0.1)
        assert row.last_seen > first, "the heartbeat thread never refreshed the row"
        assert worker_status().alive
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id=heartbeat.worker_id).exists()
    assert not worker_status().alive


@pytest.mark.slow
def test_process_tasks_reports_liveness_while_it_runs(manage):
    assert manage("migrate", "--noinput").returncode == 0
    result = manage(
        "shell",
        "-v",
        "0",
        "-c",
        "import subprocess, sys, time\n"
        "from betterform_site.workers import worker_status\n"
        "worker = subprocess.Popen([sys.executable, '-m', 'betterform_site', 'process_tasks',"
        " '--sleep', '0.2', '--duration', '4'])\n"
        "seen = False\n"
        "while worker.poll() is None:  # however long a busy machine takes to start it\n"
        "    seen = seen or worker_status().alive\n"
        "    time.sleep(0.1)\n"
        "worker.wait(30)\n"
        "print('alive-while-running', seen, 'alive-after-exit', worker_status().alive)\n",
    )
    assert result.returncode == 0, result.stderr
    assert "alive-while-running True alive-after-exit False" in result.stdout
