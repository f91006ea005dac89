"""Unit tests of the book's tools: the browser check's page logic, the HTML fixes, the
student edition's solution stripping and the course overview. No browser, no build."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402
import course_overview  # noqa: E402
import sphinx_book_fixes  # noqa: E402
import student_build  # noqa: E402


def _notebook(*cells):
    out = []
    for kind, source, *extra in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source}
        if kind == "code":
            cell["outputs"] = extra[0] if extra else []
            cell["execution_count"] = None
        if len(extra) > 1:
            cell["metadata"]["tags"] = extra[1]
        out.append(cell)
    return {"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


# --- browser_check: the site on disk -----------------------------------------------------

@pytest.fixture
def site(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.html").write_text("<p>asset</p>")
    (tmp_path / "book" / "a.html").write_text('<h1 id="top">A</h1><a name="old"></a>')
    (tmp_path / "book" / "index.html").write_text("<p>index</p>")
    (tmp_path / "index.html").write_text(
        '<meta http-equiv="Refresh" content="0; url=book/index.html" />')
    return tmp_path


def test_html_pages_skips_assets(site):
    assert browser_check.html_pages(site) == ["book/a.html", "book/index.html", "index.html"]


def test_page_ids_and_redirect(site):
    assert browser_check.page_ids(site / "book" / "a.html") == {"top", "old"}
    assert browser_check.redirect_target(site / "index.html") == "book/index.html"
    assert browser_check.redirect_target(site / "book" / "a.html") is None


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1:8000/book/a.html", None),
    ("http://127.0.0.1:8000/book/a.html#top", None),
    ("http://127.0.0.1:8000/book/a.html#old", None),
    ("http://127.0.0.1:8000/book/", None),
    ("http://127.0.0.1:8000/book/a.html#nowhere", "no element #nowhere in book/a.html"),
    ("http://127.0.0.1:8000/book/b.html", "missing file book/b.html"),
    ("http://127.0.0.1:8000/book/a%20b.html", "missing file book/a b.html"),
    ("https://mybinder.org/v2/gh/x/y/main", None),
    ("mailto:someone@example.org", None),
])
def test_broken_link(site, url, why):
    assert browser_check.broken_link(url, "http://127.0.0.1:8000/", site) == why


@pytest.mark.parametrize("text, found", [
    ("typeset math leaves no dollars", []),
    ("it costs $5 and more", []),
    ("shell prompt $ ls", []),
    ("between $5 and $10", []),
    ("raw $x^2$ here", ["$x^2$"]),
    ("display $$\\sum_i x_i$$ math", ["$$\\sum_i x_i$$"]),
    ("inline \\(x\\) and \\[y\\]", ["\\(x\\)", "\\[y\\]"]),
    ("\\begin{align} a \\end{align}", ["\\begin{align}"]),
])
def test_find_raw_math(text, found):
    assert browser_check.find_raw_math(text) == found


def test_expected_figures_counts_shown_image_outputs(tmp_path):
    png = {"output_type": "display_data", "data": {"image/png": "...", "text/plain": "<Figure>"}}
    text = {"output_type": "stream", "name": "stdout", "text": "1"}
    nb = _notebook(("markdown", "# T"), ("code", "plot()", [png, text]),
                   ("code", "plot()", [png], ["remove-output"]),
                   ("code", "plot()", [png], ["hide-input"]), ("code", "x", [text]))
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "c.ipynb").write_text(json.dumps(nb))
    (tmp_path / "book" / "p.md").write_text(
        "# P\n```{figure} a.png\ncap\n```\n![alt](b.png)\n:::{image} c.png\n:::\n")
    assert browser_check.source_of("book/c.html", tmp_path) == tmp_path / "book" / "c.ipynb"
    assert browser_check.expected_figures(tmp_path / "book" / "c.ipynb") == 2
    assert browser_check.expected_figures(tmp_path / "book" / "p.md") == 3
    assert browser_check.source_of("genindex.html", tmp_path) is None
    assert browser_check.expected_figures(None) == 0


def test_mathjax_address_matches_the_config():
    config = (ROOT / "_config.yml").read_text()
    address = next(line.split(":", 1)[1].strip() for line in config.splitlines()
                   if line.strip().startswith("mathjax_path:"))
    match = browser_check.MATHJAX_URL.match(address)
    assert match and match.group("path") == "es5/tex-mml-chtml.js"
    makefile = (ROOT / "Makefile").read_text()
    assert f"MATHJAX_VERSION := {match.group('version')}" in makefile, (
        "the Makefile must fetch the MathJax version the book loads")


# --- sphinx_book_fixes -------------------------------------------------------------------

class _Script:
    def __init__(self, filename, **attributes):
        self.filename, self.attributes = filename, attributes


def test_unique_scripts_drops_repeated_inline_scripts():
    inline_a = _Script(None, body="const X = 1")
    inline_a_again = _Script("", body="const X = 1")  # how Sphinx lists the repeat
    inline_b = _Script(None, body="const Y = 2")
    files = [_Script("_static/a.js"), _Script("_static/a.js", **{"async": "async"})]
    kept = sphinx_book_fixes.unique_scripts([inline_a, files[0], inline_a_again, inline_b,
                                             files[1], files[0]])
    assert kept == [inline_a, files[0], inline_b, files[1]]


# --- student_build: cutting solutions ----------------------------------------------------

GATED_START = "```{solution-start} ex-a\n:class: dropdown\n```\n"
GATED_END = "```{solution-end}\n```\n"


def test_strip_gated_solution_across_cells():
    nb = _notebook(
        ("markdown", "# T\n```{exercise-start}\n:label: ex-a\n```\nDo it.\n```{exercise-end}\n```\n"),
        ("markdown", "Before.\n" + GATED_START + "SECRET prose.\n"),
        ("code", "print('SECRET code')", [{"output_type": "stream", "text": "SECRET"}]),
        ("markdown", "more SECRET\n"),
        ("markdown", GATED_END + "After the solution.\n"),
        ("code", "print('kept')"),
    )
    stripped = student_build.strip_solutions_notebook(nb)
    text = json.dumps(stripped)
    assert "SECRET" not in text
    assert "{solution" not in text
    sources = ["".join(c["source"]) for c in stripped["cells"]]
    assert sources[0].startswith("# T") and "{exercise-end}" in sources[0]
    assert sources[1] == "Before.\n"
    assert sources[2:] == ["After the solution.\n", "print('kept')"]
    assert nb["cells"][1]["source"].startswith("Before.\n```{solution-start}"), "input kept"


def test_strip_plain_solution_with_nested_code_and_colon_fences():
    text = ("Intro.\n````{solution} ex-a\n:class: dropdown\nSECRET\n```python\nSECRET()\n```\n"
            "still SECRET\n````\nMiddle.\n:::{solution} ex-b\nSECRET\n:::\nEnd.\n")
    stripped, open_at_end = student_build.strip_solutions_markdown(text)
    assert stripped == "Intro.\nMiddle.\nEnd.\n" and not open_at_end


def test_strip_reports_unclosed_solutions():
    with pytest.raises(ValueError, match="solution-end"):
        student_build.strip_solutions_notebook(_notebook(("markdown", GATED_START + "x")))
    with pytest.raises(ValueError, match="unclosed"):
        student_build.strip_solutions_markdown("````{solution} ex\nSECRET\n```\n")


def test_student_config_hides_solutions_without_touching_the_original():
    config = {"title": "T", "execute": {"execute_notebooks": "force"},
              "sphinx": {"config": {"hide_solutions": False}}}
    student = student_build.student_config(config)
    assert student["sphinx"]["config"]["hide_solutions"] is True
    assert student["execute"]["execute_notebooks"] == "off"
    assert config["sphinx"]["config"]["hide_solutions"] is False
    assert config["execute"]["execute_notebooks"] == "force"


# --- course_overview ---------------------------------------------------------------------

def test_describe_counts_exercises_solutions_figures(tmp_path):
    png = {"output_type": "display_data", "data": {"image/png": "..."}}
    nb = _notebook(
        ("markdown", "# Chapter One\n\nSome words here about $f$.\n"
                     "```{exercise-start}\n:label: ex-1\n```\nA.\n```{exercise-end}\n```\n"
                     "````{exercise} Named\n:label: ex-2\nB.\n````\n"),
        ("code", "plot()", [png]),
        ("markdown", "```{solution-start} ex-1\n:class: dropdown\n```\nS.\n```{solution-end}\n```\n"
                     "```{solution} ex-2\nT.\n```\n"),
    )
    path = tmp_path / "c.ipynb"
    path.write_text(json.dumps(nb))
    chapter = course_overview.describe(path, "book/c")
    assert chapter.title == "Chapter One"
    assert chapter.exercises == ["ex-1", "ex-2"]
    assert (chapter.solutions, chapter.hidden_solutions) == (2, 1)
    assert chapter.figures == 1 and chapter.code_cells == 1
    assert chapter.reading_minutes == 5


def test_toc_docnames_reads_chapters_sections_and_parts(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nparts:\n  - caption: P\n    chapters:\n"
        "      - file: book/a\n        sections:\n          - file: book/a1.ipynb\n"
        "      - file: book/b\n")
    assert course_overview.toc_docnames(tmp_path) == ["book/index", "book/a", "book/a1", "book/b"]


def test_overview_table_lists_notebook_chapters(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/c\n  - file: book/api\n")
    (tmp_path / "book" / "index.md").write_text("# Home\n")
    (tmp_path / "book" / "api.md").write_text("# API\n")
    nb = _notebook(("markdown", "# C\n```{exercise}\n:label: ex-c\nQ\n```\n"))
    (tmp_path / "book" / "c.ipynb").write_text(json.dumps(nb))
    table = course_overview.overview_markdown(tmp_path)
    assert "| {doc}`c` | 1 | 0 | 5 min |" in table
    assert "api" not in table and "**All chapters** | **1**" in table


# --- the real book -----------------------------------------------------------------------

CHAPTERS = [c for c in course_overview.chapters(ROOT)]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.docname for c in CHAPTERS])
def test_every_solution_is_hidden_and_every_exercise_labelled(chapter):
    assert chapter.hidden_solutions == chapter.solutions, (
        f"{chapter.docname}: give every solution `:class: dropdown` (hidden by default)")
    assert all(chapter.exercises), f"{chapter.docname}: every exercise needs a :label:"


def test_toc_ends_with_the_reference_pages():
    names = course_overview.toc_docnames(ROOT)
    assert names[-3:] == ["book/instructors", "book/api", "book/references"]
    assert len(set(names)) == len(names), "a page is listed twice in _toc.yml"


def test_every_public_module_is_on_the_api_page():
    import pkgutil

    import inal_tutorial

    api = (ROOT / "book" / "api.md").read_text()
    modules = [m.name for m in pkgutil.iter_modules(inal_tutorial.__path__)
               if not m.name.startswith("_")]
    missing = [m for m in modules if f".. automodule:: inal_tutorial.{m}\n" not in api]
    assert missing == [], f"add these modules to book/api.md: {missing}"


def test_tex_macros_agree_between_mathjax_and_the_pdf():
    import re

    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    mathjax = config["mathjax3_config"]["tex"]["macros"]
    latex = dict(re.findall(r"\\newcommand\{\\(\w+)\}\{(.*)\}\s*$",
                            config["latex_elements"]["preamble"], re.M))
    assert latex == mathjax


def test_licence_and_citation_agree_with_the_package_metadata():
    import tomllib
    import yaml

    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (root / "LICENSE").read_text().startswith("MIT License")
    citation = yaml.safe_load((root / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    assert citation["license"] == "MIT"
    assert citation["version"] == project["version"]
    for page in ("README.md", "book/index.md"):
        assert "CC BY 4.0" in (root / page).read_text(), page


def _bib_entry(key: str, authors: str, year: str):
    from pybtex.database import Entry, Person

    return Entry("article", fields={"title": key, "year": year},
                 persons={"author": [Person(name) for name in authors.split(" and ")]})


def test_bibliography_labels_read_like_author_year_citations():
    entries = [
        _bib_entry("a", "Abbe, Emmanuel and Cornacchia, E. and H{\\k{a}}z{\\l}a, Jan", "2022"),
        _bib_entry("b", "Abbe, Emmanuel and Boix-Adser{\\`a}, Enric", "2022"),
        _bib_entry("c", "Abbe, Emmanuel and Boix-Adser{\\`a}, Enric and Misiakiewicz, T.",
                   "2022"),
        _bib_entry("d", "Kearns, Michael", "1998"),
        _bib_entry("e", "Pedregosa, F. and others", "2011"),
    ]
    labels = sphinx_book_fixes.disambiguated_labels(entries)
    assert labels == ["Abbe et al. 2022a", "Abbe and Boix-Adserà 2022", "Abbe et al. 2022b",
                      "Kearns 1998", "Pedregosa et al. 2011"]


def test_the_book_uses_the_author_year_bibliography_style():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx_config = config["sphinx"]["config"]
    assert sphinx_config["bibtex_reference_style"] == "author_year"
    assert sphinx_config["bibtex_default_style"] == sphinx_book_fixes.BIBLIOGRAPHY_STYLE


# --- pdf_build ----------------------------------------------------------------------------
import pdf_build  # noqa: E402


def test_the_pdf_has_an_unnumbered_preface_and_the_back_pages_as_appendices():
    tex = ("\\begin{document}\n\\part{Preface}\n\\chapter{Preface}\ntext\n"
           "\\section{How to read it}\n\\subsection{Notation}\n"
           "\\part{Chapters}\n\\chapter{Fourier}\n\\chapter{Alignment}\n"
           "\\part{For instructors and readers}\n\\chapter{API}\n\\end{document}\n")
    fixed = pdf_build.fix_latex(tex)
    assert "\\part" not in fixed
    assert "\\chapter*{Preface}\\addcontentsline{toc}{chapter}{Preface}" in fixed
    assert fixed.count("\\chapter{") == 3  # Fourier, Alignment, API stay numbered
    assert "\\section*{How to read it}" in fixed and "\\subsection*{Notation}" in fixed
    assert fixed.index("\\appendix") < fixed.index("\\chapter{API}")
    assert fixed.index("\\chapter{Alignment}") < fixed.index("\\appendix")


def test_the_pdf_build_names_the_glyphs_a_font_lacks():
    log = ("Missing character: There is no ⧵ (U+29F5) in font [latinmodern-math.otf]/OT:scr\n"
           "Missing character: There is no ⧵ (U+29F5) in font [latinmodern-math.otf]/OT:scr\n"
           "Missing character: There is no ✓ (U+2713) in font FreeSerif\n")
    assert pdf_build.missing_glyphs(log) == ["⧵ (U+29F5)", "✓ (U+2713)"]
    assert pdf_build.missing_glyphs("no problem\n") == []


def test_launch_menu_is_recognized_among_header_buttons():
    assert sphinx_book_fixes.is_launch_menu({"type": "group", "label": "launch-buttons"})
    assert not sphinx_book_fixes.is_launch_menu({"type": "group", "label": "download-buttons"})


def test_citation_lists_lose_their_list_role():
    body = ('<p>x</p><div role="list" class="citation-list">\n<div class="citation" '
            'role="doc-biblioentry">')
    fixed = sphinx_book_fixes.without_citation_list_role(body)
    assert 'role="list"' not in fixed and 'class="citation-list"' in fixed
    assert 'role="doc-biblioentry"' in fixed
