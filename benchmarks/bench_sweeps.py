"""A `large` sweep serially, on 2 local worker processes and on a 2-worker Dask LocalCluster.

The sweep is ``inal_vs_accuracy(**HEADLINE_SETTINGS["large"])``: 13 targets on 15 bits,
32 seeds each (about 30 s of CPU on one core), in 14 tasks
(:func:`inal_tutorial.executors.run_tasks`): one computes every target's INAL, the others
train one target each. ``--sweep heldout`` runs
``heldout_sweep`` with ``HELDOUT_SETTINGS["large"]`` but ``ns = (12, 15, 18)`` (the real
large setting adds n = 21 and takes well over 3 minutes on one core; one task per n, so
its 2-worker speed-up is capped by the largest n). ``--quick`` runs the ``small``
setting instead.

The three runs go one after the other in one process, each from a cold start (the
pool's and the cluster's start-up -- spawning workers that import torch -- is part of
what a user pays). Reported per run: wall time, CPU time of this process, CPU time of
the worker processes (``RUSAGE_CHILDREN``: workers reaped when the pool or cluster
closes), the load average before it, and whether its records equal the serial run's.
On a machine shared with other jobs the wall times are inflated, the CPU times are not:
the speed-up an idle 2-core machine would show is bounded by serial CPU over the
largest per-worker CPU share.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_sweeps.py [--quick] [--sweep headline|heldout]
        [--output benchmarks/results/sweeps.md]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import common  # noqa: F401  (one thread before torch starts, TQDM_DISABLE)

import inal_tutorial as it


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sweep(name: str, quick: bool):
    if name == "headline":
        settings = dict(it.HEADLINE_SETTINGS["small" if quick else "large"])
        return "inal_vs_accuracy", settings, it.inal_vs_accuracy
    settings = dict(it.HELDOUT_SETTINGS["small" if quick else "large"])
    if not quick:
        settings["ns"] = (12, 15, 18)
    return "heldout_sweep", settings, it.heldout_sweep


def run(name: str, quick: bool) -> tuple[str, list[dict]]:
    label, settings, fn = _sweep(name, quick)
    rows = []
    reference = None
    for kind, executor in (("serial", None), ("process pool, 2 workers", 2),
                           ("Dask LocalCluster, 2 workers", "dask")):
        load = os.getloadavg()[0]
        wall0, cpu0, child0 = time.perf_counter(), time.process_time(), _children_cpu()
        records = fn(**settings, progress=False, executor=executor)
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        child = _children_cpu() - child0
        if reference is None:
            reference = records
        rows.append(dict(kind=kind, wall=wall, cpu=cpu, workers_cpu=child, load=load,
                         same=records == reference))
        print(f"{kind}: {wall:.1f} s wall, {cpu:.1f} s CPU here + {child:.1f} s in workers, "
              f"load {load:.1f}, same records: {records == reference}", flush=True)
    shown = {k: v for k, v in settings.items()}
    return f"{label}({', '.join(f'{k}={v!r}' for k, v in shown.items())})", rows


def to_markdown(title: str, rows: list[dict], command: str) -> str:
    serial = rows[0]
    lines = [
        "# Sweeps: serial vs 2 local workers", "",
        f"Command: `{command}`; {os.cpu_count()} CPU cores, shared with other jobs "
        "(load average at the start of each run in the table). One torch thread per "
        "process.", "",
        f"Sweep: `{title}`.", "",
        "| run | wall (s) | speed-up (wall) | CPU here (s) | CPU in workers (s) | "
        "load | records = serial |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['kind']} | {r['wall']:.1f} | {serial['wall'] / r['wall']:.2f}x | "
                     f"{r['cpu']:.1f} | {r['workers_cpu']:.1f} | {r['load']:.1f} | "
                     f"{'yes' if r['same'] else 'NO'} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small setting")
    parser.add_argument("--sweep", choices=("headline", "heldout"), default="headline",
                        help="which large sweep (default: headline, inal_vs_accuracy)")
    parser.add_argument("--output", default=None, help="write the table (markdown) here")
    args = parser.parse_args()
    title, rows = run(args.sweep, args.quick)
    text = to_markdown(title, rows, " ".join(["python", *sys.argv]))
    print(text)
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
    if not all(r["same"] for r in rows):
        raise SystemExit("a parallel run's records differ from the serial run's")


if __name__ == "__main__":
    main()
