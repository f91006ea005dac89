"""The pinned environment (constraints.txt, binder/) and outputs that reproduce on any CPU."""

from __future__ import annotations

import json
import os
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import lock  # noqa: E402

NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
BINDER = ROOT / "binder"
# A float printed with 9 or more decimals: digits that a seed does not fix on every CPU.
LONG_DECIMALS = re.compile(r"\d\.\d{9,}")
MAX_IGNORED_OUTPUTS = 5


def _pins() -> dict[str, str]:
    return lock.read_pins(lock.CONSTRAINTS)


def test_constraints_pin_every_requirement_of_the_project():
    pins = _pins()
    requirements = [Requirement(r) for r in metadata.requires(lock.PROJECT) or []]
    book_lines = (ROOT / "requirements-book.txt").read_text().splitlines()
    requirements += [Requirement(line) for line in book_lines
                     if line.strip() and not line.startswith("#")]
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = lock.normalize(requirement.name)
        assert name in pins, f"{name} is required but not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"the pin {name}=={pins[name]} violates the requirement {requirement}")


def test_constraints_pin_the_cpu_build_of_torch():
    assert _pins()["torch"].endswith("+cpu")


def test_the_environment_is_the_pinned_one():
    """What `make venv` installed is what constraints.txt pins (it installs with -c)."""
    pins, installed = _pins(), lock.installed_versions()
    needed = lock.runtime_closure() | {lock.normalize(n) for n in ("jupyter-book", "nbval")}
    for name in sorted(needed):
        assert installed.get(name) == pins.get(name), (
            f"{name}: installed {installed.get(name)}, pinned {pins.get(name)}")


def test_binder_requirements_are_the_pins_of_the_runtime_closure():
    text = (BINDER / "requirements.txt").read_text()
    assert text == lock.render_binder(_pins(), lock.runtime_closure(), lock.python_version()), (
        "binder/requirements.txt is stale: run `make lock` (or .venv/bin/python tools/lock.py)")


@pytest.mark.parametrize("line", (BINDER / "requirements.txt").read_text().splitlines())
def test_binder_requirements_reference_no_local_file(line):
    """repo2docker caches the install step only if no line points into the repository."""
    line = line.split("#", 1)[0].strip()
    assert not line.startswith(("-r", "-c", "-e", "--requirement", "--constraint", "."))
    assert "file://" not in line


def test_binder_installs_the_package_without_dependencies():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    assert "pip install --no-cache-dir --no-deps ." in post_build.read_text()


def test_binder_python_is_the_python_of_the_pins():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    header = lock.CONSTRAINTS.read_text().splitlines()[1]
    assert f"on Python {runtime.removeprefix('python-')} " in header, (runtime, header)


def test_makefile_installs_torch_from_the_cpu_index_under_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert f"TORCH_INDEX := {lock.TORCH_CPU_INDEX}" in makefile
    assert "PIP_INSTALL := $(BIN)/python -m pip install -q -c $(CONSTRAINTS)" in makefile
    assert "$(PIP_INSTALL) --no-deps --extra-index-url $(TORCH_INDEX) torch" in makefile


def test_read_pins_refuses_a_range(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("numpy==2.0\ntorch>=2.2\n")
    with pytest.raises(ValueError, match="c.txt:2: not an exact pin"):
        lock.read_pins(path)


def test_render_binder_refuses_an_unpinned_dependency():
    with pytest.raises(ValueError, match="not pinned: scipy"):
        lock.render_binder({"numpy": "2.0"}, {"numpy", "scipy"}, "3.11")


def _printed_text(cell: dict) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append("".join(output.get("text", "")))
        elif "text/plain" in output.get("data", {}):
            parts.append("".join(output["data"]["text/plain"]))
    return "".join(parts)


def long_decimal_cells(notebook: dict) -> list[int]:
    """Indices of the code cells whose printed output holds a float with 9+ decimals."""
    return [index for index, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code" and LONG_DECIMALS.search(_printed_text(cell))]


def test_long_decimal_cells_finds_a_twelve_digit_sum():
    cell = {"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["n=15  1.000000000000\n"]}]}
    short = {"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["0.12345678 3.05e-05\n"]}]}
    assert long_decimal_cells({"cells": [short, cell]}) == [1]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_prints_nine_or_more_decimals(path):
    cells = long_decimal_cells(json.loads(path.read_text()))
    assert not cells, f"{path.name}: cells {cells} print 9+ decimals (DESIGN.md section 6)"


def test_at_most_five_cells_ignore_their_output_and_each_says_why():
    ignored = []
    for path in NOTEBOOKS:
        for index, cell in enumerate(json.loads(path.read_text())["cells"]):
            if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []):
                ignored.append((path.name, index))
                first = "".join(cell["source"]).lstrip().splitlines()[0]
                assert first.startswith("#"), f"{path.name} cell {index}: no reason given"
                assert "assert" in "".join(cell["source"]), (
                    f"{path.name} cell {index}: an ignored output needs asserts")
    assert len(ignored) <= MAX_IGNORED_OUTPUTS, ignored
