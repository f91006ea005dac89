"""Shared pieces of the benchmarks: one thread, timing with noise, the machine's bounds, tables.

Every benchmark runs on ONE thread (the book's budget is one core) and times each case
``repeats`` times, interleaving the implementations it compares so that load from other
processes hits them alike. It reports the median wall time and the spread
(max/min - 1 over the repeats) as the noise, plus the median CPU time of the process
(``time.process_time``), which does not count time spent descheduled on a busy machine.
"""

from __future__ import annotations

import os

# One thread, set before torch or numpy start their thread pools.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("TQDM_DISABLE", "1")

import platform  # noqa: E402
import shlex  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


@dataclass
class Timing:
    """Wall and CPU seconds of the repeats of one measurement."""

    wall: list[float]
    cpu: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def best(self) -> float:
        return min(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def noise(self) -> float:
        """Spread of the wall times, max/min - 1."""
        return max(self.wall) / min(self.wall) - 1


def time_call(fn: Callable[[], object], setup: Callable[[], object] | None = None) -> tuple[float, float]:
    """(wall, cpu) seconds of one call of ``fn`` (``setup`` runs first, untimed)."""
    if setup is not None:
        setup()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def interleaved(cases: dict[str, tuple[Callable, Callable | None]], repeats: int,
                warmup: int = 1) -> dict[str, Timing]:
    """Time each case ``repeats`` times, alternating cases within each round."""
    for _ in range(warmup):
        for fn, setup in cases.values():
            time_call(fn, setup)
    out = {name: Timing([], []) for name in cases}
    for _ in range(repeats):
        for name, (fn, setup) in cases.items():
            wall, cpu = time_call(fn, setup)
            out[name].wall.append(wall)
            out[name].cpu.append(cpu)
    return out


def copy_bandwidth(megabytes: int = 256, repeats: int = 7) -> dict[str, float]:
    """Main-memory bandwidth in GB/s measured now: a large copy (read + write) and a STREAM-like
    triad a = b + s c (two reads + one write), in torch and numpy; the best of each."""
    n = megabytes * 2**20 // 8
    src, dst, other = (torch.rand(n, dtype=torch.float64) for _ in range(3))
    a, b, c = (np.random.default_rng(i).random(n) for i in range(3))
    results = {}
    results["copy (torch)"] = 2 * 8 * n / min(time_call(lambda: dst.copy_(src))[0]
                                              for _ in range(repeats)) / 1e9
    results["triad (torch)"] = 3 * 8 * n / min(
        time_call(lambda: torch.add(src, other, alpha=3.0, out=dst))[0] for _ in range(repeats)) / 1e9
    results["copy (numpy)"] = 2 * 8 * n / min(time_call(lambda: np.copyto(a, b))[0]
                                              for _ in range(repeats)) / 1e9

    def triad():
        np.multiply(c, 3.0, out=a)
        a.__iadd__(b)

    # numpy's triad takes two passes (multiply, then add): count their five streams.
    results["triad (numpy, 2 passes)"] = 5 * 8 * n / min(time_call(triad)[0]
                                                         for _ in range(repeats)) / 1e9
    return results


def matmul_gflops(size: int = 2048, dtype: torch.dtype = torch.float32, repeats: int = 5) -> float:
    """GFLOP/s of a plain square matmul (2 size^3 flops) on one thread, measured now."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(size, size, generator=gen, dtype=dtype)
    y = torch.randn(size, size, generator=gen, dtype=dtype)
    out = torch.empty(size, size, dtype=dtype)
    torch.mm(x, y, out=out)
    best = min(time_call(lambda: torch.mm(x, y, out=out))[0] for _ in range(repeats))
    return 2 * size**3 / best / 1e9


class PeakMemory:
    """Peak resident memory of this process above its level at entry, polled every ``period`` s."""

    def __init__(self, period: float = 0.002):
        import psutil

        self.process = psutil.Process()
        self.period = period
        self.peak_mb = 0.0

    def __enter__(self):
        self.base = self.process.memory_info().rss
        self.peak = self.base
        self.running = True
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.period)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)
        self.peak_mb = (self.peak - self.base) / 2**20


def machine_line() -> str:
    """One line naming the machine, the libraries and the thread count."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"machine: {cpu}, {os.cpu_count()} logical CPUs, load average {load:.1f} at start; "
            f"python {platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}; "
            f"torch threads {torch.get_num_threads()}; CUDA available: {torch.cuda.is_available()}")


def command_line() -> str:
    """The command that reproduces this run, from the repository root."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = os.path.relpath(os.path.abspath(sys.argv[0]), root)
    python = os.path.relpath(sys.executable, root)  # e.g. .venv/bin/python
    if python.startswith(".."):
        python = os.path.basename(sys.executable)
    return " ".join([python, shlex.quote(script), *map(shlex.quote, sys.argv[1:])])


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (pasted as is into benchmarks/README.md)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def header(title: str) -> None:
    print(f"## {title}\n")
    print(f"command: `{command_line()}`\n")
    print(machine_line() + "\n")
