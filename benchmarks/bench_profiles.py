"""Exact first-layer profiles before and after issue 18, on one thread.

"Before" is the former algorithm, copied below: a table of exact big-integer Krawtchouk
values K_k(d; n) for every k <= max_degree, each weight C(n,d) K_k(d) / (2^n C(n,k))
correctly rounded, then a dot product (Gaussian weights) or a matmul with the neuron table
(Rademacher weights): about n^3 big-integer operations. "After" is the package's
``gaussian_first_layer_profile`` / ``rademacher_first_layer_profile``: the normalized
three-term recurrence in floating point (k <= n/2, reflected above), O(n max_degree), and for
piecewise polynomial activations with a continuous bias prefix sums instead of the
neuron table. Both run side by side (interleaved rounds) for n = 100, 200, 500, where the
table also gives their largest disagreement; the new code alone for n = 1000, 2000, 4096.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_profiles.py [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse

import common
import numpy as np
import torch
from former_profiles import old_gaussian_profile, old_rademacher_profile

import inal_tutorial as it

CASES = {  # label: (old function, new function, keyword arguments)
    "gaussian, relu, N(0,1) bias": (old_gaussian_profile, it.gaussian_first_layer_profile, {}),
    "rademacher, relu, N(0,1) bias": (old_rademacher_profile, it.rademacher_first_layer_profile,
                                      {}),
    "rademacher, tanh, N(0,1) bias": (old_rademacher_profile, it.rademacher_first_layer_profile,
                                      {"activation": "tanh"}),
}


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def disagreement(new: np.ndarray, old: np.ndarray) -> str:
    """Largest relative difference where |old| > 1e-5, and largest absolute one elsewhere."""
    big = np.abs(old) > 1e-5
    rel = float((np.abs(new - old)[big] / np.abs(old[big])).max()) if big.any() else 0.0
    small = float(np.abs(new - old)[~big].max()) if (~big).any() else 0.0
    return f"{rel:.0e} / {small:.0e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="n = 100, 200 and 1000 only")
    args = parser.parse_args()
    both = (100, 200) if args.quick else (100, 200, 500)
    alone = (1000,) if args.quick else (1000, 2000, 4096)
    common.header("Exact first-layer profiles: big-integer tables vs recurrences")
    rows = []
    for label, (old, new, kwargs) in CASES.items():
        for n in both:
            timings = common.interleaved({
                "old": (lambda old=old, n=n, kwargs=kwargs: old(n, **kwargs), None),
                "new": (lambda new=new, n=n, kwargs=kwargs: new(n, **kwargs), None),
            }, args.repeats, warmup=0)
            agree = disagreement(new(n, **kwargs).values, old(n, **kwargs))
            t_old, t_new = timings["old"], timings["new"]
            rows.append([label, n, fmt(t_old.median), fmt(t_new.median),
                         f"{t_old.median / t_new.median:.0f}",
                         f"{t_old.cpu_median / t_new.cpu_median:.0f}",
                         f"{max(t_old.noise, t_new.noise):.0%}", agree])
        for n in alone:
            timing = common.interleaved({"new": (lambda new=new, n=n, kwargs=kwargs:
                                                 new(n, **kwargs), None)},
                                        args.repeats, warmup=0)["new"]
            rows.append([label, n, "-", fmt(timing.median), "-", "-", f"{timing.noise:.0%}",
                         "-"])
    common.print_table(["profile (max_degree = n)", "n", "old", "new", "speed-up (wall)",
                        "speed-up (CPU)", "noise", "max rel / abs diff"], rows)
    print("\nold and new interleaved in each round; median wall time of the rounds; noise = "
          "max/min - 1 of the wall times; max rel diff where |A_k| > 1e-5, abs diff elsewhere.")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
