"""The book's figure style and the registry of figures.

* :func:`use_book_style` sets one matplotlib style for every chapter: transparent
  backgrounds and mid-grey text and axes, so a figure reads on the light and the
  dark theme of the online book alike; a colour-blind-safe palette.
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

__all__ = ["PALETTE", "use_book_style", "register_figure", "make_figure", "figure_names",
           "FigureSpec", "SCALES"]

#: Okabe–Ito colour-blind-safe palette (readable on white and on near-black).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999"]
#: Scales a figure can be regenerated at.
SCALES = ("small", "large")
_GREY = "#808080"


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter)."""
    mpl.rcParams.update({
        "figure.figsize": (6.4, 4.0),
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "figure.facecolor": "none",
        "axes.facecolor": "none",
        "savefig.facecolor": "none",
        "savefig.transparent": True,
        "axes.edgecolor": _GREY,
        "axes.labelcolor": _GREY,
        "axes.titlecolor": _GREY,
        "xtick.color": _GREY,
        "ytick.color": _GREY,
        "text.color": _GREY,
        "grid.color": _GREY,
        "grid.alpha": 0.3,
        "axes.grid": True,
        "legend.framealpha": 0.0,
        "legend.edgecolor": _GREY,
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "lines.linewidth": 2.0,
        "lines.markersize": 6,
        "font.size": 11,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


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
