"""Where the lower bound stops: noisy or large-batch GD versus small-batch SGD, and the
plateau of sparse parities (the chapter *Where the lower bound stops*).
"""

from __future__ import annotations

__all__: list[str] = []
