"""Every page of the built book, opened in headless Chromium (tools/browser_check.py).

Per page: it loads without errors, MathJax typeset all the math (no raw TeX left),
every image loaded, a chapter shows as many figures as its notebook has, no figure has
an opaque white background, and no internal link is broken; axe-core finds no serious
or critical accessibility violation, on the light and on the dark theme. Then: the
figures read on both themes.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import matplotlib as mpl
import pytest

import inal_tutorial as it

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import browser_check  # noqa: E402
import course_overview  # noqa: E402

BOOK_HTML = Path(os.environ.get("INAL_BOOK_HTML", ROOT / "_build" / "html"))  # as conftest
PAGES = browser_check.html_pages(BOOK_HTML) if BOOK_HTML.is_dir() else ["(no build)"]


@pytest.fixture(scope="module")
def site(book_html):
    with browser_check.Site(book_html, ROOT) as site:
        yield site


@pytest.mark.parametrize("page", PAGES)
def test_page(site, page):
    report = site.check(page)
    assert report.ok, f"{page}:\n  " + "\n  ".join(report.problems)


SERIOUS = ("serious", "critical")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_page_has_no_serious_accessibility_violation(site, page, theme):
    if browser_check.redirect_target(BOOK_HTML / page) is not None:
        return  # a redirect page shows nothing: its target is checked
    violations = [v for v in site.accessibility(page, theme) if v["impact"] in SERIOUS]
    assert violations == [], "\n".join(
        f"{v['impact']} {v['id']} ({v['count']}x: {v['help']}): {v['targets']}"
        for v in violations)


def test_every_page_of_the_toc_was_built(book_html):
    missing = [name for name in course_overview.toc_docnames(ROOT)
               if not (book_html / f"{name}.html").is_file()]
    assert missing == []


def test_the_api_page_typesets_its_math(site):
    report = site.check("book/api.html")
    assert report.math_total > 0 and report.math_typeset == report.math_total


def _luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour with channels in [0, 1]."""
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert contrast((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)) == pytest.approx(1.0)


FIGURE_PAGES = [p for p in PAGES if browser_check.expected_figures(
    browser_check.source_of(p, ROOT)) > 0]


def _filtered(rgb, css_filter: str):
    """An sRGB colour after CSS ``brightness(b) contrast(c)`` filters, in their order."""
    out = list(rgb)
    for name, value in re.findall(r"(brightness|contrast)\(([\d.]+)\)", css_filter or ""):
        amount = float(value)
        if name == "brightness":
            out = [min(1.0, c * amount) for c in out]
        else:
            out = [min(1.0, max(0.0, (c - 0.5) * amount + 0.5)) for c in out]
    return tuple(out)


def test_css_filter_model():
    assert _filtered((1, 1, 1), "brightness(0.8)") == pytest.approx((0.8, 0.8, 0.8))
    assert _filtered((0.5, 0.5, 0.5), "contrast(2)") == pytest.approx((0.5, 0.5, 0.5))
    assert _filtered((0.2, 0.2, 0.2), "none") == (0.2, 0.2, 0.2)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_figures_read_on_both_themes(site, theme):
    """Figures carry their own opaque background (inal_tutorial.use_book_style()): their
    text and axes must reach WCAG AA's 4.5:1 on it as the theme shows it, dimming
    filter included."""
    if not FIGURE_PAGES:
        pytest.skip("no chapter with a figure is built yet")
    colours = site.theme_colours(FIGURE_PAGES[0], theme)
    assert colours["theme"] == theme, "the theme stored in localStorage was not applied"
    it.use_book_style()
    background = mpl.colors.to_rgb(mpl.rcParams["figure.facecolor"])
    assert mpl.colors.to_rgba(mpl.rcParams["savefig.facecolor"])[3] == 1.0
    for key in ("text.color", "axes.labelcolor", "xtick.color", "axes.edgecolor"):
        colour = mpl.colors.to_rgb(mpl.rcParams[key])
        shown = contrast(_filtered(colour, colours["figureFilter"]),
                         _filtered(background, colours["figureFilter"]))
        assert shown >= 4.5, (theme, key, round(shown, 2), colours)


def _chapter_notebooks() -> list[str]:
    return [name for name in course_overview.toc_docnames(ROOT)
            if (ROOT / f"{name}.ipynb").is_file()]


@pytest.mark.parametrize("name", _chapter_notebooks())
def test_chapter_offers_launch_buttons_and_its_executed_notebook(book_html, name):
    """The rocket menu opens the chapter on Binder and Colab; the download menu gives the
    notebook with its outputs."""
    import json

    import sync_colab_cell
    from bs4 import BeautifulSoup

    page = book_html / f"{name}.html"
    links = [a["href"] for a in BeautifulSoup(page.read_text(encoding="utf-8"),
                                              "html.parser").select("a[href]")]
    owner_repo = sync_colab_cell.repository_url().removeprefix("https://github.com/")
    binder = f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{owner_repo}/blob/main/{name}.ipynb"
    assert binder in links, f"no Binder link {binder}"
    assert colab in links, f"no Colab link {colab}"
    downloads = [href for href in links if href.endswith(f"_sources/{name}.ipynb")]
    assert downloads, "no download link for the notebook"
    notebook = json.loads((page.parent / downloads[0]).read_text(encoding="utf-8"))
    outputs = sum(len(c.get("outputs", [])) for c in notebook["cells"] if c["cell_type"] == "code")
    assert outputs > 0, "the downloadable notebook has no outputs"
