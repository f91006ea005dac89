"""Walsh–Hadamard transform: our kernels against the C library fht-cpu and the memory bound.

For n = 16..24, float32 and float64, a single vector and a batch of rows (``max(4,
2**(24-n))`` rows, so the batch is at least 2**24 entries and never fits in cache):

* ``C``        fht-cpu's SIMD C implementation (``fht_cpu.fht``, one thread);
* ``package``  what ``walsh_hadamard`` runs here (``fourier._fwht_inplace``): the C library
               when it is installed, as in this environment;
* ``torch``    the pure-PyTorch fallback (``fourier._fwht_torch``), what runs without fht-cpu
               (the project's own .venv, Binder, Colab).

Percent of bandwidth: (bytes that must move through memory for the passes made) / time,
over the bandwidth of a plain copy of the same array (read + write, ``2 x bytes`` / time)
timed in the same interleaved rounds, so that both see the same load and the same cache
level (arrays of a few MiB stay in cache: their bound is the cache's). The torch kernel
makes one sweep (read + write of the whole array: 2 x bytes) when a row fits in a block
of 2**17 entries, two sweeps above (low bits by segment, then high bits by column block);
arrays of at most 2**17 entries stay in cache and make n passes of 3 x bytes. The C
library's internal passes are not known, so it is charged the lower bound any
implementation must pay: one sweep. Our kernels are reported against both.

Run (from the repository root, after ``bash benchmarks/setup_env.sh``)::

    benchmarks/.venv/bin/python benchmarks/bench_fwht.py [--quick] [--repeats R]
"""

from __future__ import annotations

import argparse

import common  # sets one thread before torch starts
import torch

from inal_tutorial import fourier

try:
    import fht_cpu
except ImportError:  # the comparison needs the benchmark environment
    raise SystemExit("fht-cpu is not installed: run `bash benchmarks/setup_env.sh` and use "
                     "benchmarks/.venv/bin/python") from None


def torch_kernel_bytes(n: int, rows: int, itemsize: int) -> int:
    """Bytes the pure-PyTorch kernel moves through memory (see the module docstring)."""
    size = rows * 2**n * itemsize
    if rows * 2**n <= 1 << fourier._BLOCK_BITS:
        return n * 3 * size
    return (1 if n <= fourier._BLOCK_BITS else 2) * 2 * size


def measure(n: int, dtype: torch.dtype, rows: int, repeats: int) -> dict[str, common.Timing]:
    """Time C, package and torch on the same ``rows x 2**n`` data, after checking they agree."""
    gen = torch.Generator().manual_seed(n)
    source = torch.randn(rows, 2**n, generator=gen, dtype=dtype)
    work = source.clone()
    work_np = work.numpy()  # shares memory with ``work``

    def reset():
        work.copy_(source)

    def c_call():
        if rows == 1:
            fht_cpu.fht(work_np[0])
        else:
            fht_cpu.fht(work_np, num_threads=1)

    copy_target = torch.empty_like(source)
    cases = {
        "copy": (lambda: copy_target.copy_(source), None),  # the bound, under the same load
        "C": (c_call, reset),
        "package": (lambda: fourier._fwht_inplace(work, n), reset),
        "torch": (lambda: fourier._fwht_torch(work, n), reset),
    }
    # Same results before timing (float tolerance: different summation orders).
    results = {}
    for name in ("C", "package", "torch"):
        fn, setup = cases[name]
        setup()
        fn()
        results[name] = work.clone()
    tol = (1e-5 if dtype == torch.float32 else 1e-12) * float(results["C"].abs().max())
    for name in ("package", "torch"):
        assert float((results[name] - results["C"]).abs().max()) <= tol, (n, name)
    return common.interleaved(cases, repeats)


def run(ns, repeats: int) -> None:
    common.header("Walsh–Hadamard transform, one thread")
    bandwidth = common.copy_bandwidth()
    print("main-memory bandwidth measured now (256 MiB arrays): "
          + ", ".join(f"{k} {v:.1f} GB/s" for k, v in bandwidth.items()))
    backend = "fht-cpu" if fourier._uses_c_backend(torch.zeros(2)) else "torch"
    print(f"package kernel here: {backend}\n")
    rows_out = []
    for n in ns:
        for dtype in (torch.float32, torch.float64):
            for mode in ("single", "batched"):
                rows = 1 if mode == "single" else max(4, 2 ** (24 - n))
                t = measure(n, dtype, rows, repeats)
                itemsize = torch.empty((), dtype=dtype).element_size()
                size = rows * 2**n * itemsize
                c_med, torch_med, pkg_med = t["C"].median, t["torch"].median, t["package"].median
                # Bandwidth of a copy of the same array in the same rounds (read + write).
                copy_bw = 2 * size / t["copy"].median
                torch_bytes = torch_kernel_bytes(n, rows, itemsize)
                rows_out.append([
                    n, str(dtype).replace("torch.", ""), rows, f"{size / 2**20:.0f}",
                    f"{c_med * 1e3:.2f}", f"{pkg_med * 1e3:.2f}", f"{torch_med * 1e3:.2f}",
                    f"{pkg_med / c_med:.2f}", f"{torch_med / c_med:.1f}",
                    f"{t['torch'].cpu_median / max(t['C'].cpu_median, 1e-9):.1f}",
                    f"{copy_bw / 1e9:.1f}",
                    f"{100 * torch_bytes / torch_med / copy_bw:.0f}",
                    f"{100 * 2 * size / torch_med / copy_bw:.0f}",
                    f"{100 * 2 * size / pkg_med / copy_bw:.0f}",
                    f"{100 * 2 * size / c_med / copy_bw:.0f}",
                    f"{100 * max(t[k].noise for k in t):.0f}%",
                ])
                print(f"  done n={n} {dtype} {mode}", flush=True)
    print()
    common.print_table(
        ["n", "dtype", "rows", "MiB", "C ms", "package ms", "torch ms", "package/C",
         "torch/C", "torch/C (CPU time)", "copy GB/s", "torch % bw (passes made)",
         "torch % bw (1 sweep)", "package % bw (1 sweep)", "C % bw (1 sweep)", "noise"],
        rows_out)
    after = common.copy_bandwidth()
    print("\nmemory bandwidth measured again at the end: "
          + ", ".join(f"{k} {v:.1f} GB/s" for k, v in after.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 16, 20, 24 only")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    run([16, 20, 24] if args.quick else list(range(16, 25)), args.repeats)


if __name__ == "__main__":
    main()
