"""Every promise of the instructors page (book/instructors.md) holds in the repository.

The page names Makefile targets, tools, files and properties of the chapters (labels,
hidden solutions, the Colab cell, one checker module per chapter); each is checked here
against what is actually there, so that the page cannot drift from the repository.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
sys.path.insert(0, str(ROOT / "tools"))
import course_overview  # noqa: E402

CHAPTERS = [c for c in course_overview.chapters(ROOT) if c.notebook]


def _makefile_targets() -> dict[str, str]:
    """Target name -> its recipe and prerequisites, as text."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = {}
    for match in re.finditer(r"^([A-Za-z][\w-]*):([^=\n]*)\n((?:\t[^\n]*\n?)*)", text, re.M):
        targets[match.group(1)] = match.group(2) + "\n" + match.group(3)
    return targets


def test_every_path_the_page_names_exists():
    named = set(re.findall(r"`([\w./-]+/[\w./-]+|[\w-]+\.(?:txt|py|md))`", PAGE))
    named = {p for p in named if not p.startswith(("_build", ".venv"))}
    assert {"tools/course_overview.py", "binder/requirements.txt", "constraints.txt"} <= named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"the instructors page names files that do not exist: {missing}"


def test_make_targets_the_page_names():
    targets = _makefile_targets()
    for name in re.findall(r"`make (\w[\w-]*)`", PAGE):
        assert name in targets, f"`make {name}` is not a Makefile target"
    assert "student-check" in targets["test"] and "nbval" in targets["test"]
    assert "student_build.py" in targets["student"]
    assert "make_assignments.py" in targets["assignments"]
    assert "pdf_build.py" in targets["pdf"] and "pdf_build.py" in targets["student-pdf"]
    nbval = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "ATEN_CPU_CAPABILITY=default $(NBVAL)" in nbval
    assert "MKL_CBWR=COMPATIBLE $(NBVAL)" in nbval


def test_reading_time_rule_is_the_one_stated():
    assert course_overview.WORDS_PER_MINUTE == 100
    assert course_overview.MINUTES_PER_CODE_CELL == 0.5
    chapter = course_overview.Chapter("x", "x", words=1010, code_cells=2)
    assert chapter.reading_minutes == 15  # 10.1 + 1 minutes, rounded up to 5
    assert "100 words a minute" in PAGE and "half a minute per code cell" in PAGE


def test_binder_and_pins():
    requirements = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    constraints = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    torch_pin = re.search(r"^torch==\S+$", requirements, re.M).group(0)
    assert torch_pin.endswith("+cpu") and torch_pin in constraints.splitlines()
    assert "install" in (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.docname)
def test_chapter_promises(chapter):
    notebook = json.loads((ROOT / f"{chapter.docname}.ipynb").read_text(encoding="utf-8"))
    first = notebook["cells"][0]
    assert first["id"] == "colab-setup" and "google.colab" in "".join(first["source"])
    assert all(label.startswith("ex-") for label in chapter.exercises), chapter.exercises
    assert chapter.hidden_solutions == chapter.solutions, "a solution is not in a dropdown"
    module = Path(chapter.docname).name
    assert (ROOT / "inal_tutorial" / "exercises" / f"{module}.py").is_file()


def test_configuration_the_page_describes():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["html"]["use_download_button"] is True
    assert {"binderhub_url", "colab_url"} <= set(config["launch_buttons"])
    assert config["sphinx"]["config"]["hide_solutions"] is False
    assert config["latex"]["latex_documents"]["targetname"] == "book.tex"
    build = (ROOT / "tools" / "student_build.py").read_text(encoding="utf-8")
    assert '["hide_solutions"] = True' in build and '"execute_notebooks"] = "off"' in build
    assert '["path_to_book"] = STUDENT_DIR' in build and 'STUDENT_DIR = "student"' in build


def test_student_notebooks_and_assignments_the_page_describes():
    import make_assignments
    import student_build
    import sync_colab_cell

    assert "`student/book/`" in PAGE and student_build.PLACEHOLDER == "# your answer here"
    assert (ROOT / student_build.STUDENT_DIR / "book").is_dir()
    assert "`# your answer here`" in PAGE and "grader.check(...)" in PAGE
    assert make_assignments.OUT == ROOT / "_build" / "assignments"
    assert "`_build/assignments/<chapter>/`" in PAGE
    assert sync_colab_cell.release_tag("1.2.3") == "v1.2.3"
    assert "the git tag `v` plus the version of\n  `pyproject.toml`" in PAGE


def test_checker_example_does_not_give_the_answer_away():
    from inal_tutorial.exercises import check_close

    right, wrong = check_close(0.75, 0.75, "W^1"), check_close(6.0, 0.75, "W^1")
    assert right.ok and not wrong.ok
    assert "2^3 = 8" in wrong.message and "0.75" not in wrong.message
