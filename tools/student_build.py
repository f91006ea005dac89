"""Build the student edition of the book: every exercise, no solution (``make student``).

Hiding solutions in the pages is not enough: each page also offers its source for
download (the notebook, from ``_sources/``), its launch buttons open a notebook of the
repository on Binder or Colab, and the search index holds its words. So the student
edition is built from student notebooks whose solutions are cut out, with
sphinx-exercise's ``hide_solutions`` set as well:

1. write the student notebooks into ``student/book/`` (tracked: the launch buttons open
   them on the repository's branch), one per notebook of ``_toc.yml``
   (:func:`student_notebook`): every solution cut out (:func:`strip_solutions_notebook`:
   the gated ``{solution-start}`` ... ``{solution-end}`` blocks with the code cells
   between them, and plain ``{solution}`` directives), and after each exercise an
   answer cell (:func:`answer_cell_source`): ``# your answer here``, a ``None`` for each
   value to give, and the checker calls that the exercise's text names;
2. copy what the build reads (``_config.yml``, ``_toc.yml``, ``book/``, ``_static/``,
   ``tools/``) to ``_build/student/src``, with the student notebooks in place of the
   chapters and the solutions cut out of the Markdown pages as well;
3. write a configuration with ``hide_solutions: true``, ``execute_notebooks: off`` (the
   committed outputs are the executed ones: the notebook tests check them) and
   ``repository.path_to_book: student``, so that every launch button opens
   ``student/book/<chapter>.ipynb``, never the chapter with its solutions;
4. build it with ``-W -n --keep-going`` into ``_build/student/html``.

``--notebooks-only`` does step 1 alone. ``tests/test_student_notebooks.py`` checks that
the committed student notebooks are what this script writes now;
``tests/book/test_student_build.py`` that no solution text reaches the built edition
and that no launch or download link reaches a notebook with a solution.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("_config.yml", "_toc.yml", "book", "_static", "tools")
#: Where the student notebooks go, relative to the repository root (a tracked folder: the
#: student edition's launch buttons open ``STUDENT_DIR/book/<chapter>.ipynb``).
STUDENT_DIR = "student"
#: The tag of the answer cells (tools/make_assignments.py finds them by it).
ANSWER_TAG = "student-answer"
PLACEHOLDER = "# your answer here"

_FENCE = r"(?P<fence>`{3,}|:{3,})"
_GATED_START = re.compile(rf"^[ \t]*{_FENCE}\{{solution-start\}}.*$", re.M)
_GATED_END = re.compile(rf"^[ \t]*{_FENCE}\{{solution-end\}}[ \t]*$", re.M)
_PLAIN = re.compile(rf"^[ \t]*{_FENCE}\{{solution\}}.*$", re.M)


def _block_end(text: str, fence: str, start: int) -> int:
    """Index just past the line that closes a directive opened with ``fence`` before ``start``.

    A closing fence is a line of the same character, at least as long, and nothing else
    (so the ```` ``` ```` of a code block inside a ```` ```` ```` directive does not close it).
    """
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
    match = closing.search(text, start)
    if match is None:
        raise ValueError(f"unclosed directive opened with {fence!r}")
    end = match.end()
    return end + 1 if text[end:end + 1] == "\n" else end


def strip_solutions_markdown(text: str, in_solution: bool = False) -> tuple[str, bool]:
    """Cut the solutions out of one Markdown text (a page, or one notebook cell).

    ``in_solution`` says whether the text starts inside a gated solution (opened in an
    earlier cell); the second value returned says whether it ends inside one.
    """
    out = []
    pos = 0
    while True:
        if in_solution:
            end = _GATED_END.search(text, pos)
            if end is None:
                return "".join(out), True
            pos = _block_end(text, end.group("fence"), end.end())
            in_solution = False
            continue
        start = _GATED_START.search(text, pos)
        plain = _PLAIN.search(text, pos)
        first = min((m for m in (start, plain) if m is not None), key=lambda m: m.start(),
                    default=None)
        if first is None:
            out.append(text[pos:])
            return "".join(out), False
        out.append(text[pos:first.start()])
        pos = _block_end(text, first.group("fence"), first.end())
        if first is start:
            in_solution = True


def strip_solutions_notebook(notebook: dict) -> dict:
    """The notebook without its solutions: solution text and every cell inside a gated solution."""
    cells = []
    in_solution = False
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            if not in_solution:
                cells.append(cell)
            continue
        source = "".join(cell.get("source", []))
        kept, in_solution_after = strip_solutions_markdown(source, in_solution)
        in_solution = in_solution_after
        if kept.strip():
            cells.append({**cell, "source": kept.splitlines(keepends=True)})
    if in_solution:
        raise ValueError("a {solution-start} has no matching {solution-end}")
    return {**notebook, "cells": cells}


_EX_START = re.compile(rf"^[ \t]*{_FENCE}\{{exercise-start\}}.*$", re.M)
_EX_END = re.compile(rf"^[ \t]*{_FENCE}\{{exercise-end\}}[ \t]*$", re.M)
_LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.M)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
#: Names an answer cell never turns into placeholders: modules and the checker alias.
_KNOWN = {"checks", "it", "np", "torch", "math", "widgets"}


def checker_module(chapter: str):
    """The chapter's checker module (``inal_tutorial.exercises.<chapter>``), or None."""
    try:
        return importlib.import_module(f"inal_tutorial.exercises.{chapter}")
    except ModuleNotFoundError:
        return None


def checker_calls(prose: str, module) -> list[ast.Call]:
    """The checker calls that an exercise's text names, in order, as ``checks.<name>(...)``.

    A code span such as ``check_majority_w1(value, n=5)`` or
    ``checks.check_orbit_cp(value, n)`` gives its call; a bare name
    (``check_plugin_mean``) gives a call with one argument per required parameter,
    named after the checker (``plugin_mean``) when it takes one. ``...`` for a keyword
    argument (``cp=...``) becomes a value of that name. Only functions of ``module``
    count (a name the chapter's checkers lack is prose, not a call to write).
    """
    calls = []
    for span in _CODE_SPAN.findall(prose):
        try:
            node = ast.parse(span.strip(), mode="eval").body
        except SyntaxError:
            continue
        func = node.func if isinstance(node, ast.Call) else node
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and func.value.id == "checks":
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
        else:
            continue
        if module is None or not name.startswith("check_") or not callable(
                getattr(module, name, None)):
            continue
        target = ast.Attribute(ast.Name("checks", ast.Load()), name, ast.Load())
        if isinstance(node, ast.Call):
            keywords = [ast.keyword(k.arg, ast.Name(k.arg, ast.Load()))
                        if isinstance(k.value, ast.Constant) and k.value.value is Ellipsis
                        else k for k in node.keywords]
            call = ast.Call(target, node.args, keywords)
            if keywords == node.keywords:  # unchanged: keep the text as written (10_000)
                call.text = span.strip() if span.strip().startswith("checks.") \
                    else f"checks.{span.strip()}"
            calls.append(call)
            continue
        required = [p.name for p in inspect.signature(getattr(module, name)).parameters.values()
                    if p.default is inspect.Parameter.empty
                    and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(required) == 1:
            required = [name.removeprefix("check_")]
        calls.append(ast.Call(target, [ast.Name(r, ast.Load()) for r in required], []))
    return calls


def _free_names(call: ast.Call) -> list[str]:
    """The names a call's arguments read that the student has to define, in order."""
    names = []
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Name) and node.id not in _KNOWN \
                    and not hasattr(builtins, node.id) and node.id not in names:
                names.append(node.id)
    return names


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]):
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.mapping.get(node.id, node.id), node.ctx)


def answer_plan(prose: str, module) -> tuple[list[str], list[ast.Call]]:
    """The values an answer cell asks for and the checker calls it ends in.

    A name that an earlier call of the same exercise already uses gets a suffix
    (``value``, ``value_2``): two calls may ask for two different values.
    """
    placeholders, calls = [], []
    for call in checker_calls(prose, module):
        mapping = {}
        for name in _free_names(call):
            new, k = name, 1
            while new in placeholders:
                k += 1
                new = f"{name}_{k}"
            mapping[name] = new
            placeholders.append(new)
        text = getattr(call, "text", None)
        call = ast.fix_missing_locations(_Rename(mapping).visit(call))
        # The text as written only when no name changed (else ast.unparse writes it).
        call.text = text if all(k == v for k, v in mapping.items()) else None
        calls.append(call)
    return placeholders, calls


def answer_cell_source(label: str, prose: str, chapter: str, import_checks: bool) -> str:
    """The code of the answer cell after exercise ``label`` (whose text is ``prose``)."""
    module = checker_module(chapter)
    placeholders, calls = answer_plan(prose, module)
    lines = [f"{PLACEHOLDER} ({label})"]
    if calls and import_checks:
        lines.insert(0, f"from inal_tutorial.exercises import {chapter} as checks\n")
    if placeholders:
        lines[-1] += ": replace each None"
    lines += [f"{name} = None" for name in placeholders]
    if calls:
        lines.append("")
        lines += [f"print({getattr(call, 'text', None) or ast.unparse(call)})" for call in calls]
    return "\n".join(lines)


def _answer_cell(label: str, source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": f"answer-{label}"[:64],
            "metadata": {"tags": [ANSWER_TAG]}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def _imports_checks(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and re.search(
        r"^from inal_tutorial\.exercises import \w+ as checks$", "".join(cell["source"]),
        re.M) is not None


def student_notebook(notebook: dict, chapter: str) -> dict:
    """The student notebook of a chapter: no solution, an answer cell after each exercise.

    A Markdown cell is split after each ``{exercise-end}`` so that the answer cell
    follows its exercise; the parts keep the cell's id (``<id>``, ``<id>-2``, ...).
    The answer cells import the chapter's checkers as ``checks`` where no earlier cell
    does (in the book the import may sit in a solution).
    """
    stripped = strip_solutions_notebook(notebook)
    cells, label, prose, has_checks = [], None, [], False
    for cell in stripped["cells"]:
        has_checks = has_checks or _imports_checks(cell)
        if cell.get("cell_type") != "markdown":
            cells.append(cell)
            if label is not None:
                prose.append("".join(cell.get("source", [])))
            continue
        text, pos, split, part = "".join(cell["source"]), 0, 0, 1
        while True:
            start = _EX_START.search(text, pos) if label is None else None
            if start is not None:
                closed = _block_end(text, start.group("fence"), start.end())
                found = _LABEL.search(text, start.end(), closed)
                label = found.group(1) if found else f"exercise-{len(cells)}"
                pos = closed
            end = _EX_END.search(text, pos) if label is not None else None
            if end is None:
                if label is not None:
                    prose.append(text[pos:])
                rest = text[split:]
                break
            prose.append(text[pos:end.start()])
            cut = _block_end(text, end.group("fence"), end.end())
            piece = text[split:cut].lstrip("\n")
            cells.append({**cell, "id": cell.get("id", "md") + ("" if part == 1 else f"-{part}"),
                          "source": piece.rstrip("\n").splitlines(keepends=True)})
            source = answer_cell_source(label, "".join(prose), chapter, not has_checks)
            cells.append(_answer_cell(label, source))
            has_checks = has_checks or "as checks" in source
            label, prose, pos, split, part = None, [], cut, cut, part + 1
        if part == 1:
            cells.append(cell)  # no exercise ends in it: the cell as it is
        elif rest.strip():
            cells.append({**cell, "id": f"{cell.get('id', 'md')}-{part}",
                          "source": rest.lstrip("\n").splitlines(keepends=True)})
    if label is not None:
        raise ValueError(f"exercise {label} has no {{exercise-end}}")
    return {**stripped, "cells": cells}


def toc_notebooks(root: Path) -> list[str]:
    """The docnames (``book/fourier``) of the notebooks that ``_toc.yml`` lists, in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names, stack = [], [toc]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            if "file" in node:
                names.append(str(node["file"]).removesuffix(".ipynb"))
            for key in ("root", "chapters", "sections", "parts"):
                value = node.get(key)
                if isinstance(value, str):
                    names.insert(0, value)
                elif isinstance(value, list):
                    stack.extend(value)
    return [n for n in names if (root / f"{n}.ipynb").is_file()]


def _dump(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def student_notebooks(root: Path) -> dict[str, str]:
    """Path (relative to the repository root) -> text of every student notebook."""
    out = {}
    for docname in toc_notebooks(root):
        notebook = json.loads((root / f"{docname}.ipynb").read_text(encoding="utf-8"))
        chapter = Path(docname).name
        out[f"{STUDENT_DIR}/{docname}.ipynb"] = _dump(student_notebook(notebook, chapter))
    return out


def write_student_notebooks(root: Path) -> list[Path]:
    """Write the student notebooks under ``root/student``; remove stale ones; return them."""
    wanted = student_notebooks(root)
    folder = root / STUDENT_DIR
    for old in sorted(folder.rglob("*.ipynb")) if folder.is_dir() else []:
        if old.relative_to(root).as_posix() not in wanted:
            old.unlink()
    written = []
    for relative, text in wanted.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def student_config(config: dict) -> dict:
    """The book's configuration for the student edition."""
    config = json.loads(json.dumps(config))  # a deep copy
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    # The launch buttons open student/book/<chapter>.ipynb on the repository's branch.
    config.setdefault("repository", {})["path_to_book"] = STUDENT_DIR
    config["title"] = f"{config.get('title', 'Book')} (student edition)"
    return config


def prepare_sources(root: Path, dest: Path) -> list[Path]:
    """Copy the book to ``dest`` with the solutions cut out; return the pages changed.

    The chapters are the student notebooks of ``root/student`` (written first).
    """
    write_student_notebooks(root)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, dest / name,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        elif source.is_file():
            shutil.copy2(source, dest / name)
    changed = []
    for path in sorted((dest / "book").rglob("*")):
        relative = path.relative_to(dest).as_posix()
        student = root / STUDENT_DIR / relative
        if path.suffix == ".ipynb":
            if student.is_file():
                shutil.copy2(student, path)
                changed.append(path)
            else:  # a notebook that _toc.yml does not list: not built, but not shipped either
                path.unlink()
        elif path.suffix == ".md":
            original = path.read_text(encoding="utf-8")
            stripped, open_at_end = strip_solutions_markdown(original)
            if open_at_end:
                raise ValueError(f"{path.name}: a {{solution-start}} has no {{solution-end}}")
            if stripped != original:
                path.write_text(stripped, encoding="utf-8")
                changed.append(path)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    (dest / "_config.yml").write_text(yaml.safe_dump(student_config(config), sort_keys=False),
                                      encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student",
                        help="the student edition goes to OUT/html (its sources to OUT/src)")
    parser.add_argument("--jupyter-book", default=str(Path(sys.executable).parent / "jupyter-book"))
    parser.add_argument("--notebooks-only", action="store_true",
                        help=f"only write the student notebooks into {STUDENT_DIR}/")
    args = parser.parse_args(argv)
    if args.notebooks_only:
        written = write_student_notebooks(ROOT)
        print(f"{len(written)} student notebook(s) in {ROOT / STUDENT_DIR}")
        return 0
    src = args.out / "src"
    changed = prepare_sources(ROOT, src)
    print(f"student pages: {len(changed)} (" + ", ".join(p.name for p in changed) + ")")
    build = subprocess.run([args.jupyter_book, "build", str(src), "-W", "-n", "--keep-going"])
    if build.returncode != 0:
        return build.returncode
    html = args.out / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(src / "_build" / "html"), str(html))
    print(f"Student edition: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
