"""Build the student edition of the book: every exercise, no solution (``make student``).

Hiding solutions in the pages is not enough: each page also offers its source for
download (the notebook, from ``_sources/``) and the search index holds its words. So the
student edition is built from a copy of the book whose sources have the solutions cut
out, with sphinx-exercise's ``hide_solutions`` set as well:

1. copy what the build reads (``_config.yml``, ``_toc.yml``, ``book/``, ``_static/``,
   ``tools/``) to ``_build/student/src``;
2. cut every solution out of the chapters (:func:`strip_solutions_markdown`,
   :func:`strip_solutions_notebook`): the gated ``{solution-start}`` ... ``{solution-end}``
   blocks with the code cells between them, and plain ``{solution}`` directives;
3. write a configuration with ``hide_solutions: true`` and ``execute_notebooks: off``
   (the committed outputs are the executed ones: the notebook tests check them);
4. build it with ``-W -n --keep-going`` into ``_build/student/html``.

``tests/book/test_student_build.py`` checks that no solution text reaches that folder.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("_config.yml", "_toc.yml", "book", "_static", "tools")

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


def student_config(config: dict) -> dict:
    """The book's configuration for the student edition."""
    config = json.loads(json.dumps(config))  # a deep copy
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config.setdefault("sphinx", {}).setdefault("config", {})["hide_solutions"] = True
    config["title"] = f"{config.get('title', 'Book')} (student edition)"
    return config


def prepare_sources(root: Path, dest: Path) -> list[Path]:
    """Copy the book to ``dest`` with the solutions cut out; return the chapters changed."""
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
        if path.suffix == ".ipynb":
            original = json.loads(path.read_text(encoding="utf-8"))
            stripped = strip_solutions_notebook(original)
            if stripped != original:
                path.write_text(json.dumps(stripped, indent=1, ensure_ascii=False) + "\n",
                                encoding="utf-8")
                changed.append(path)
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
    args = parser.parse_args(argv)
    src = args.out / "src"
    changed = prepare_sources(ROOT, src)
    print(f"solutions cut from {len(changed)} page(s): "
          + ", ".join(p.name for p in changed))
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
