"""Graded assignments from the chapters' exercises, with otter-grader (``make assignments``).

For each chapter whose exercises call checkers, this writes an `Otter Assign`_ master
notebook ``_build/assignments/<chapter>/<chapter>.ipynb`` and runs ``otter assign`` on
it, which gives

* ``dist/student/<chapter>.ipynb``: the assignment for students (the exercises, an
  answer cell each, ``grader.check(...)`` cells) and its public tests;
* ``dist/autograder/``: the notebook with solutions and the autograder zip, which
  ``otter run -a <zip> submission.ipynb`` uses to grade a filled-in notebook
  (locally, no Docker; ``otter grade`` runs the same in containers).

Nothing is written by hand twice: the prompt is the exercise's text from the chapter,
the answer cell is the student notebook's (tools/student_build.py), and the solution
binds each of its values to the expression that the chapter's solution passes to the
same checker. Each question has

* public tests: the checker calls of the exercise (``assert`` of their
  :class:`~inal_tutorial.exercises.Feedback`, whose message says what is wrong);
* hidden tests (:data:`HIDDEN`): stricter checks that students do not see in their
  notebook (exact values where the checker accepts a tolerance, other properties of an
  answer that is a function or a truth table).

An exercise without a checker call (a proof, an open question) is graded by hand and is
not in the assignment, nor is one whose solution needs the chapter's own variables (the
assignment runs the chapter's setup cell, not the chapter): ``make assignments`` names
those. ``otter assign`` runs every test against the solutions, so a
question whose solution fails its own tests stops the build.

.. _Otter Assign: https://otter-grader.readthedocs.io/
"""

from __future__ import annotations

import argparse
import ast
import builtins
import inspect
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import student_build as sb  # noqa: E402

ROOT = sb.ROOT
OUT = ROOT / "_build" / "assignments"

#: Hidden tests, by exercise label: code that reads the answer cell's names.
HIDDEN: dict[str, list[str]] = {
    "ex-fourier-selection": [
        "X3 = it.all_inputs(3, dtype=torch.float64)\n"
        "sel = torch.where(X3[:, 2] == 1, X3[:, 0], X3[:, 1])\n"
        "assert np.allclose(np.asarray(your_vector, dtype=float),\n"
        "                   it.walsh_coefficients(sel).numpy(), rtol=0, atol=1e-12)",
    ],
    "ex-fourier-parseval": [
        "assert np.allclose(np.asarray(square_sum_profile, dtype=float), [9, 0, 12, 0],\n"
        "                   rtol=0, atol=1e-12)",
        "assert abs(float(square_sum_norm) - 21) < 1e-12",
    ],
    "ex-fourier-majority-limit": [
        "assert abs(float(value) - 45 / 64) < 1e-12",
        "assert abs(float(value_2) - 2 / math.pi) < 1e-12",
    ],
    "ex-fourier-high-degree": [
        # Another property than the checker's: +-1 values and more than one coefficient.
        "t = torch.as_tensor(np.asarray(truth_table, dtype=float))\n"
        "assert t.shape == (64,) and bool(((t == 1) | (t == -1)).all())\n"
        "assert int((it.walsh_coefficients(t).abs() > 1e-9).sum()) > 1",
    ],
}


@dataclass
class Question:
    """One exercise as an otter question."""

    label: str
    prompt: str
    answer: str
    solution: list[str]
    bindings: dict[str, str]
    calls: list[str]
    hidden: list[str] = field(default_factory=list)


def _source(cell: dict) -> str:
    return "".join(cell.get("source", []))


def solution_code(notebook: dict, label: str) -> list[str]:
    """The code cells of the gated solution of exercise ``label`` in a chapter."""
    start = re.compile(rf"\{{solution-start\}}[ \t]+{re.escape(label)}[ \t]*$", re.M)
    inside, code = False, []
    for cell in notebook["cells"]:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            if inside and "{solution-end}" in text:
                return code
            if start.search(text):
                inside = True
                after = text[start.search(text).end():]
                if "{solution-end}" in after:
                    return code
        elif inside:
            code.append(text)
    return code


