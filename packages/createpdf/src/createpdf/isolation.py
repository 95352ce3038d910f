"""Renders run in child processes under OS limits on memory and CPU time.

A template can make the renderer allocate or compute far more than any output limit catches
(``createpdf.sizes`` bounds the known ways; this bounds the kind). ``render_pdf`` hands the
template and its context to one of a few long-lived render processes (fresh interpreters: they
share nothing with the threads of the web or worker process that asks), each with
``RLIMIT_AS`` at ``CREATEPDF_RENDER_MEMORY_MB`` and ``RLIMIT_CPU`` at
``CREATEPDF_RENDER_CPU_SECONDS`` more than it has used so far. Past a limit the render fails
with a ``RenderLimitExceeded`` that says which, and a child that died is replaced on the next
render; the asking process is never touched. Children stay warm (fonts, Pango) between
renders, keeping the cost per render to pickling the template in and the PDF out. A child
never opens the database.
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from multiprocessing.connection import Connection
from typing import Any

from createpdf.conf import conf
from createpdf.rendering import OutputTooLarge, RenderedPdf, RenderError

# Settings a render reads, sent with each job so the child renders as the asker's settings say.
RENDER_SETTINGS = ("CREATEPDF_MAX_PAGES", "CREATEPDF_MAX_HTML_BYTES")
MEGABYTE = 1024 * 1024


class RenderLimitExceeded(RenderError):
    """The render needed more memory or CPU time than a render may use."""


def render_pdf(
    html_source: str,
    css_source: str,
    context: Mapping[str, Any],
    *,
    max_pages: int | None = None,
) -> RenderedPdf:
    """``createpdf.rendering.render_pdf`` in a render process, under the memory and CPU
    limits. Raises ``RenderError`` (``RenderLimitExceeded`` past a limit) as it does."""
    job = {
        "html": html_source,
        "css": css_source,
        "context": dict(context),
        "max_pages": max_pages,
        "settings": {name: getattr(conf, name) for name in RENDER_SETTINGS},
        "memory_bytes": conf.CREATEPDF_RENDER_MEMORY_MB * MEGABYTE,
        "cpu_seconds": conf.CREATEPDF_RENDER_CPU_SECONDS,
    }
    return POOL.render(job)


class RenderCrashed(RuntimeError):
    """The renderer raised something other than a ``RenderError``: a passing problem (or a
    bug), retried like any other (``render_job.render_document``)."""


class _Child:
    """One render process (a fresh interpreter: nothing of the asker's threads or main module
    comes along) and the pipes to it."""

    def __init__(self) -> None:
        from django.conf import settings

        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        command = [sys.executable, "-c", CHILD_MAIN, str(from_parent), str(to_parent)]
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
        }
        # (under override_settings, SETTINGS_MODULE is None: the environment already names it)
        module = os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE
        if module:
            environment["DJANGO_SETTINGS_MODULE"] = module
        try:
            self.process = subprocess.Popen(
                command,
                pass_fds=(from_parent, to_parent),
                env=environment,
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self.requests = Connection(to_child, readable=False)
        self.answers = Connection(from_child, writable=False)

    def run(self, job: dict[str, Any]) -> tuple[str, Any]:
        """The child's answer; ``("died", reason)`` when it ended (and is of no further use).
        What the render logged (refused fetches, say) is logged here too."""
        try:
            self.requests.send(job)
            # The CPU limit ends a busy child; the wall-clock bound ends one that waits.
            if self.answers.poll(job["cpu_seconds"] * 3 + 30):
                kind, answer, logged = self.answers.recv()
                for name, level, message in logged:
                    logging.getLogger(name).log(level, "%s", message)
                return kind, answer
            waited = True
        except (EOFError, OSError):
            waited = False
        self.stop()
        return "died", _why_it_died(None if waited else self.process.returncode, job)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        self.requests.close()
        self.answers.close()


CHILD_MAIN = "import sys; from createpdf.isolation import serve; serve(*sys.argv[1:])"


def _why_it_died(exitcode: int | None, job: dict[str, Any]) -> str:
    cpu = f"more than {job['cpu_seconds']} s of CPU time (CREATEPDF_RENDER_CPU_SECONDS)"
    memory = (
        f"more than {job['memory_bytes'] // MEGABYTE} MB of memory (CREATEPDF_RENDER_MEMORY_MB)"
    )
    if exitcode in (-signal.SIGXCPU, None):  # None: stopped here after the wall-clock bound
        return f"the render used {cpu}; render less data per document"
    return (
        f"the render process ended ({exitcode}), most likely needing {memory}; "
        "render less data per document"
    )


class RenderPool:
    """Up to ``CREATEPDF_RENDER_PROCESSES`` children, started on demand and kept warm; a
    render waits for an idle one."""

    def __init__(self) -> None:
        self.idle: list[_Child] = []
        self.started = 0
        self.available = threading.Condition()

    def render(self, job: dict[str, Any]) -> RenderedPdf:
        child = self._acquire()
        kind, answer = "died", "the render process did not answer"
        try:
            kind, answer = child.run(job)
        finally:
            self._release(child if kind != "died" and child.alive() else None)
        if kind == "done":
            return RenderedPdf(*answer)
        if kind == "died":
            raise RenderLimitExceeded(answer)
        if kind == "crashed":
            raise RenderCrashed(answer)
        error_class, message = answer
        raise {"OutputTooLarge": OutputTooLarge, "RenderError": RenderError}.get(
            error_class, RenderError
        )(message)

    def _acquire(self) -> _Child:
        with self.available:
            while not self.idle and self.started >= conf.CREATEPDF_RENDER_PROCESSES:
                self.available.wait()
            if self.idle:
                return self.idle.pop()
            self.started += 1
        try:
            return _Child()
        except BaseException:
            self._release(None)
            raise

    def _release(self, child: _Child | None) -> None:
        with self.available:
            if child is None:
                self.started -= 1
            else:
                self.idle.append(child)
            self.available.notify()


POOL = RenderPool()


# The child's side ---------------------------------------------------------------------------


def serve(requests_fd: str, answers_fd: str) -> None:
    """A render process's loop: set Django up (settings only: no database), warm the
    renderer, answer jobs until the asker closes the pipe."""
    import django

    django.setup()
    from createpdf import fonts, rendering

    requests = Connection(int(requests_fd), writable=False)
    answers = Connection(int(answers_fd), readable=False)
    # Pango, fontconfig and every font of the stack (each script's face opened and shaped
    # once), before the first job: it costs this process about half a second once, instead
    # of the first document of each script.
    rendering.render_pdf(fonts.WARM_UP_HTML, "", {})
    logged = _Collector()  # createpdf's log records go back to the asker, which logs them
    logger = logging.getLogger("createpdf")
    logger.handlers, logger.propagate = [logged], False
    while True:
        try:
            job = requests.recv()
        except (EOFError, OSError):
            return
        logged.records.clear()
        answers.send((*_run(job), logged.records))
        if _resident_bytes() > job["memory_bytes"] // 2:
            return  # grown past half its limit: the next render gets a fresh child


def _run(job: dict[str, Any]) -> tuple[str, Any]:
    from django.conf import settings

    from createpdf import rendering

    _limit(job)
    for name, value in job["settings"].items():
        setattr(settings, name, value)
    try:
        rendered = rendering.render_pdf(
            job["html"], job["css"], job["context"], max_pages=job["max_pages"]
        )
    except rendering.RenderError as error:
        name = "OutputTooLarge" if isinstance(error, rendering.OutputTooLarge) else "RenderError"
        return "error", (name, str(error))
    except MemoryError:
        memory = job["memory_bytes"] // MEGABYTE
        return "error", (
            "RenderError",
            f"the render needed more than {memory} MB of memory (CREATEPDF_RENDER_MEMORY_MB); "
            "render less data per document",
        )
    except Exception as error:  # a bug, not the template's doing: the asker retries
        return "crashed", f"{type(error).__name__}: {error}"
    return "done", (rendered.content, rendered.pages, rendered.render_ms)


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _limit(job: dict[str, Any]) -> None:
    """This job's limits: the address space, and CPU seconds from now (the count is the
    process's total, so the soft limit moves up with each job; the hard one stays)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (job["memory_bytes"], hard))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (used + job["cpu_seconds"], hard))


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
