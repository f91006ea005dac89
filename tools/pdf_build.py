"""Build the book as one PDF (XeLaTeX) and publish it beside the HTML (``make pdf``).

Jupyter Book writes the LaTeX (``jupyter-book build --builder latex``); this script then
fixes what its LaTeX gets wrong for this book and compiles it:

* the parts of ``_toc.yml`` become ``\\part`` pages, and every page a numbered chapter,
  so the preface was "Chapter 1" and the first real chapter "Chapter 2", out of step with
  the HTML. Here the preface's part page goes, the preface is an unnumbered chapter (in
  the table of contents all the same), and the pages after the chapters (instructors,
  API, references) become appendices;
* Sphinx's LaTeX Makefile compiles it (latexmk, XeLaTeX); a glyph missing from a font (XeLaTeX only logs it, and the PDF
  shows a blank) fails the build, naming the character;
* the PDF is copied into the HTML folder (``inal-tutorial.pdf`` next to ``index.html``),
  where the landing page links to it.

The student edition runs the same on its own sources:
``python tools/pdf_build.py --source _build/student/src --html _build/student/html``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "inal-tutorial.pdf"
_PART = re.compile(r"^\\part\{(?P<title>[^}]*)\}[ \t]*\n", re.M)
_CHAPTER = re.compile(r"^\\chapter\{(?P<title>[^}]*)\}", re.M)
_SECTION = re.compile(r"\\(?P<level>(?:sub)*section)\{")
_MISSING = re.compile(r"Missing character: There is no (?P<char>.+?) in font")


def fix_latex(tex: str) -> str:
    """The book's LaTeX with an unnumbered preface and the back pages as appendices.

    Every ``\\part`` page goes (the parts are the HTML sidebar's captions); the chapter
    after the first (the preface) is starred, and still listed in the table of
    contents, and so are its sections; the last part's place (the pages after the chapters), when there are three
    or more parts, becomes ``\\appendix``.
    """
    parts = list(_PART.finditer(tex))
    if not parts:
        return tex
    preface_at = parts[0].start()
    for index, part in reversed(list(enumerate(parts))):
        keep = "\\appendix\n" if index == len(parts) - 1 and len(parts) >= 3 else ""
        tex = tex[:part.start()] + keep + tex[part.end():]
    chapter = _CHAPTER.search(tex, preface_at)
    if chapter is not None:
        title = chapter["title"]
        starred = f"\\chapter*{{{title}}}\\addcontentsline{{toc}}{{chapter}}{{{title}}}"
        after = _CHAPTER.search(tex, chapter.end())
        end = after.start() if after is not None else len(tex)
        # The preface's sections are unnumbered too (they would read "0.1", "0.2").
        body = _SECTION.sub(lambda m: f"\\{m['level']}*{{", tex[chapter.end():end])
        tex = tex[:chapter.start()] + starred + body + tex[end:]
    return tex


def missing_glyphs(log: str) -> list[str]:
    """The characters XeLaTeX's log says a font lacks (each once, in order)."""
    seen: list[str] = []
    for match in _MISSING.finditer(log):
        if match["char"] not in seen:
            seen.append(match["char"])
    return seen


def build(source: Path, html: Path) -> Path:
    """Write ``source``'s book as LaTeX, fix and compile it, copy the PDF into ``html``."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    latex = source / "_build" / "latex"
    shutil.rmtree(latex, ignore_errors=True)
    subprocess.run([str(jupyter_book), "build", str(source), "--builder", "latex", "-n",
                    "--keep-going"], check=True)
    tex_file = latex / "book.tex"
    tex_file.write_text(fix_latex(tex_file.read_text(encoding="utf-8")), encoding="utf-8")
    # Sphinx's own Makefile (written beside book.tex): latexmk with XeLaTeX and xindy.
    subprocess.run(["make", "-C", str(latex), "all-pdf"], check=True,
                   stdout=subprocess.DEVNULL)
    missing = missing_glyphs((latex / "book.log").read_text(encoding="utf-8",
                                                            errors="replace"))
    if missing:
        raise SystemExit(f"the PDF lacks glyphs for {' '.join(missing)} (see {latex}/book.log)")
    html.mkdir(parents=True, exist_ok=True)
    target = html / PDF_NAME
    shutil.copyfile(latex / "book.pdf", target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the book's folder (_config.yml, _toc.yml); default: this one")
    parser.add_argument("--html", type=Path, default=None,
                        help="the HTML folder to copy the PDF into; default SOURCE/_build/html")
    args = parser.parse_args(argv)
    html = args.html if args.html is not None else args.source / "_build" / "html"
    print(f"PDF: {build(args.source.resolve(), html.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
