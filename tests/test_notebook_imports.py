"""Every chapter runs where readers run it: on Binder or Colab, and as the student edition.

* A chapter imports only the standard library, the package and what Binder installs
  (``binder/requirements.txt``, the package's run-time dependencies): not the book's
  toolchain (myst-nb, sphinx), which Binder and Colab do not have.
* The student edition (``tools/student_build.py``) cuts the solution cells out of the
  downloadable notebooks; no cell left may use a name that only a solution defined.
"""

from __future__ import annotations

import ast
import builtins
import importlib.metadata
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
from student_build import strip_solutions_notebook  # noqa: E402

#: Names a notebook kernel defines without an import.
KERNEL_NAMES = {"display", "get_ipython", "In", "Out", "exit", "quit"}


def _code(cell) -> str:
    source = "".join(cell.get("source", []))
    # IPython magics and shell escapes are not Python.
    return "\n".join("" if re.match(r"\s*(%|!(?!=))", line) else line
                     for line in source.splitlines())


def _binder_modules() -> set[str]:
    pinned = set()
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==", line.strip())
        if match:
            pinned.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    modules = set()
    for module, dists in importlib.metadata.packages_distributions().items():
        if any(re.sub(r"[-_.]+", "-", d).lower() in pinned for d in dists):
            modules.add(module)
    return modules


def _imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chapter_imports_only_what_binder_installs(path):
    allowed = set(sys.stdlib_module_names) | {"inal_tutorial"} | _binder_modules()
    notebook = json.loads(path.read_text())
    missing = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            missing |= _imported_modules(ast.parse(_code(cell))) - allowed
    assert not missing, (f"{path.name} imports {sorted(missing)}, which Binder and Colab do "
                         "not install (use inal_tutorial.glue instead of myst_nb.glue)")


def _stored_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_uses_no_name_defined_only_in_a_solution(path):
    student = strip_solutions_notebook(json.loads(path.read_text()))
    defined = set(dir(builtins)) | KERNEL_NAMES
    undefined = []
    for index, cell in enumerate(student["cells"]):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse(_code(cell))
        local = _stored_names(tree)
        used = {node.id for node in ast.walk(tree)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
        undefined += [(index, name) for name in sorted(used - defined - local)]
        defined |= local
    assert not undefined, (f"the student edition of {path.name} uses names that only a "
                           f"cut solution defines: {undefined}")


def test_the_checks_can_fail():
    tree = ast.parse("from myst_nb import glue\nimport torch")
    assert _imported_modules(tree) == {"myst_nb", "torch"}
    assert "myst_nb" not in _binder_modules()
    notebook = {"cells": [
        {"cell_type": "markdown", "source": ["```{solution-start} ex-a\n```\n"]},
        {"cell_type": "code", "source": ["from inal_tutorial import glue\n"]},
        {"cell_type": "markdown", "source": ["```{solution-end}\n```\n"]},
        {"cell_type": "code", "source": ["glue('x', 1)\n"]},
    ]}
    student = strip_solutions_notebook(notebook)
    assert [c["cell_type"] for c in student["cells"]] == ["code"]
