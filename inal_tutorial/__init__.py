"""inal_tutorial: the companion package of the book *Initial alignment*.

The public API is flat: every name below is importable as ``inal_tutorial.NAME``.
Figures live in :mod:`inal_tutorial.plotting` / :mod:`inal_tutorial.figures`,
widgets in :mod:`inal_tutorial.widgets`, exercise checkers in
:mod:`inal_tutorial.exercises`.
"""

from ._glue import glue
from .alignment import *  # noqa: F403
from .boolean import *  # noqa: F403
from .convnets import *  # noqa: F403
from .data import *  # noqa: F403
from .digits_experiments import *  # noqa: F403
from .executors import *  # noqa: F403
from .experiments import *  # noqa: F403
from .fourier import *  # noqa: F403
from .intervals import *  # noqa: F403
from .leaps import *  # noqa: F403
from .lower_bound import *  # noqa: F403
from .networks import *  # noqa: F403
from .neuron_profiles import *  # noqa: F403
from .plotting import use_book_style
from .profiles import *  # noqa: F403
from .random import make_generator, spawn_seeds
from .sgd_regimes import *  # noqa: F403
from .sphere import *  # noqa: F403
from .sq import *  # noqa: F403
from .statistical_queries import *  # noqa: F403
from .symmetry import *  # noqa: F403
from .teachers import *  # noqa: F403
from .training import *  # noqa: F403

__version__ = "0.1.0"

# Subpackages loaded on first use, so that ``it.exercises.fourier`` works after
# ``import inal_tutorial as it`` without making every import pay for widgets and figures.
_LAZY_SUBMODULES = ("exercises", "figures", "plotting", "widgets")


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
