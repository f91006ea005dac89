"""The book's figure style and the registry of figures.

* :func:`use_book_style` sets one matplotlib style for every chapter: an opaque white
  background with near-black text (contrast above 4.5:1 on the light and the dark theme
  of the online book alike), opaque legends, a colour-blind-safe palette, and PNGs at
  twice the resolution for hi-dpi screens.
* :func:`register_figure` records a function that computes and draws one figure
  of the book; :func:`make_figure` regenerates it by name at a given scale
  (``"small"``: the chapter's setting, ``"large"``: the crisp documented one).
  The figure modules live in :mod:`inal_tutorial.figures`, one per chapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import matplotlib as mpl

from ._validation import check_choice, check_seed

__all__ = ["PALETTE", "BACKGROUND", "TEXT_COLOUR", "AXES_COLOUR", "GRID_COLOUR",
           "use_book_style", "register_figure", "make_figure", "figure_names",
           "FigureSpec", "SCALES"]

#: Okabe–Ito's colour-blind-safe colours, but for its yellow (#F0E442, 1.3:1 on the white
# background) and grey (#999999, 2.9:1), darkened to 4.0:1 and 5.1:1.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8F7F00", "#6E6E6E"]
#: Scales a figure can be regenerated at.
SCALES = ("small", "large")
#: The figure background: opaque, so the text contrast does not depend on the page theme.
BACKGROUND = "#ffffff"
#: Text (titles, labels, tick labels, legends): 16.6:1 on :data:`BACKGROUND`.
TEXT_COLOUR = "#1f1f1f"
#: Axes and legend frame: 10.6:1 on :data:`BACKGROUND`.
AXES_COLOUR = "#3d3d3d"
#: Grid lines (decoration, drawn light and below the data).
GRID_COLOUR = "#d9d9d9"
#: Resolution factor of the PNG a notebook shows (2: crisp on hi-dpi screens).
PNG_SCALE = 2


def _png_hidpi(fig) -> tuple[bytes, dict[str, int]]:
    """The PNG of ``fig`` at PNG_SCALE times its dpi, displayed at its nominal width."""
    import io

    buffer = io.BytesIO()
    fig.canvas.print_figure(buffer, format="png", dpi=PNG_SCALE * fig.dpi,
                            bbox_inches="tight", facecolor=fig.get_facecolor())
    data = buffer.getvalue()
    width = int.from_bytes(data[16:20], "big")  # the PNG header's IHDR width
    return data, {"width": width // PNG_SCALE}


def _register_png_formatter() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with every notebook kernel
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # Load the backend now: loading matplotlib-inline registers its own formatters,
    # which would otherwise replace this one at the first figure.
    plt.close(plt.figure())

    formatters = shell.display_formatter.formatters
    formatters["image/png"].for_type(Figure, _png_hidpi)
    for mime in ("image/svg+xml", "application/pdf", "image/jpeg"):
        formatters[mime].pop(Figure, None)


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter).

    Figures are drawn on an opaque white background with near-black text, so the text
    has a contrast of at least 4.5:1 (WCAG AA) whatever the page's theme (no single
    grey reaches 4.5:1 on both white and a near-black page); legends are opaque; fonts
    are sized for a figure shown at its natural width. In IPython, figures display as
    PNG at twice their resolution with their nominal width as display width.
    """
    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "figure.facecolor": BACKGROUND,
        "axes.facecolor": BACKGROUND,
        "savefig.facecolor": BACKGROUND,
        "savefig.transparent": False,
        "axes.edgecolor": AXES_COLOUR,
        "axes.labelcolor": TEXT_COLOUR,
        "axes.titlecolor": TEXT_COLOUR,
        "xtick.color": AXES_COLOUR,
        "ytick.color": AXES_COLOUR,
        "xtick.labelcolor": TEXT_COLOUR,
        "ytick.labelcolor": TEXT_COLOUR,
        "text.color": TEXT_COLOUR,
        "grid.color": GRID_COLOUR,
        "grid.alpha": 1.0,
        "grid.linewidth": 0.6,
        "axes.grid": True,
        "axes.axisbelow": True,
        "legend.framealpha": 1.0,
        "legend.facecolor": BACKGROUND,
        "legend.edgecolor": GRID_COLOUR,
        "legend.labelcolor": TEXT_COLOUR,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "lines.linewidth": 2.0,
        "lines.markersize": 6,
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    _register_png_formatter()


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: its name, chapter, one-line description and builder."""

    name: str
    chapter: str
    description: str
    build: Callable  # build(scale: str, seed: int) -> matplotlib.figure.Figure


_REGISTRY: dict[str, FigureSpec] = {}


def register_figure(name: str, chapter: str, description: str):
    """Decorator: register ``build(scale="small", seed=0) -> Figure`` under ``name``."""

    for value, label in ((name, "name"), (chapter, "chapter"), (description, "description")):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{label} must be a non-empty string, got {value!r}")

    def decorate(build):
        if not callable(build):
            raise TypeError(f"build must be callable, got {type(build).__name__}")
        if name in _REGISTRY:
            raise ValueError(f"figure {name!r} is registered twice")
        _REGISTRY[name] = FigureSpec(name, chapter, description, build)
        return build

    return decorate


def _load_figures() -> None:
    from . import figures  # noqa: F401  (importing registers every chapter's figures)


def figure_names() -> list[str]:
    """Names of every registered figure of the book."""
    _load_figures()
    return sorted(_REGISTRY)


def make_figure(name: str, scale: str = "small", seed: int = 0):
    """Compute and draw the book's figure ``name`` at ``scale`` ("small" or "large").

    Parameters
    ----------
    name : str
        One of :func:`figure_names`.
    scale : {"small", "large"}
    seed : int
        In [0, 2**62].
    """
    _load_figures()
    check_choice(name, "figure name", tuple(_REGISTRY))
    check_choice(scale, "scale", SCALES)
    seed = check_seed(seed, allow_generator=False)
    use_book_style()
    return _REGISTRY[name].build(scale=scale, seed=seed)


def registry() -> dict[str, FigureSpec]:
    """The registered figures by name."""
    _load_figures()
    return dict(_REGISTRY)
