"""The whole book's execution time and each chapter's peak memory, against the budgets.

Executes every ``book/*.ipynb`` (or the ones named) top to bottom in a fresh kernel, with
one thread (``OMP_NUM_THREADS=MKL_NUM_THREADS=1``) and ``TQDM_DISABLE=1`` as the Makefile
sets, in memory: the notebooks on disk are not modified. For each chapter it reports

* the wall time from kernel start to the last cell (what a reader waits for),
* the kernel's CPU time (user + system; less sensitive to other processes on the machine),
* the kernel's peak resident memory (the kernel process and its children, polled every
  50 ms with psutil),

and marks the budgets of the developers' guide: at most 90 s and 1.5 GB (1.5e9 bytes) per
chapter. Exit status 1 if a chapter fails to execute.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_book.py [book/alignment.ipynb ...]
"""

from __future__ import annotations

import argparse
import glob
import os
import threading
import time

import common  # noqa: F401  (one thread for this process and, through the environment, kernels)

os.environ.setdefault("PYTHONHASHSEED", "0")

import nbformat  # noqa: E402
import psutil  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

TIME_BUDGET_S = 90.0
MEMORY_BUDGET_BYTES = 1.5e9


class KernelMonitor(threading.Thread):
    """Polls the kernel of a running NotebookClient: peak RSS (with children) and CPU time."""

    def __init__(self, client: NotebookClient, period: float = 0.05):
        super().__init__(daemon=True)
        self.client, self.period = client, period
        self.peak_rss = 0
        self.cpu_seconds = 0.0
        self.running = True

    def _kernel(self) -> psutil.Process | None:
        km = getattr(self.client, "km", None)
        provisioner = getattr(km, "provisioner", None) if km is not None else None
        pid = getattr(provisioner, "pid", None) if provisioner is not None else None
        try:
            return psutil.Process(pid) if pid else None
        except psutil.NoSuchProcess:
            return None

    def run(self) -> None:
        process = None
        while self.running:
            process = process or self._kernel()
            if process is not None:
                try:
                    family = [process, *process.children(recursive=True)]
                    self.peak_rss = max(self.peak_rss, sum(p.memory_info().rss for p in family))
                    times = process.cpu_times()
                    self.cpu_seconds = times.user + times.system
                except psutil.Error:
                    pass
            time.sleep(self.period)


def execute(path: str, timeout: int) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(path) or "."}})
    monitor = KernelMonitor(client)
    monitor.start()
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as err:
        error = str(err).strip().splitlines()[-1][:120]
    except Exception as err:  # a kernel that died, a timeout: report, go on with the others
        error = f"{type(err).__name__}: {str(err)[:100]}"
    wall = time.perf_counter() - start
    monitor.running = False
    monitor.join()
    cells = sum(1 for c in nb.cells if c.cell_type == "code")
    return {"wall": wall, "cpu": monitor.cpu_seconds, "rss": monitor.peak_rss, "cells": cells,
            "error": error}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every book/*.ipynb")
    parser.add_argument("--timeout", type=int, default=600, help="per cell, seconds")
    args = parser.parse_args()
    paths = args.notebooks or sorted(glob.glob("book/*.ipynb"))
    if not paths:
        raise SystemExit("no notebooks found: run from the repository root")
    common.header("The book: execution time and peak memory per chapter, one thread")
    rows, total_wall, total_cpu, failed = [], 0.0, 0.0, 0
    for path in paths:
        result = execute(path, args.timeout)
        total_wall += result["wall"]
        total_cpu += result["cpu"]
        time_ok = result["wall"] <= TIME_BUDGET_S
        memory_ok = result["rss"] <= MEMORY_BUDGET_BYTES
        status = "FAILED: " + result["error"] if result["error"] else (
            "ok" if time_ok and memory_ok else
            " ".join(x for x, ok in (("OVER TIME", time_ok), ("OVER MEMORY", memory_ok)) if not ok))
        failed += result["error"] is not None
        rows.append([path, result["cells"], f"{result['wall']:.1f}", f"{result['cpu']:.1f}",
                     f"{result['rss'] / 1e9:.2f}", "yes" if time_ok else "NO",
                     "yes" if memory_ok else "NO", status])
        print(f"  done {path}: {result['wall']:.1f} s, {result['rss'] / 1e9:.2f} GB", flush=True)
    print()
    common.print_table(["chapter", "code cells", "wall s", "kernel CPU s", "peak GB",
                        f"<= {TIME_BUDGET_S:.0f} s", f"<= {MEMORY_BUDGET_BYTES / 1e9:.1f} GB",
                        "status"], rows)
    print(f"\nwhole book: {total_wall:.1f} s wall, {total_cpu:.1f} s kernel CPU, "
          f"{len(paths)} chapters, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
