"""Seeds and random generators.

Every random function of the package takes ``seed``: an integer or a
``torch.Generator``. An integer makes a fresh generator, so the same integer
always gives the same result.
"""

from __future__ import annotations

import numbers

import torch

SeedLike = int | torch.Generator


def make_generator(seed: SeedLike) -> torch.Generator:
    """Return a CPU ``torch.Generator`` from an integer seed (or pass a generator through).

    Random numbers are always drawn on the CPU and then moved to the requested
    device, so one seed gives the same initialization on a CPU and on a GPU.

    Parameters
    ----------
    seed : int or torch.Generator
        A non-negative integer below 2**63, or an existing generator (returned as is).
    """
    if isinstance(seed, torch.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"seed must be an int or a torch.Generator, got {type(seed).__name__} {seed!r}"
        )
    if not 0 <= int(seed) < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed}")
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return gen


def spawn_seeds(seed: SeedLike, count: int) -> list[int]:
    """Draw ``count`` independent integer seeds from ``seed`` (for sub-experiments)."""
    gen = make_generator(seed)
    return [int(s) for s in torch.randint(0, 2**62, (count,), generator=gen)]
