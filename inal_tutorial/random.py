"""Seeds and random generators.

Every random function of the package takes ``seed``: an integer in
``[0, 2**62]`` (Python or numpy) or a ``torch.Generator``. An integer makes a
fresh generator, so the same integer always gives the same result.
"""

from __future__ import annotations

import torch

from ._validation import check_int, check_seed, check_size

SeedLike = int | torch.Generator

__all__ = ["SeedLike", "make_generator", "spawn_seeds"]


def make_generator(seed: SeedLike, name: str = "seed") -> torch.Generator:
    """Return a CPU ``torch.Generator`` from an integer seed (or pass a generator through).

    Random numbers are always drawn on the CPU and then moved to the requested
    device, so one seed gives the same initialization on a CPU and on a GPU.

    Parameters
    ----------
    seed : int or torch.Generator
        An integer in ``[0, 2**62]`` (``MAX_SEED``; a numpy
        integer gives exactly the same generator as the equal Python int), or an existing
        generator (returned as is).
    name : str
        The argument's name in error messages.
    """
    seed = check_seed(seed, name)
    if isinstance(seed, torch.Generator):
        return seed
    gen = torch.Generator()
    gen.manual_seed(seed)
    return gen


def spawn_seeds(seed: SeedLike, count: int) -> list[int]:
    """Draw ``count`` independent integer seeds in ``[0, 2**62)`` from ``seed``.

    Parameters
    ----------
    seed : int or torch.Generator
        As for :func:`make_generator`.
    count : int
        Number of seeds, ``count >= 0``; the list (about 48 bytes a seed) must fit in the
        tensor byte cap (the package's tensor-size check).
    """
    gen = make_generator(seed)
    count = check_int(count, "count", low=0)
    check_size({"count": count}, bytes_per_entry=48, what="a list of seeds")
    return [int(s) for s in torch.randint(0, 2**62, (count,), generator=gen)]
