"""Staircases and leaps: targets given by their monomial supports, leap complexity,
and the experiments of the chapter *Staircases and leaps*.
"""

from __future__ import annotations

__all__: list[str] = []
