"""The worker's heartbeat: written on start, refreshed, removed on a clean stop."""

from __future__ import annotations

import time

import pytest

from betterform_site.models import WorkerHeartbeat
from betterform_site.workers import Heartbeat, worker_name, worker_status


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


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_only_its_own_task_locks(settings):
    from datetime import timedelta

    from background_task.models import Task
    from django.utils import timezone

    old = timezone.now() - timedelta(seconds=settings.MAX_RUN_TIME * 2)
    mine, theirs = worker_name(), worker_name()
    for name, locked_by in (("mine", mine), ("theirs", theirs)):
        Task.objects.create(
            task_name=name, task_params="[[], {}]", locked_by=locked_by, locked_at=old, run_at=old
        )
    Heartbeat(locked_by=mine).beat()
    unlocked = {task.task_name for task in Task.objects.unlocked(timezone.now())}
    assert unlocked == {"theirs"}, "a dead worker's task is taken over, a live one's is not"


def test_a_restarted_worker_never_shares_its_name_with_the_dead_one(monkeypatch):
    """In a container every worker may be PID 1, and a restarted container keeps its host."""
    monkeypatch.setattr("os.getpid", lambda: 1)
    monkeypatch.setattr("socket.gethostname", lambda: "worker-0")
    first, second = worker_name(), worker_name()
    assert first != second and len(first) <= 64


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


@pytest.mark.django_db
def test_the_task_admin_says_whether_a_live_worker_holds_each_task(admin_client):
    from background_task.models import Task
    from django.utils import timezone

    Task.objects.create(
        task_name="held",
        task_params="[[], {}]",
        locked_by=worker_name(),
        locked_at=timezone.now(),
        run_at=timezone.now(),
    )
    page = admin_client.get("/admin/background_task/task/")
    assert page.status_code == 200
    assert "held by a live worker" in page.content.decode().lower()
    assert admin_client.get("/admin/background_task/completedtask/").status_code == 200
