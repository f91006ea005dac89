"""Executors for independent runs: serial (default), a local process pool, or Dask.

``run_tasks(fn, tasks, executor=None)`` returns ``[fn(*task) for task in tasks]`` in
the order of ``tasks``. ``executor`` is ``None`` (serial, in this process); other kinds
(a number of local worker processes, a Dask scheduler address) are being added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

__all__ = ["run_tasks"]


def run_tasks(
    fn: Callable[..., Any], tasks: Iterable[Sequence[Any]], executor: Any = None
) -> list[Any]:
    """Run ``fn(*task)`` for every task and return the results in order.

    Parameters
    ----------
    fn : callable
        A module-level function (so that worker processes can pickle it).
    tasks : iterable of tuples
        The positional arguments of each call.
    executor : None
        ``None`` runs serially in this process.
    """
    if executor is not None:
        raise ValueError(f"executor must be None for now, got {executor!r}")
    return [fn(*task) for task in tasks]
