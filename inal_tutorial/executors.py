r"""Executors for independent runs: serial (default), a local process pool, or Dask.

``run_tasks(fn, tasks, executor=None)`` returns ``[fn(*task) for task in tasks]`` in
the order of ``tasks``, wherever the calls run. The sweeps behind the book's ``large``
settings (:func:`~inal_tutorial.experiments.heldout_sweep`,
:func:`~inal_tutorial.experiments.inal_vs_accuracy`,
:func:`~inal_tutorial.digits_experiments.digits_experiment`,
:func:`~inal_tutorial.digits_experiments.digits_grid`) split their work into such
tasks and take the same ``executor=`` argument.

``executor`` is one of

* ``None`` (or ``1``): serially, in this process -- unless a default was set with
  :func:`use_executor`, which then applies;
* an int ``N >= 2``: ``N`` local worker processes (``concurrent.futures.ProcessPoolExecutor``,
  started with ``spawn`` so that no thread pool of this process is inherited);
* a ``concurrent.futures.Executor`` of your own (left open);
* ``"dask"``: a ``distributed.LocalCluster`` on this machine (one worker process
  per core, one thread each), closed afterwards;
* a scheduler address such as ``"tcp://10.0.0.5:8786"``: the Dask cluster behind it
  (the workers must have ``inal_tutorial`` installed);
* a ``distributed.Client``: that client's cluster (left open).

Dask is an optional dependency: ``pip install "inal-tutorial[dask]"`` (or
``pip install dask distributed``).

**Reproducibility.** Every task carries its own seed and every worker runs it with one
torch thread (``torch.set_num_threads``, restored afterwards in this process): the
results equal the serial run's, bit for bit, when the serial run is also single-threaded
(``OMP_NUM_THREADS=1``, as the book and the tests run), since a task's result depends
only on its arguments, never on the global random state or on which worker ran it.
With several threads, the serial run's float rounding may differ from the workers' in
the last digits.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

__all__ = ["run_tasks", "use_executor", "describe_executor", "DASK_EXTRA"]

#: The name of the extra that installs Dask, as in ``pip install "inal-tutorial[dask]"``.
DASK_EXTRA = "dask"
_DEFAULT: list[Any] = [None]


def _missing_dask(err: ImportError) -> ImportError:
    return ImportError(
        f"executor='dask' or a scheduler address needs Dask's distributed scheduler, which "
        f"is not installed ({err}): pip install \"inal-tutorial[{DASK_EXTRA}]\" "
        f"(or: pip install dask distributed)")


def _call_single_threaded(fn: Callable[..., Any], task: Sequence[Any]) -> Any:
    """``fn(*task)`` with one torch thread (the previous count restored afterwards)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn(*task)
    finally:
        torch.set_num_threads(threads)


def _check_executor(executor: Any) -> Any:
    """Normalize ``executor``, raising TypeError/ValueError naming it; no side effect."""
    if executor is None or isinstance(executor, concurrent.futures.Executor):
        return executor
    if isinstance(executor, bool):
        raise TypeError("executor must be None, an int >= 1, 'dask', a scheduler address, "
                        "a concurrent.futures.Executor or a distributed.Client, got a bool")
    if isinstance(executor, int):
        if not 1 <= executor <= 4096:
            raise ValueError(f"executor (number of worker processes) must be an integer in "
                             f"[1, 4096], got {executor}")
        return executor
    if isinstance(executor, str):
        if executor == "dask" or "://" in executor:
            return executor
        raise ValueError(f"executor must be 'dask' or a scheduler address like "
                         f"'tcp://host:8786', got {executor!r}")
    if type(executor).__name__ == "Client" and hasattr(executor, "submit") and hasattr(
            executor, "gather"):
        return executor
    raise TypeError(f"executor must be None, an int >= 1, 'dask', a scheduler address, a "
                    f"concurrent.futures.Executor or a distributed.Client, got "
                    f"{type(executor).__name__}")


def describe_executor(executor: Any = None) -> str:
    """A short description of where :func:`run_tasks` would run with ``executor``."""
    executor = _check_executor(executor)
    if executor is None:
        executor = _DEFAULT[0]
    if executor is None or executor == 1:
        return "serial (this process)"
    if isinstance(executor, int):
        return f"{executor} local worker processes"
    if executor == "dask":
        return f"a Dask LocalCluster ({os.cpu_count()} workers, one thread each)"
    if isinstance(executor, str):
        return f"the Dask scheduler at {executor}"
    return type(executor).__name__


