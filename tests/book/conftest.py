"""Tests of the *built* book: they need `make book` (or `make student`) to have run.

`make browser-check` and `make student-check` run them with INAL_REQUIRE_BOOK=1, which
turns a missing build into a failure; a plain `pytest tests` skips them instead, saying
why, so the unit tests never need a built book. INAL_BOOK_HTML and INAL_STUDENT_HTML
point them at builds elsewhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

BOOK_HTML = Path(os.environ.get("INAL_BOOK_HTML", ROOT / "_build" / "html"))
STUDENT_HTML = Path(os.environ.get("INAL_STUDENT_HTML", ROOT / "_build" / "student" / "html"))


def require_build(path: Path, how: str) -> Path:
    """``path`` if it holds a build; else fail (under make) or skip, naming the command."""
    if (path / "index.html").is_file():
        return path
    message = f"no built book in {path}: run `{how}` first"
    if os.environ.get("INAL_REQUIRE_BOOK"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def book_html() -> Path:
    return require_build(BOOK_HTML, "make book")


@pytest.fixture(scope="session")
def student_html() -> Path:
    return require_build(STUDENT_HTML, "make student")
