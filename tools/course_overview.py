"""The book's chapters at a glance, for instructors: exercises, figures, reading time.

Reads ``_toc.yml`` and each chapter's source, so the table on the instructors page
(``book/instructors.md`` runs :func:`overview_markdown` when the book is built) always
matches the chapters as they are. ``python tools/course_overview.py`` prints the table.

Counted per chapter:

* **exercises**: ``{exercise}`` and ``{exercise-start}`` directives (their labels too);
* **solutions** and how many are **hidden** (``:class: dropdown``), for the tests;
* **figures**: image outputs of the notebook;
* **reading time**: words of prose at 100 words a minute (mathematical prose reads
  slower than the 200 of ordinary text) plus half a minute per code cell, rounded up to
  5 minutes. Exercises are not included: the instructors page says how to budget them.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 0.5
_FENCE = r"^[ \t]*(?:`{3,}|:{3,})"
_EXERCISE = re.compile(_FENCE + r"\{exercise(?:-start)?\}[^\n]*\n(?P<options>(?:[ \t]*:[^\n]*\n)*)",
                       re.M)
_SOLUTION = re.compile(_FENCE + r"\{solution(?:-start)?\}[^\n]*\n(?P<options>(?:[ \t]*:[^\n]*\n)*)",
                       re.M)
_LABEL = re.compile(r"^[ \t]*:label:[ \t]*(\S+)", re.M)
_DIRECTIVE_LINE = re.compile(r"^[ \t]*(?:`{3,}|:{3,}).*$|^[ \t]*:[\w-]+:.*$", re.M)
_IMAGE_MIMES = ("image/png", "image/svg+xml", "image/jpeg")


@dataclass
class Chapter:
    """What one page of the book holds."""

    docname: str
    title: str
    exercises: list[str] = field(default_factory=list)
    solutions: int = 0
    hidden_solutions: int = 0
    figures: int = 0
    words: int = 0
    code_cells: int = 0
    notebook: bool = False

    @property
    def reading_minutes(self) -> int:
        """Reading time rounded up to 5 minutes (see the module docstring)."""
        minutes = self.words / WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * self.code_cells
        return max(5, 5 * math.ceil(minutes / 5))


def toc_docnames(root: Path = ROOT) -> list[str]:
    """The pages of ``_toc.yml`` in reading order (root first), without suffixes."""
    toc = yaml.safe_load((Path(root) / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []) or []:
        walk(part.get("chapters"))
    return [str(Path(name).with_suffix("")) for name in names]


def _prose_words(markdown: str) -> int:
    text = _DIRECTIVE_LINE.sub(" ", markdown)
    text = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " formula ", text, flags=re.S)
    return len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))


def describe(source: Path, docname: str) -> Chapter:
    """Count the exercises, solutions, figures and words of one page's source."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".ipynb":
        notebook = json.loads(text)
        cells = notebook.get("cells", [])
        markdown = "\n".join("".join(c.get("source", [])) for c in cells
                             if c.get("cell_type") == "markdown")
        code = [c for c in cells if c.get("cell_type") == "code"
                and "remove-cell" not in c.get("metadata", {}).get("tags", [])]
        figures = sum(1 for c in code for o in c.get("outputs", [])
                      if any(m in o.get("data", {}) for m in _IMAGE_MIMES))
        chapter = Chapter(docname, "", notebook=True, figures=figures, code_cells=len(code))
    else:
        markdown = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)  # front matter
        chapter = Chapter(docname, "")
    title = re.search(r"^#[ \t]+(.+)$", markdown, re.M)
    chapter.title = title.group(1).strip() if title else docname
    for match in _EXERCISE.finditer(markdown):
        label = _LABEL.search(match.group("options"))
        chapter.exercises.append(label.group(1) if label else "")
    for match in _SOLUTION.finditer(markdown):
        chapter.solutions += 1
        if re.search(r":class:[^\n]*\bdropdown\b", match.group("options")):
            chapter.hidden_solutions += 1
    chapter.words = _prose_words(markdown)
    return chapter


def chapters(root: Path = ROOT) -> list[Chapter]:
    """Every page of the table of contents that exists, described."""
    found = []
    for docname in toc_docnames(root):
        for suffix in (".ipynb", ".md"):
            source = Path(root) / f"{docname}{suffix}"
            if source.is_file():
                found.append(describe(source, docname))
                break
    return found


def overview_markdown(root: Path = ROOT, from_doc: str = "book/instructors") -> str:
    """A Markdown table of the notebook chapters: exercises, figures, reading time."""
    rows = ["| Chapter | Exercises | Figures | Reading time |", "| --- | ---: | ---: | ---: |"]
    total_exercises = total_minutes = 0
    base = Path(from_doc).parent
    for chapter in chapters(root):
        if not chapter.notebook:
            continue
        link = Path(chapter.docname).relative_to(base) if chapter.docname.startswith(
            str(base) + "/") else Path("/" + chapter.docname)
        rows.append(f"| {{doc}}`{link.as_posix()}` | {len(chapter.exercises)} | "
                    f"{chapter.figures} | {chapter.reading_minutes} min |")
        total_exercises += len(chapter.exercises)
        total_minutes += chapter.reading_minutes
    if len(rows) == 2:
        return "*No chapter notebook is listed in the table of contents yet.*"
    rows.append(f"| **All chapters** | **{total_exercises}** | | **{total_minutes} min** |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    for chapter in chapters(args.root):
        print(f"{chapter.docname}: {chapter.title!r}, {len(chapter.exercises)} exercises "
              f"({chapter.hidden_solutions}/{chapter.solutions} solutions hidden), "
              f"{chapter.figures} figures, ~{chapter.reading_minutes} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
