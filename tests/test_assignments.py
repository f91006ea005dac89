"""Graded assignments (tools/make_assignments.py, `make assignments`) with otter-grader.

The fast tests check how a chapter's exercises become otter questions (public tests =
the exercise's checker calls, solutions bound from the chapter's solution cells); the
end-to-end test builds the fourier assignment with `otter assign` and grades a correct
and a wrong submission with `otter run` (local, no Docker): full and partial scores.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import make_assignments as ma  # noqa: E402
import student_build as sb  # noqa: E402

OTTER = Path(sys.executable).parent / "otter"


def test_fourier_questions_bind_the_chapter_solutions():
    questions = {q.label: q for q in ma.questions("fourier")}
    assert list(questions) == ["ex-fourier-selection", "ex-fourier-parseval",
                               "ex-fourier-majority-limit", "ex-fourier-high-degree"]
    limit = questions["ex-fourier-majority-limit"]
    assert limit.calls == ["checks.check_majority_w1(value, n=5)",
                           "checks.check_majority_w1(value_2)"]
    assert limit.bindings == {"value": "5 * (math.comb(4, 2) / 2 ** 4) ** 2",
                              "value_2": "2 / math.pi"}
    assert limit.hidden == ma.HIDDEN["ex-fourier-majority-limit"]


@pytest.mark.parametrize("docname", sb.toc_notebooks(ROOT))
def test_every_checked_exercise_becomes_a_question(docname):
    """Each exercise whose text names a checker is a question whose solution gives every value."""
    chapter = Path(docname).name
    module = sb.checker_module(chapter)
    skipped = []  # exercises whose values need the chapter's own variables
    questions = ma.questions(chapter, skipped=skipped) if module is not None else []
    student = sb.student_notebook(json.loads((ROOT / f"{docname}.ipynb").read_text("utf-8")),
                                  chapter)
    checked = [c["id"].removeprefix("answer-") for c in student["cells"]
               if sb.ANSWER_TAG in c["metadata"].get("tags", [])
               and "print(checks." in "".join(c["source"])]
    assert set(skipped) <= set(checked)
    assert [q.label for q in questions] == [label for label in checked if label not in skipped]
    for q in questions:
        placeholders, _ = sb.answer_plan(q.prompt, module)
        assert set(placeholders) <= set(q.bindings), q.label
        assert ma.solution_code(json.loads((ROOT / f"{docname}.ipynb").read_text("utf-8")),
                                q.label), f"{q.label}: no solution code in the chapter"


def test_master_notebook_has_public_and_hidden_tests():
    master = ma.master_notebook("fourier")
    sources = ["".join(c["source"]) for c in master["cells"]]
    assert sources[0].startswith("# ASSIGNMENT CONFIG")
    assert sum(s.startswith("# BEGIN QUESTION") for s in sources) == 4
    public = [s for s in sources if s.startswith("assert (feedback := checks.")]
    hidden = [s for s in sources if s.startswith("# HIDDEN")]
    assert len(public) == 6 and len(hidden) == sum(len(v) for k, v in ma.HIDDEN.items()
                                                   if k.startswith("ex-fourier"))
    assert all("  # SOLUTION" in s for s in sources if s.startswith("# BEGIN SOLUTION NO"))
    assert len({c["id"] for c in master["cells"]}) == len(master["cells"])


def _grade(zip_path: Path, notebook: dict, folder: Path) -> dict:
    folder.mkdir()
    submission = folder / "fourier.ipynb"
    submission.write_text(json.dumps(notebook), encoding="utf-8")
    subprocess.run([str(OTTER), "run", "-a", str(zip_path), "-o", str(folder), "--no-logo",
                    str(submission)], check=True, capture_output=True, text=True)
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    scores = {t["name"]: (t["score"], t["max_score"]) for t in results["tests"]
              if t.get("max_score") is not None}
    return scores


def _answer(notebook: dict, old: str, new: str) -> dict:
    notebook = json.loads(json.dumps(notebook))
    hits = 0
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if old in source:
            cell["source"] = source.replace(old, new).splitlines(keepends=True)
            hits += 1
    assert hits == 1, old
    return notebook


@pytest.mark.skipif(not OTTER.is_file(), reason="otter-grader is not installed in this venv")
def test_fourier_assignment_grades_right_and_wrong_submissions(tmp_path):
    dist = ma.build("fourier", tmp_path / "assignments", str(OTTER))
    student = json.loads((dist / "student" / "fourier.ipynb").read_text(encoding="utf-8"))
    student_text = json.dumps(student)
    assert "value_2 = ..." in student_text and "2 / math.pi" not in student_text
    assert "HIDDEN" not in "".join(p.read_text() for p in (dist / "student" / "tests").iterdir())
    zip_path = ma.autograder_zip(dist)
    # The notebook with the solutions is a correct submission.
    right = json.loads((dist / "autograder" / "fourier.ipynb").read_text(encoding="utf-8"))
    scores = _grade(zip_path, right, tmp_path / "right")
    assert scores == {"ex-fourier-selection": (2.0, 2.0), "ex-fourier-parseval": (4.0, 4.0),
                      "ex-fourier-majority-limit": (4.0, 4.0),
                      "ex-fourier-high-degree": (2.0, 2.0)}
    # Wrong: the limit is 0.7 (public and hidden test fail), and a limit within the
    # checker's tolerance but not exact is caught by the hidden test alone.
    wrong = _answer(right, "value_2 = 2 / math.pi", "value_2 = 0.7")
    scores = _grade(zip_path, wrong, tmp_path / "wrong")
    assert scores["ex-fourier-majority-limit"] == (2.0, 4.0)
    assert sum(s for s, _ in scores.values()) == 10.0
    close = _answer(right, "value = 5 * (math.comb(4, 2) / 2 ** 4) ** 2",
                    "value = 0.703125 + 1e-9")
    scores = _grade(zip_path, close, tmp_path / "close")
    assert scores["ex-fourier-majority-limit"] == (3.0, 4.0)
    shutil.rmtree(tmp_path / "assignments")