def _checker_calls(code: str) -> list[ast.Call]:
    """The ``checks.<name>(...)`` calls of a cell, in order; ``in_loop`` marks those in a loop."""
    calls = []
    tree = ast.parse(code)
    loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While))]
    in_loops = {id(sub) for loop in loops for sub in ast.walk(loop)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "checks":
            node.in_loop = id(node) in in_loops
            calls.append(node)
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def bind_solution(calls: list[ast.Call], solution: list[str], module) -> dict[str, str]:
    """Placeholder name -> the expression the chapter's solution passes in its place.

    The i-th call of a checker in the answer cell is matched with the i-th call of the
    same checker in the solution, argument by argument (by the checker's signature).
    """
    seen: dict[str, list[ast.Call]] = {}
    for code in solution:
        for call in _checker_calls(code):
            seen.setdefault(call.func.attr, []).append(call)
    bindings, used = {}, {}
    for call in calls:
        name = call.func.attr
        index = used.get(name, 0)
        used[name] = index + 1
        if index >= len(seen.get(name, [])):
            continue
        other = seen[name][index]
        if other.in_loop:  # its arguments change from one pass to the next: no binding
            continue
        signature = inspect.signature(getattr(module, name))
        mine = signature.bind_partial(*call.args, **{k.arg: k.value for k in call.keywords})
        theirs = signature.bind_partial(*other.args, **{k.arg: k.value for k in other.keywords})
        for parameter, node in mine.arguments.items():
            if isinstance(node, ast.Name) and parameter in theirs.arguments:
                bindings[node.id] = ast.unparse(theirs.arguments[parameter])
    return bindings


def _assigned(node: ast.stmt) -> set[str]:
    """Names a top-level statement binds (assignments, imports, defs, loop targets)."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, (ast.Subscript, ast.Attribute)) and isinstance(
                sub.ctx, ast.Store):  # x[i] = ... or x.a = ... changes x
            base = sub.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
        elif isinstance(sub, (ast.FunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, ast.arg):  # a lambda's or function's own argument
            names.add(sub.arg)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names)
    return names


def _mutated(node: ast.stmt) -> set[str]:
    """Names a statement changes in place (``x[i] = ...``): it still needs their old value."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Subscript, ast.Attribute)) and isinstance(sub.ctx, ast.Store):
            base = sub.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                names.add(base.id)
    return names


def _read(node) -> set[str]:
    return {sub.id for sub in ast.walk(node)
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load)}


def solution_slice(solution: list[str], bindings: dict[str, str],
                   known: set[str]) -> list[str] | None:
    """The solution's statements that the bound expressions need, in order.

    None when they need a name that neither the solution nor ``known`` (the setup's
    names, builtins) defines: the exercise uses the chapter's own state, and its
    question would not run on its own.
    """
    statements = [(code, node) for code in solution for node in ast.parse(code).body]
    needed = set().union(*(_read(ast.parse(e, mode="eval")) for e in bindings.values()))
    kept = []
    for code, node in reversed(statements):
        if _assigned(node) & needed:
            kept.append(ast.get_source_segment(code, node) or ast.unparse(node))
            needed = ((needed - _assigned(node)) | (_read(node) - _assigned(node))
                      | _mutated(node))
    if needed - known - set(dir(builtins)):
        return None
    return kept[::-1]


def _prompt(text: str, label: str) -> str:
    """The exercise's text as plain Markdown (the MyST directive lines dropped)."""
    start = re.search(rf"^[`:]{{3,}}\{{exercise-start\}}.*\n:label:[ \t]*{re.escape(label)}"
                      r"[ \t]*\n[`:]{3,}[ \t]*\n", text, re.M)
    body = text[start.end():] if start else text
    body = re.split(r"^[`:]{3,}\{exercise-end\}", body, flags=re.M)[0]
    return f"**Exercise `{label}`.** " + body.strip()


