"""The unit sphere: sampling, Gegenbauer polynomials, spherical-harmonic targets and the
sphere's first-layer profile (the chapter *The sphere*).
"""

from __future__ import annotations

__all__: list[str] = []
