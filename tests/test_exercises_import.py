"""Exercise checkers import the same way in every chapter, and the prose names real ones."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import inal_tutorial as it
from inal_tutorial import exercises

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
IMPORT = re.compile(r"from inal_tutorial\.exercises import (\w+) as (\w+)")
CALL = re.compile(r"(?<![\w.])checks\.(\w+)")


def test_chapters_list_every_checker_module():
    modules = {p.stem for p in (ROOT / "inal_tutorial" / "exercises").glob("*.py")
               if not p.stem.startswith("_")}
    assert set(exercises.CHAPTERS) == modules


def test_exercises_resolve_after_a_plain_import():
    """`import inal_tutorial as it; it.exercises.fourier` works in a fresh interpreter."""
    code = ("import inal_tutorial as it; "
            "print(it.exercises.fourier.check_selection_coefficients.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "check_selection_coefficients"


@pytest.mark.parametrize("chapter", exercises.CHAPTERS)
def test_every_chapter_module_resolves(chapter):
    assert getattr(it.exercises, chapter).__name__ == f"inal_tutorial.exercises.{chapter}"


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        it.exercises.nonexistent  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nonexistent'"):
        it.nonexistent  # noqa: B018


def _cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_checkers_are_imported_as_checks_and_every_named_checker_exists(path):
    sources = _cells(path)
    imports = [m for s in sources for m in IMPORT.findall(s)]
    named = sorted({name for s in sources for name in CALL.findall(s)})
    if not imports:
        assert not named, f"{path.name} names checks.{named} but imports no checker module"
        return
    assert [alias for _, alias in imports] == ["checks"], imports
    module = getattr(it.exercises, imports[0][0])
    # Checkers must be callable; other names (a problem's data, e.g. its supports) exist.
    missing = [name for name in named if not hasattr(module, name)
               or (name.startswith("check_") and not callable(getattr(module, name)))]
    assert not missing, f"{path.name}: checks.{missing} do not exist in {module.__name__}"
    assert named, f"{path.name} imports checkers but the chapter never calls one"
