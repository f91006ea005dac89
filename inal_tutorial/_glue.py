"""``glue``: record a value for the book's ``{glue}`` roles, with or without myst-nb.

The book is built by Jupyter Book, whose myst-nb reads values that a notebook *glued*
(a display output whose MIME types carry a prefix and whose metadata names the value).
Readers run the same notebooks on Binder, Colab or a laptop, where myst-nb is usually
not installed: there :func:`glue` writes the same output bundle itself, so every chapter
runs everywhere and the built book reads the same values.
"""

from __future__ import annotations

from typing import Any

__all__ = ["glue"]

#: The MIME-type prefix myst-nb gives a glued value that is not displayed.
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Glue ``variable`` under ``name``: myst-nb's ``glue`` where it is installed.

    Otherwise the same output: the display data of ``variable``, its MIME types prefixed
    with ``application/papermill.record/`` when ``display`` is False, and the metadata
    ``{"scrapbook": {"name": name, "mime_prefix": prefix}}``.

    Parameters
    ----------
    name : str
        A non-empty name, unique within the notebook.
    variable : object
        The value; what is stored is how it displays (its ``repr`` for a number).
    display : bool
        Also show the value in the notebook.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        myst_glue = None
    if myst_glue is not None:
        myst_glue(name, variable, display)
        return
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
