"""The student edition (`make student`) has every exercise and no solution.

A solution "leaks" if one of its lines (of prose or code, at least 12 characters, and not
found elsewhere on its page) appears anywhere in the student edition: on a page, or in a
downloadable source (`_sources/`).
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


def _norm(text: str) -> str:
    return " ".join(text.split())


def _solution_lines(page) -> list[str]:
    """Lines that only the solutions of a page of the full book contain."""
    soup = _soup(page)
    solutions = soup.select(".solution")
    lines = {_norm(line) for sol in solutions for line in sol.get_text("\n").splitlines()}
    for sol in solutions:
        sol.decompose()
    elsewhere = _norm(soup.get_text(" "))
    return sorted(line for line in lines if len(line) >= MIN_LINE and line not in elsewhere)


def _student_texts(student_html):
    """Every text a student can read in the edition: pages and downloadable sources."""
    for path in sorted(student_html.rglob("*")):
        if path.suffix == ".html":
            yield path, _norm(_soup(path).get_text(" "))
        elif path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            parts = []
            for cell in notebook["cells"]:
                parts.append("".join(cell["source"]))
                for output in cell.get("outputs", []):
                    parts.append("".join(output.get("text", "")))
                    parts.extend("".join(v) for v in output.get("data", {}).values()
                                 if isinstance(v, (str, list)))
            yield path, _norm("\n".join(parts))
        elif path.suffix in (".md", ".txt"):
            yield path, _norm(path.read_text(encoding="utf-8"))


def test_same_pages(book_html, student_html):
    assert browser_check.html_pages(student_html) == browser_check.html_pages(book_html)


def test_same_exercises_no_solutions(book_html, student_html):
    exercises = 0
    for page in browser_check.html_pages(book_html):
        full, student = _soup(book_html / page), _soup(student_html / page)
        assert student.select(".solution") == [], f"{page} shows a solution"
        titles = [_norm(e.select_one(".admonition-title").get_text()) for e in
                  full.select(".exercise")]
        assert [_norm(e.select_one(".admonition-title").get_text())
                for e in student.select(".exercise")] == titles, page
        exercises += len(titles)
    assert exercises > 0, "the book has no exercise: nothing was checked"


def test_no_solution_text_anywhere(book_html, student_html):
    secret = {page: _solution_lines(book_html / page)
              for page in browser_check.html_pages(book_html)}
    lines = sorted({line for found in secret.values() for line in found})
    if not lines:
        pytest.fail("the full book shows no solution text: nothing to check")
    leaks = [(path.relative_to(student_html).as_posix(), line)
             for path, text in _student_texts(student_html) for line in lines if line in text]
    assert leaks == [], f"{len(leaks)} solution line(s) in the student edition: {leaks[:5]}"
