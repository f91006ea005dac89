"""The book's figures, one module per chapter; importing this package registers them all.

Each module defines ``build(scale, seed) -> Figure`` functions decorated with
:func:`inal_tutorial.plotting.register_figure`. Regenerate any of them with
``python -m inal_tutorial figure NAME --scale small|large``.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
