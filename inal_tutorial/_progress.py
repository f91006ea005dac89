"""One progress bar for the whole package.

``tqdm.auto`` shows a widget in Jupyter and a text bar elsewhere. The environment
variable ``TQDM_DISABLE=1`` (set by the Makefile and CI) silences every bar: it is
read here because tqdm honours it only when ``disable`` is not passed explicitly,
and ``tqdm.notebook`` always passes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from tqdm.auto import tqdm


def progress_disabled_by_environment() -> bool:
    """Whether ``TQDM_DISABLE`` is set to a true value."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("", "0", "false", "no")


def progress_bar(iterable: Iterable, *, total: int | None = None, desc: str | None = None,
                 enabled: bool = True, leave: bool = False) -> tqdm:
    """A ``tqdm`` bar over ``iterable``, disabled when ``enabled`` is false or by the environment."""
    return tqdm(iterable, total=total, desc=desc, leave=leave,
                disable=not enabled or progress_disabled_by_environment())
