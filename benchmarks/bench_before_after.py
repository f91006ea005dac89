"""The kernels before and after the performance work of issue 7, in CPU time on one thread.

The "before" versions are loaded from the repository's history (``git show COMMIT:path``,
default the first commit of the package core): ``fourier._fwht_inplace`` (three in-place
ops per butterfly pass over the whole array) and ``alignment.neuron_correlations`` (a
matmul over the n coordinates and a product with f for every chunk of inputs). "After" is
the working tree's pure-PyTorch transform ``fourier._fwht_torch`` (without the optional C
library) and ``neuron_correlations``. Both give the same results (see tests/test_device.py).

Run (from the repository root, in a git checkout)::

    .venv/bin/python benchmarks/bench_before_after.py [--commit 7064dd3]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import torch

import inal_tutorial as it
from inal_tutorial import fourier


def load_old(commit: str, module: str, directory: Path):
    """Import ``inal_tutorial/<module>.py`` as it was at ``commit`` (relative imports made absolute)."""
    source = subprocess.run(["git", "show", f"{commit}:inal_tutorial/{module}.py"],
                            capture_output=True, text=True, check=True).stdout
    path = directory / f"old_{module}.py"
    path.write_text(source.replace("from .", "from inal_tutorial."))
    spec = importlib.util.spec_from_file_location(f"old_{module}", path)
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def cpu_seconds(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="7064dd3")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    common.header(f"Kernels before ({args.commit}) and after, best CPU time of "
                  f"{args.repeats}, one thread")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old_fourier = load_old(args.commit, "fourier", Path(tmp))
        old_alignment = load_old(args.commit, "alignment", Path(tmp))
        for n, count in ((20, 1), (24, 1), (16, 256)):
            for dtype in (torch.float32, torch.float64):
                source = torch.randn(count, 2**n, dtype=dtype)
                work = source.clone()

                def run(kernel, n=n, work=work, source=source):
                    work.copy_(source)
                    kernel(work, n)

                before = cpu_seconds(lambda: run(old_fourier._fwht_inplace), args.repeats)
                after = cpu_seconds(lambda: run(fourier._fwht_torch), args.repeats)
                rows.append([f"Walsh-Hadamard (torch), n = {n}, {count} row(s)",
                             str(dtype).replace("torch.", ""), f"{before * 1e3:.0f} ms",
                             f"{after * 1e3:.0f} ms", f"{before / after:.1f}"])
        target = it.Parity(20, k=3)
        for dtype in (torch.float32, torch.float64):
            net = it.MLPEnsemble(20, (250,), n_models=4, seed=0, dtype=dtype)
            before = cpu_seconds(lambda net=net: old_alignment.neuron_correlations(target, net), 1)
            after = cpu_seconds(lambda net=net: it.neuron_correlations(target, net),
                                args.repeats)
            rows.append(["exact neuron_correlations, n = 20, 4 x 250 neurons",
                         str(dtype).replace("torch.", ""), f"{before:.2f} s", f"{after:.2f} s",
                         f"{before / after:.1f}"])
    common.print_table(["kernel", "dtype", "before", "after", "speed-up"], rows)


if __name__ == "__main__":
    main()
