"""The student edition (`make student`) has every exercise and no solution.

A solution "leaks" if one of its lines (a line of code or output, or a paragraph; at least
12 characters, and found nowhere in the book outside solutions) appears anywhere in the
student edition: on a page, or in a downloadable source (`_sources/`). Whitespace is
ignored in the comparison. No launch button (Binder, Colab) or download link of the
edition reaches a notebook with a solution: they open the student notebooks of
`student/book/`, which have an answer cell after each exercise.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402
import student_build  # noqa: E402

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
    """Every text a student can read in the edition: pages and downloadable sources.

    The answer cells are left out: they are written from the exercise's text (a ``None``
    per value and the checker calls the text names; tests/test_student_notebooks.py checks
    that they hold nothing else), so a checker call that a solution also makes is no leak.
    """
    for path in sorted(student_html.rglob("*")):
        if path.suffix == ".html":
            soup = _soup(path)
            for answer in soup.select(f".tag_{student_build.ANSWER_TAG}"):
                answer.decompose()
            yield path, _squash(soup.get_text())
        elif path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            parts = []
            for cell in notebook["cells"]:
                if student_build.ANSWER_TAG in cell.get("metadata", {}).get("tags", []):
                    continue
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


# Launch buttons (Binder, Colab) open a notebook of the repository; the download menu
# gives the page's source from _sources/. None of them may reach a chapter's solutions.
_BINDER = re.compile(r"/v2/gh/[^/]+/[^/]+/[^/?]+\?urlpath=(?:lab/)?tree/(?P<path>[^&#]+)")
_COLAB = re.compile(r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/[^/]+/(?P<path>[^?#]+)")


def _has_solution(notebook: dict) -> bool:
    return (student_build.strip_solutions_notebook(notebook) != notebook
            or "{solution" in json.dumps(notebook))


def _links(student_html):
    """(page, kind, target) for every launch and download link of the edition."""
    for page in browser_check.html_pages(student_html):
        for a in _soup(student_html / page).select("a[href]"):
            href = a["href"]
            for kind, pattern in (("launch", _BINDER), ("launch", _COLAB)):
                match = pattern.search(href)
                if match:
                    yield page, kind, unquote(match.group("path"))
            if "_sources/" in href:
                target = (student_html / page).parent / href.split("#")[0]
                yield page, "download", target.resolve()


def test_the_book_has_solutions_to_leak():
    """The check below can fail: the instructor notebooks do hold solutions."""
    assert any(_has_solution(json.loads(p.read_text(encoding="utf-8")))
               for p in (ROOT / "book").glob("*.ipynb"))


def test_no_launch_or_download_link_reaches_a_solution(student_html):
    links = list(_links(student_html))
    launches = [(page, target) for page, kind, target in links if kind == "launch"]
    downloads = [(page, target) for page, kind, target in links if kind == "download"]
    assert any(t.endswith("book/fourier.ipynb") for _, t in launches), "no launch link found"
    assert any(t.suffix == ".ipynb" for _, t in downloads), "no download link found"
    outside = [(page, t) for page, t in launches
               if not t.startswith(f"{student_build.STUDENT_DIR}/")]
    assert outside == [], f"launch links outside {student_build.STUDENT_DIR}/: {outside[:5]}"
    for page, target in launches:
        path = ROOT / target
        if target.endswith(".ipynb"):
            assert path.is_file(), f"{page}: its launch link opens {target}, which is missing"
        if path.is_file() and path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            assert not _has_solution(notebook), f"{page}: {target} holds a solution"
    for page, target in downloads:
        assert target.is_relative_to(student_html.resolve()) and target.is_file(), (page, target)
        if target.suffix == ".ipynb":
            notebook = json.loads(target.read_text(encoding="utf-8"))
            assert not _has_solution(notebook), f"{page}: its download {target.name} has one"


def test_chapters_open_with_answer_cells(student_html):
    page = _soup(student_html / "book" / "fourier.html")
    answers = [pre.get_text() for pre in page.select(".cell pre")
               if "your answer here" in pre.get_text()]
    assert len(answers) == 4 and all("checks.check_" in a for a in answers), answers
    committed = json.loads((ROOT / "student" / "book" / "fourier.ipynb").read_text("utf-8"))
    source = json.loads((student_html / "_sources" / "book" / "fourier.ipynb").read_text("utf-8"))
    assert source == committed, "the download is not the committed student notebook"
