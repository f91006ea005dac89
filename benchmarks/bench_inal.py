"""Exact INAL over all 2^n inputs: throughput against a plain matmul, memory, the n = 20 budget.

For n = 16..22 and first-layer widths 256, 1024 and 4096 (one initialization: the cost is
per neuron, so M x width is what matters), ``neuron_correlations`` computes
:math:`\\sum_x f(x)\\sigma(w_v\\cdot x+b_v)` for every neuron v over all :math:`2^n` inputs
(f a 3-parity), which is all the exact INAL needs.

* ``matmul GF/s``: a plain float32 matmul timed in the same interleaved rounds as each case
  (so under the same load), two ways: the square 1024 x 1024 product (the machine's GEMM
  peak on one thread) and the straightforward
  method's own product, the pre-activations ``X @ W.T`` (chunks of 4096 inputs into a reused
  buffer; timed on the first 2^18 inputs, its rate does not depend on which), 2 n flops per
  (neuron, input).
* ``INAL GF/s``: dense-equivalent rate of the exact INAL, (2 n + 2) flops per (neuron,
  input) (pre-activation and the multiply-add with f) over its time. Our kernel does not
  do that matmul (it builds pre-activations by a split of the input bits, one addition per
  neuron-input), so this is the rate at which the straightforward method would have to run
  to match it; ``vs square / vs same-shape`` is INAL GF/s over each matmul's. Rates use the
  CPU time of the process (one thread), which does not count time spent descheduled when
  other processes load the machine; the INAL's wall time is shown too.
* ``extra MiB``: peak resident memory above the level before the call (polled every 2 ms),
  against the size the full ``2^n x width`` matrix of outputs would take.

Then the issue-2 budget: ``estimate_inal`` at n = 20 for 1,000 first-layer neurons
(4 initializations x width 250) must take less than 1 s.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_inal.py [--quick] [--repeats R]
"""

from __future__ import annotations

import argparse

import common
import torch

import inal_tutorial as it
from inal_tutorial.boolean import _bit_signs

#: The plain matmul is timed on at most this many inputs (its rate does not depend on which).
MATMUL_INPUTS = 1 << 18
#: Size of the square matmul timed alongside every case (the GEMM peak under the same load).
SQUARE = 1024


def plain_pre_activations(n: int, weight: torch.Tensor, buffer: torch.Tensor) -> None:
    """X @ W.T for the first min(2^n, MATMUL_INPUTS) inputs, chunks of ``buffer.shape[0]`` rows."""
    rows = buffer.shape[0]
    for start in range(0, min(2**n, MATMUL_INPUTS), rows):
        x = _bit_signs(torch.arange(start, start + rows), n, torch.float32)
        torch.mm(x, weight.T, out=buffer)


def run(ns, widths, repeats: int) -> None:
    common.header("Exact INAL over all 2^n inputs, one thread, float32")
    if ns:
        throughput(ns, widths, repeats)
    budget(repeats)


def throughput(ns, widths, repeats: int) -> None:
    gen = torch.Generator().manual_seed(0)
    sq_a, sq_b = (torch.randn(SQUARE, SQUARE, generator=gen) for _ in range(2))
    sq_out = torch.empty(SQUARE, SQUARE)
    rows_out = []
    for n in ns:
        target = it.Parity(n, k=3)
        for width in widths:
            net = it.MLPEnsemble(n, (width,), n_models=1, seed=0)
            weight = net.weights[0].detach()[0]
            rows = min(4096, 2**n)
            buffer = torch.empty(rows, width)
            t = common.interleaved({
                "inal": (lambda t=target, m=net: it.neuron_correlations(t, m), None),
                "matmul": (lambda n=n, w=weight, b=buffer: plain_pre_activations(n, w, b), None),
                "square": (lambda: torch.mm(sq_a, sq_b, out=sq_out), None),
            }, repeats)
            with common.PeakMemory() as memory:
                it.neuron_correlations(target, net)
            pairs = width * 2**n
            # Rates from CPU time (one thread each; immune to time spent descheduled).
            inal_gf = (2 * n + 2) * pairs / t["inal"].cpu_median / 1e9
            mm_gf = 2 * n * width * min(2**n, MATMUL_INPUTS) / t["matmul"].cpu_median / 1e9
            square_gf = 2 * SQUARE**3 / t["square"].cpu_median / 1e9
            full_mib = pairs * 4 / 2**20
            rows_out.append([n, width, f"{t['inal'].median:.3f}", f"{t['inal'].cpu_median:.3f}",
                             f"{square_gf:.0f}", f"{mm_gf:.0f}", f"{inal_gf:.0f}",
                             f"{inal_gf / square_gf:.2f}", f"{inal_gf / mm_gf:.2f}",
                             f"{memory.peak_mb:.0f}", f"{full_mib:.0f}",
                             f"{100 * max(t[k].noise for k in t):.0f}%"])
            print(f"  done n={n} width={width}", flush=True)
    print()
    common.print_table(["n", "width", "INAL s", "INAL CPU s", "square matmul GF/s",
                        "same-shape matmul GF/s", "INAL GF/s", "vs square", "vs same-shape",
                        "extra MiB", "full matrix MiB", "noise"], rows_out)



def budget(repeats: int) -> None:
    print("\n### Issue-2 budget: exact INAL, n = 20, 1,000 first-layer neurons\n")
    budget_rows = []
    for dtype in (torch.float32, torch.float64):
        net = it.MLPEnsemble(20, (250,), n_models=4, seed=0, dtype=dtype)
        target = it.Parity(20, k=3)
        t = common.interleaved({"estimate": (lambda t=target, m=net: it.estimate_inal(t, m),
                                             None)}, repeats)["estimate"]
        result = it.estimate_inal(target, net)
        budget_rows.append([str(dtype).replace("torch.", ""), f"{t.median:.3f}", f"{t.best:.3f}",
                            f"{t.cpu_median:.3f}", f"{100 * t.noise:.0f}%",
                            "yes" if t.median < 1 else "NO", "yes" if t.cpu_median < 1 else "NO",
                            f"{result.value:.3g}"])
    common.print_table(["dtype", "median wall s", "best wall s", "CPU s", "noise",
                        "< 1 s (wall)", "< 1 s (CPU)", "INAL"], budget_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 16, 20 and widths 256, 1024")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget-only", action="store_true", help="only the n = 20 budget")
    args = parser.parse_args()
    if args.budget_only:
        run([], [], args.repeats)
    elif args.quick:
        run([16, 20], [256, 1024], args.repeats)
    else:
        run([16, 18, 20, 22], [256, 1024, 4096], args.repeats)


if __name__ == "__main__":
    main()