@contextlib.contextmanager
def use_executor(executor: Any) -> Iterator[None]:
    """Within the ``with`` block, ``executor=None`` means ``executor`` (e.g. for the CLI).

    An explicit ``executor=`` argument still wins. ``executor`` is checked as in
    :func:`run_tasks`; a Dask cluster is started once for the whole block.
    """
    executor = _check_executor(executor)
    with contextlib.ExitStack() as stack:
        if isinstance(executor, str):
            executor = stack.enter_context(_dask_client(executor))
        elif isinstance(executor, int) and executor > 1:
            executor = stack.enter_context(_process_pool(executor))
        previous = _DEFAULT[0]
        _DEFAULT[0] = executor
        try:
            yield
        finally:
            _DEFAULT[0] = previous


def _process_pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextlib.contextmanager
def _dask_client(address: str) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise _missing_dask(err) from None
    if address == "dask":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        with Client(address) as client:
            yield client


def _progress(total: int, desc: str | None, enabled: bool):
    from ._progress import progress_bar

    return progress_bar(range(total), total=total, desc=desc, enabled=enabled)


def run_tasks(
    fn: Callable[..., Any], tasks: Iterable[Sequence[Any]], executor: Any = None, *,
    desc: str | None = None, progress: bool = False,
) -> list[Any]:
    """Run ``fn(*task)`` for every task and return the results in the order of ``tasks``.

    Parameters
    ----------
    fn : callable
        A module-level function (so that worker processes can pickle it) whose result
        depends only on its arguments: each task carries its own seed.
    tasks : iterable of tuples
        The positional arguments of each call (picklable for the parallel kinds).
    executor : None, int, str, concurrent.futures.Executor or distributed.Client
        ``None`` (default): serially in this process, or the default set by
        :func:`use_executor`; ``1`` serially; an int ``N >= 2``: ``N`` local worker
        processes; an Executor: submitted to it; ``"dask"``: a Dask ``LocalCluster``;
        ``"tcp://host:port"``: the Dask scheduler there; a ``distributed.Client``.
        Parallel workers run each task with one torch thread.
    desc : str, optional
        Label of the progress bar.
    progress : bool
        A progress bar over finished tasks (silenced by ``TQDM_DISABLE=1``).

    Returns
    -------
    list
        ``[fn(*task) for task in tasks]``, in order. An exception raised by a task is
        raised here.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    executor = _check_executor(executor)
    tasks = [tuple(task) for task in tasks]
    if executor is None:
        executor = _DEFAULT[0]
    if executor is None or executor == 1 or len(tasks) <= 1 and not isinstance(
            executor, str):
        results = []
        with _progress(len(tasks), desc, progress) as bar:
            for task in tasks:
                results.append(fn(*task))
                bar.update(1)
        return results
    if isinstance(executor, int):
        with _process_pool(min(executor, len(tasks))) as pool:
            return _run_futures(pool, fn, tasks, desc, progress)
    if isinstance(executor, concurrent.futures.Executor):
        return _run_futures(executor, fn, tasks, desc, progress)
    if isinstance(executor, str):
        with _dask_client(executor) as client:
            return _run_dask(client, fn, tasks, desc, progress)
    return _run_dask(executor, fn, tasks, desc, progress)


def _run_futures(pool: concurrent.futures.Executor, fn, tasks, desc, progress) -> list:
    futures = [pool.submit(_call_single_threaded, fn, task) for task in tasks]
    with _progress(len(tasks), desc, progress) as bar:
        for _ in concurrent.futures.as_completed(futures):
            bar.update(1)
    return [future.result() for future in futures]


def _run_dask(client, fn, tasks, desc, progress) -> list:
    try:
        from distributed import as_completed
    except ImportError as err:  # a Client without distributed cannot exist; be explicit
        raise _missing_dask(err) from None
    # pure=False: every task runs (no caching by the arguments' hash across calls)
    futures = [client.submit(_call_single_threaded, fn, task, pure=False) for task in tasks]
    with _progress(len(tasks), desc, progress) as bar:
        for _ in as_completed(futures):
            bar.update(1)
    return client.gather(futures)
