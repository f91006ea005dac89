"""inal_tutorial: the companion package of the book *Initial alignment*.

The public API is flat: every public name of the modules below is importable as
``inal_tutorial.NAME``. Figures live in :mod:`inal_tutorial.plotting` /
:mod:`inal_tutorial.figures`, widgets in :mod:`inal_tutorial.widgets`, exercise
checkers in :mod:`inal_tutorial.exercises`.

The names are resolved on first use (PEP 562): ``import inal_tutorial`` itself loads
neither torch nor any module, so that the command line answers ``--help`` at once; the
first ``inal_tutorial.NAME`` imports the public modules (every module of the package but
``cli``, ``plotting``, ``widgets`` and ``random``, in alphabetical order) and finds
``NAME`` in their ``__all__`` (a later module wins a name two modules share, as a star
import would). ``from inal_tutorial import *``, ``dir()`` and ``__all__`` see every name.
"""

from ._glue import glue

__version__ = "0.1.0"

#: Modules that are not flat: the command line, the figure helpers and widgets (loaded
#: on first use below), and ``random``, of which two names are re-exported.
_NOT_FLAT = frozenset({"cli", "plotting", "widgets", "random"})
#: The modules whose ``__all__`` make up the flat API: every public module of the package
#: but those above, in alphabetical order (a later module's name wins, as it did when
#: this file star-imported them one by one). Listing the folder imports nothing.
_MODULES = tuple(sorted(
    info.name for info in __import__("pkgutil").iter_modules(__path__)
    if not info.ispkg and not info.name.startswith("_") and info.name not in _NOT_FLAT))
#: Single names re-exported from modules that are otherwise not flat.
_SINGLE_NAMES = {"use_book_style": "plotting", "make_generator": "random",
                 "spawn_seeds": "random"}
# Subpackages loaded on first use, so that ``it.exercises.fourier`` works after
# ``import inal_tutorial as it`` without making every import pay for widgets and figures.
_LAZY_SUBMODULES = ("exercises", "figures", "plotting", "widgets")
_INDEX: dict[str, str] = {}
_BUILDING: list[bool] = []


def _index() -> dict[str, str]:
    """Name -> module of every flat name (imports every module of ``_MODULES`` once)."""
    if not _INDEX:
        import importlib

        index = {}
        _BUILDING.append(True)
        try:
            for module in _MODULES:
                module_object = importlib.import_module(f".{module}", __name__)
                for name in getattr(module_object, "__all__", ()):
                    index[name] = module
        finally:
            _BUILDING.pop()
        index.update(_SINGLE_NAMES)
        _INDEX.update(index)
    return _INDEX


def __getattr__(name: str):
    import importlib
    import importlib.util

    if name == "__all__":
        names = sorted({"glue", *_index(), *_MODULES})
        globals()["__all__"] = names
        return names
    if name in _LAZY_SUBMODULES or name in _MODULES or name == "random":
        return importlib.import_module(f".{name}", __name__)
    # Private names and submodules (``from . import _x`` inside the package asks for
    # them first) never trigger the index; nor does a name asked while it is built.
    if not name.startswith("_") and not _BUILDING and importlib.util.find_spec(
            f"{__name__}.{name}") is None:
        module = _index().get(name)
        if module is not None:
            value = getattr(importlib.import_module(f".{module}", __name__), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_index(), *_MODULES, *_LAZY_SUBMODULES})
