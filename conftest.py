"""Fixtures shared by every test directory (the apps' and the site's)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql`` (PostgreSQL's own indexes, planner, statistics) are
    deselected, not skipped, when the suite runs on another database: the SQLite command does
    not pretend to cover them, and ``tests_postgres`` (CI) runs them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    chosen = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = chosen


@pytest.fixture(autouse=True, scope="session")
def _media_per_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test process stores files in its own media folder: parallel processes number
    their documents alike (``documents/<id>/<title>-<id>.pdf``), and in one shared folder one
    process's PDF replaced another's, failing checks on its sha256."""
    from django.conf import settings

    previous = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    yield
    settings.MEDIA_ROOT = previous


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Throttle counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a site process of its own: test settings, a fresh SQLite file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(
        DJANGO_ENV="test",
        DJANGO_SETTINGS_MODULE="betterform_site.settings",
        BETTERFORM_DATA_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def manage(site_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m betterform_site ARGS`` in a separate process; returns the result."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
        return subprocess.run(
            [sys.executable, "-m", "betterform_site", *args],
            env={**site_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def run_worker() -> Callable[..., int]:
    """``run_worker(limit=100)``: run due background tasks in this process, as
    ``process_tasks`` would, until none is due (at most ``limit``); returns how many ran.
    Needs ``transaction=True`` tests (tasks are queued on commit)."""
    from background_task.tasks import tasks

    def run(limit: int = 100) -> int:
        ran = 0
        while ran < limit and tasks.run_next_task():
            ran += 1
        return ran

    return run


# --- reading a PDF's glyphs (tests of scripts, fonts and long words) ------------------------


@dataclass(frozen=True)
class Glyph:
    """One drawn glyph: the text it maps back to, its font's PostScript name without the subset
    prefix ("ABCDEF+Noto-Sans-CJK-JP" -> "Noto-Sans-CJK-JP") and its box in points."""

    text: str
    font: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class PdfPage:
    width: float
    height: float
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        """Every glyph's text in reading order (pdfminer's lines, top to bottom, each left to
        right), without whitespace, so a word wrapped over lines is one word again."""
        return "".join("".join(glyph.text.split()) for glyph in self.glyphs)

    def contains(self, written: str) -> bool:
        """``written`` (whitespace ignored) is on the page. A right-to-left run is read left to
        right, its glyphs in reverse, so it is also looked for in the glyphs taken backwards
        (glyph by glyph, not character by character: a ligature such as Arabic lam-alef is one
        glyph that maps back to its two letters in typed order)."""
        wanted = "".join(written.split())
        backwards = "".join("".join(glyph.text.split()) for glyph in reversed(self.glyphs))
        return wanted in self.text or wanted in backwards

    def fonts_of(self, character: str) -> set[str]:
        return {glyph.font for glyph in self.glyphs if character in glyph.text}


def read_pdf(content: bytes) -> list[PdfPage]:
    """The glyphs of each page, read with pdfminer.six (pypdf gives text without boxes)."""
    import io

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar

    def chars(item: Any) -> Iterator[Any]:
        if isinstance(item, LTChar):
            yield item
        elif hasattr(item, "__iter__"):
            for child in item:
                yield from chars(child)

    pages = []
    for layout in extract_pages(io.BytesIO(content), laparams=LAParams()):
        glyphs = tuple(
            Glyph(c.get_text(), c.fontname.split("+")[-1], c.x0, c.y0, c.x1, c.y1)
            for c in chars(layout)
        )
        pages.append(PdfPage(layout.width, layout.height, glyphs))
    return pages


@pytest.fixture
def pdf_pages() -> Callable[[bytes], list[PdfPage]]:
    """``pdf_pages(content)``: each page's glyphs, their fonts and boxes."""
    return read_pdf