def questions(chapter: str, root: Path = ROOT, skipped: list[str] | None = None
              ) -> list[Question]:
    """The chapter's exercises that call checkers, as questions with their solutions.

    A question's solution is the part of the chapter's solution that its values need
    (:func:`solution_slice`); an exercise whose values need the chapter's own variables
    is left out, and its label appended to ``skipped``.
    """
    skipped = [] if skipped is None else skipped
    book = json.loads((root / "book" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    student = sb.student_notebook(book, chapter)
    module = sb.checker_module(chapter)
    known = set().union(*(_assigned(node) for node in
                          ast.parse(_setup_code(book, chapter)).body))
    found, previous, pool = [], None, []
    for cell in student["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if sb.ANSWER_TAG not in tags:
            previous = cell
            continue
        label = cell["id"].removeprefix("answer-")
        prose = _source(previous)
        placeholders, calls = sb.answer_plan(prose, module)
        if not calls:
            continue
        solution = solution_code(book, label)
        bindings = bind_solution(calls, solution, module)
        pool.extend(solution)  # a solution may use what an earlier one computed
        if any(p not in bindings for p in placeholders):  # e.g. its checker runs in a loop
            skipped.append(label)
            continue
        needed = solution_slice(pool, bindings, known)
        if needed is None:  # it needs the chapter's own variables: graded by hand
            skipped.append(label)
            continue
        found.append(Question(label, _prompt(prose, label), _source(cell), needed,
                              bindings, [getattr(c, "text", None) or ast.unparse(c)
                                         for c in calls], HIDDEN.get(label, [])))
    return found


def _cell(kind: str, source: str, **extra) -> dict:
    cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    cell.update(extra)
    return cell


def _setup_code(book: dict, chapter: str) -> str:
    setup = next((_source(c) for c in book["cells"] if c["cell_type"] == "code"
                  and "import inal_tutorial as it" in _source(c)), "import inal_tutorial as it")
    lines = [line for line in ("import math", "import numpy as np", "import torch")
             if not re.search(rf"^{line}$", setup, re.M)]
    lines += [setup.strip(), f"from inal_tutorial.exercises import {chapter} as checks"]
    return "\n".join(lines)


def master_notebook(chapter: str, root: Path = ROOT) -> dict:
    """The Otter Assign master notebook of a chapter (with solutions and hidden tests)."""
    book = json.loads((root / "book" / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    title = next((line[2:].strip() for c in book["cells"] if c["cell_type"] == "markdown"
                  for line in _source(c).splitlines() if line.startswith("# ")), chapter)
    config = "\n".join(["# ASSIGNMENT CONFIG", f"name: {chapter}", "init_cell: true",
                        "check_all_cell: true", "export_cell: false", "run_tests: true",
                        "generate: true", "tests:", "  files: true", "  ok_format: true"])
    cells = [_cell("raw", config),
             _cell("markdown", f"# Assignment: {title}\n\nThe exercises of the chapter "
                               f"`book/{chapter}.ipynb` with checkers. Fill in each answer "
                               "cell, run the notebook top to bottom, and submit it."),
             _cell("code", _setup_code(book, chapter))]
    for q in questions(chapter, root):
        cells.append(_cell("raw", f"# BEGIN QUESTION\nname: {q.label}\n"
                                  f"points: {len(q.calls) + len(q.hidden)}"))
        cells.append(_cell("markdown", q.prompt))
        body = ["# BEGIN SOLUTION NO PROMPT", *(s.rstrip() for s in q.solution),
                "# END SOLUTION"]
        for line in q.answer.splitlines():
            name = line.split(" = ", 1)[0]
            if line.endswith(" = None") and name in q.bindings:
                line = f"{name} = {q.bindings[name]}  # SOLUTION"
            if not line.endswith(" as checks"):  # the setup cell imports them
                body.append(line.replace("replace each None", "replace each ..."))
        cells.append(_cell("raw", "# BEGIN SOLUTION"))
        cells.append(_cell("code", "\n".join(body).strip("\n")))
        cells.append(_cell("raw", "# END SOLUTION"))
        cells.append(_cell("raw", "# BEGIN TESTS"))
        for call in q.calls:
            cells.append(_cell("code", f"assert (feedback := {call}), str(feedback)"))
        for test in q.hidden:
            cells.append(_cell("code", "# HIDDEN\n" + test))
        cells.append(_cell("raw", "# END TESTS"))
        cells.append(_cell("raw", "# END QUESTION"))
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                                                         "display_name": "Python 3",
                                                         "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def chapters_with_checkers(root: Path = ROOT) -> list[str]:
    """The chapters of ``_toc.yml`` that have a checker module and checked exercises."""
    names = []
    for docname in sb.toc_notebooks(root):
        chapter = Path(docname).name
        if sb.checker_module(chapter) is not None and questions(chapter, root):
            names.append(chapter)
    return names


def build(chapter: str, out: Path = OUT, otter: str | None = None) -> Path:
    """Write the master notebook of ``chapter`` and run ``otter assign``; the dist folder."""
    folder = out / chapter
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    master = folder / f"{chapter}.ipynb"
    master.write_text(json.dumps(master_notebook(chapter), indent=1, ensure_ascii=False)
                      + "\n", encoding="utf-8")
    otter = otter or str(Path(sys.executable).parent / "otter")
    dist = folder / "dist"
    subprocess.run([otter, "assign", "--no-pdfs", str(master), str(dist)], check=True,
                   cwd=folder)
    return dist


def autograder_zip(dist: Path) -> Path:
    """The autograder zip that ``otter assign`` wrote into ``dist/autograder``."""
    zips = sorted((dist / "autograder").glob("*.zip"))
    if len(zips) != 1:
        raise FileNotFoundError(f"expected one autograder zip in {dist / 'autograder'}")
    return zips[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*",
                        help="chapters to build (default: every chapter with checkers)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    args = parser.parse_args(argv)
    for chapter in args.chapters or chapters_with_checkers():
        dist = build(chapter, args.out)
        skipped: list[str] = []
        count = len(questions(chapter, skipped=skipped))
        print(f"{chapter}: {count} question(s); students get {dist / 'student'}, "
              f"graders {autograder_zip(dist).relative_to(args.out)}"
              + (f"; by hand (they need the chapter's variables): {', '.join(skipped)}"
                 if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
