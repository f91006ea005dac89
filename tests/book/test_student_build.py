"""The student edition (`make student`) has every exercise and no solution.

A solution "leaks" if one of its lines (a line of code or output, or a paragraph; at least
12 characters, and found nowhere in the book outside solutions) appears anywhere in the
student edition: on a page, or in a downloadable source (`_sources/`). Whitespace is
ignored in the comparison.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import browser_check  # noqa: E402

MIN_LINE = 12


def _soup(path):
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _squash(text: str) -> str:
    """Text without any whitespace, so that "f(x) = 1" matches however HTML spaced it."""
    return "".join(text.split())


def _units(solution) -> list[str]:
    """A solution's lines of code and output, and its paragraphs of prose."""
    units = []
    for pre in solution.select("pre"):
        units += pre.get_text().splitlines()
        pre.decompose()
    units += [block.get_text(" ") for block in solution.select("p, li, td, .math")]
    return units


def _solution_lines(pages) -> dict[str, list[str]]:
    """Per page of the full book, the lines that only its solutions contain.

    A line counts if it has at least MIN_LINE non-blank characters and appears nowhere in
    the book outside solutions (so a common line such as an import is not counted).
    """
    units, outside = {}, []
    for page in pages:
        soup = _soup(page)
        solutions = soup.select(".solution")
        units[page] = {_squash(u) for sol in solutions for u in _units(sol)}
        for sol in soup.select(".solution"):
            sol.decompose()
        outside.append(_squash(soup.get_text()))
    elsewhere = "\n".join(outside)
    return {page: sorted(u for u in found if len(u) >= MIN_LINE and u not in elsewhere)
            for page, found in units.items()}


def _student_texts(student_html):
    """Every text a student can read in the edition: pages and downloadable sources."""
    for path in sorted(student_html.rglob("*")):
        if path.suffix == ".html":
            yield path, _squash(_soup(path).get_text())
        elif path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            parts = []
            for cell in notebook["cells"]:
                parts.append("".join(cell["source"]))
                for output in cell.get("outputs", []):
                    parts.append("".join(output.get("text", "")))
                    parts.extend("".join(v) for v in output.get("data", {}).values()
                                 if isinstance(v, (str, list)))
            yield path, _squash("\n".join(parts))
        elif path.suffix in (".md", ".txt"):
            yield path, _squash(path.read_text(encoding="utf-8"))


def test_same_pages(book_html, student_html):
    assert browser_check.html_pages(student_html) == browser_check.html_pages(book_html)


def test_same_exercises_no_solutions(book_html, student_html):
    exercises = 0
    for page in browser_check.html_pages(book_html):
        full, student = _soup(book_html / page), _soup(student_html / page)
        assert student.select(".solution") == [], f"{page} shows a solution"
        titles = [_squash(e.select_one(".admonition-title").get_text()) for e in
                  full.select(".exercise")]
        assert [_squash(e.select_one(".admonition-title").get_text())
                for e in student.select(".exercise")] == titles, page
        exercises += len(titles)
    assert exercises > 0, "the book has no exercise: nothing was checked"


def test_no_solution_text_anywhere(book_html, student_html):
    pages = [book_html / page for page in browser_check.html_pages(book_html)]
    lines = sorted({line for found in _solution_lines(pages).values() for line in found})
    if not lines:
        pytest.fail("the full book shows no solution text: nothing to check")
    leaks = [(path.relative_to(student_html).as_posix(), line)
             for path, text in _student_texts(student_html) for line in lines if line in text]
    assert leaks == [], f"{len(leaks)} solution line(s) in the student edition: {leaks[:5]}"
