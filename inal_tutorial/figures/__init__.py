"""The book's figures, one module per chapter; importing this package registers them all.

Each module defines ``build(scale, seed) -> Figure`` functions decorated with
:func:`inal_tutorial.plotting.register_figure`. Regenerate any of them with
``inal-tutorial figure NAME --scale small|large`` (``figure --list`` lists them with
their cost).

Names are in one style, lower-case words joined by hyphens (``heldout-sweep``): a
chapter module that registers ``heldout_sweep`` is listed as ``heldout-sweep``, and
``FIGURE_ALIASES`` maps the former spelling to the new one.
``FIGURE_COSTS`` holds the measured cost of each figure, and ``apply_style``
turns a drawn figure into the ``paper`` style (opaque white, pure black text).
"""

from __future__ import annotations

import importlib
import pkgutil

__all__ = ["FIGURE_ALIASES", "FIGURE_COSTS", "FIGURE_STYLES", "canonical_name",
           "figure_cost", "describe_cost", "apply_style"]

#: Former figure names (as a chapter module registered them) -> their name now.
FIGURE_ALIASES: dict[str, str] = {}

#: Seconds of CPU time one figure takes on one core, ``{name: (small, large)}``; ``None``
#: where not measured. Measured with ``OMP_NUM_THREADS=1`` (CPU time, which load from
#: other processes does not inflate; the wall time on a busy machine is longer); a run
#: stopped at its time limit gives a lower bound, shown as "> N s".
FIGURE_COSTS: dict[str, tuple[float | None, float | None]] = {
    "alignment-activation-profiles": (0.1, 0.1),
    "alignment-depth-scaling": (2.6, None),
    "alignment-estimators": (0.9, None),
    "alignment-full-parity": (0.5, None),
    "alignment-majority-scaling": (0.1, None),
    "alignment-parity-scaling": (1.0, None),
    "cost-of-symmetry-depth": (16, None),
    "cost-of-symmetry-parity-scaling": (12, None),
    "cp-vs-n": (2.3, None),
    "digits-grid": (17, None),
    "digits-mlp-vs-cnn": (5.2, None),
    "digits-permuted-examples": (0.1, None),
    "explorer-fourier": (0.1, None),
    "explorer-inal": (0.2, None),
    "explorer-noisy-gd": (0.8, None),
    "fourier-degree-profiles": (0.1, None),
    "fourier-majority": (0.4, None),
    "heldout-sweep": (15, None),
    "inal-vs-accuracy": (8.2, 26),
    "inal-vs-cp": (0.3, None),
    "natural-weights-students": (13, None),
    "natural-weights-teacher-spectrum": (0.2, None),
    "noisy-gd-bound": (6.0, None),
    "noisy-gd-learnability": (5.2, None),
    "noisy-gd-sparse-parity": (2.8, None),
    "projects-staircase-vs-parity": (2.8, None),
    "sq-query-counts": (0.5, None),
}
#: (name, scale) whose cost in ``FIGURE_COSTS`` is a lower bound (the run was stopped).
_LOWER_BOUNDS: frozenset[tuple[str, str]] = frozenset({
    ("digits-grid", "small"),
    ("natural-weights-students", "small"),
})

#: Figure styles of ``apply_style``: ``"book"`` (as the chapters show it) and
#: ``"paper"`` (opaque white background, pure black text and axes).
FIGURE_STYLES = ("book", "paper")


def canonical_name(name: str) -> str:
    """The one-style spelling of a figure name: lower case, words joined by ``-``."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def _normalize_registry() -> None:
    from .. import plotting

    registry = plotting._REGISTRY
    for name in list(registry):
        new = canonical_name(name)
        if new == name:
            continue
        if new in registry:
            raise ValueError(f"figure names {name!r} and {new!r} collide")
        spec = registry.pop(name)
        registry[new] = type(spec)(new, spec.chapter, spec.description, spec.build)
        FIGURE_ALIASES[name] = new


def figure_cost(name: str, scale: str) -> float | None:
    """Measured seconds of CPU time of figure ``name`` at ``scale``, or None if unknown."""
    costs = FIGURE_COSTS.get(FIGURE_ALIASES.get(name, name))
    if costs is None:
        return None
    return costs[0] if scale == "small" else costs[1]


def describe_cost(name: str, scale: str) -> str:
    """The cost of figure ``name`` at ``scale`` as text: ``"~12 s"``, ``"~3 min"``; a
    measurement stopped at its cap reads ``"> 40 s"``; ``"?"`` when not measured."""
    seconds = figure_cost(name, scale)
    if seconds is None:
        return "?"
    capped = (FIGURE_ALIASES.get(name, name), scale) in _LOWER_BOUNDS
    if seconds < 1 and not capped:
        return "< 1 s"
    text = f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
    return ("> " if capped else "~") + text


def apply_style(fig, style: str = "book"):
    """Restyle a drawn figure for ``style`` (one of ``FIGURE_STYLES``); returns ``fig``.

    ``"book"`` leaves it as :func:`~inal_tutorial.plotting.use_book_style` drew it.
    ``"paper"`` (for a paper or slides) makes the figure and axes backgrounds opaque
    white and every achromatic (grey or near-black) text, tick, spine and legend frame
    pure black; data colours are kept.
    """
    from matplotlib.colors import to_rgba
    from matplotlib.text import Text

    if style not in FIGURE_STYLES:
        raise ValueError(f"style must be one of {list(FIGURE_STYLES)}, got {style!r}")
    if style == "book":
        return fig

    def achromatic(color) -> bool:
        try:
            r, g, b, _ = to_rgba(color)
        except ValueError:
            return False
        return max(r, g, b) - min(r, g, b) < 0.05 and r < 0.85

    fig.patch.set_facecolor("white")
    fig.patch.set_alpha(1.0)
    for text in fig.findobj(Text):
        if achromatic(text.get_color()):
            text.set_color("black")
    for ax in fig.axes:
        ax.patch.set_facecolor("white")
        ax.patch.set_alpha(1.0)
        for spine in ax.spines.values():
            if achromatic(spine.get_edgecolor()):
                spine.set_edgecolor("black")
        ax.tick_params(which="both", colors="black")
        legend = ax.get_legend()
        if legend is not None:
            legend.get_frame().set_facecolor("white")
            legend.get_frame().set_alpha(1.0)
            legend.get_frame().set_edgecolor("black")
    return fig


for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
_normalize_registry()
