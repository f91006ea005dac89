"""run_tasks and the sweeps' executor= argument: serial, a local process pool and Dask give
the same records for the same seeds, in task order (issue 18, item 4)."""

import concurrent.futures
import multiprocessing
import sys

import pytest
import torch

import inal_tutorial as it
from inal_tutorial import executors

HELDOUT = dict(hidden=(8,), n_seeds=2, train_per_n2=2, steps_per_n2=0.2, batch_size=8,
               holdout_size=100, seed=1, progress=False)
HEADLINE = dict(n=9, hidden=(8,), n_seeds=2, n_init=4, steps=6, batch_size=8, n_evals=2,
                curve_test_size=64, seed=2, progress=False)


def _square_plus(x, y):
    return x * x + y


def _fails(x):
    raise ValueError(f"task {x} failed")


@pytest.fixture
def one_thread():
    """Serial runs with one torch thread, as the workers run (restored afterwards)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def pool():
    """Two spawned worker processes shared by the tests (each start costs a torch import)."""
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("spawn")) as executor:
        yield executor


def test_serial_is_the_list_comprehension_in_order():
    tasks = [(3, 1), (1, 0), (2, 5)]
    assert it.run_tasks(_square_plus, tasks) == [10, 1, 9]
    assert it.run_tasks(_square_plus, tasks, 1) == [10, 1, 9]
    assert it.run_tasks(_square_plus, []) == []


def test_a_task_that_raises_raises_in_the_caller(pool):
    with pytest.raises(ValueError, match="task 1 failed"):
        it.run_tasks(_fails, [(1,)])
    with pytest.raises(ValueError, match="task 2 failed"):
        it.run_tasks(_fails, [(2,), (3,)], pool)


@pytest.mark.parametrize("executor, error, pattern", [
    (0, ValueError, r"executor \(number of worker processes\) must be an integer in \[1, 4096\]"),
    (True, TypeError, "got a bool"),
    ("threads", ValueError, "executor must be 'dask' or a scheduler address"),
    (2.0, TypeError, "got float"),
])
def test_bad_executors_are_refused_before_any_work(executor, error, pattern):
    with pytest.raises(error, match=pattern):
        it.run_tasks(_square_plus, [(1, 1)], executor)
    with pytest.raises(error, match=pattern):
        it.heldout_sweep((9,), executor=executor, **HELDOUT)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(ImportError, match=r'pip install "inal-tutorial\[dask\]"'):
        it.run_tasks(_square_plus, [(1, 1), (2, 2)], "dask")


def test_use_executor_sets_and_restores_the_default(pool):
    assert executors.describe_executor() == "serial (this process)"
    with executors.use_executor(pool):
        assert executors.describe_executor() == "ProcessPoolExecutor"
        assert it.run_tasks(_square_plus, [(2, 0), (3, 0)]) == [4, 9]
        assert it.run_tasks(_square_plus, [(2, 1)], 1) == [5]  # explicit wins
    assert executors.describe_executor() == "serial (this process)"


def test_sweeps_do_not_depend_on_the_global_random_state():
    torch.manual_seed(0)
    a = it.heldout_sweep((9,), **HELDOUT)
    torch.manual_seed(12345)
    torch.rand(7)
    b = it.heldout_sweep((9,), **HELDOUT)
    assert a == b


def test_process_pool_gives_the_serial_records(pool, one_thread):
    assert it.heldout_sweep((9, 10), executor=pool, **HELDOUT) == \
        it.heldout_sweep((9, 10), **HELDOUT)
    assert it.inal_vs_accuracy(executor=pool, **HEADLINE) == it.inal_vs_accuracy(**HEADLINE)
    grid = dict(architectures=["MLP", "LC 3x3"], blocks=(8, 1), n_seeds=2, n_init=4, steps=3,
                batch_size=8, seed=0, progress=False)
    assert it.digits_grid(executor=pool, **grid) == it.digits_grid(**grid)
    digits = dict(n_seeds=2, n_init=2, steps=3, batch_size=8, n_evals=1, mlp_hidden=(8,),
                  cnn_channels=(2,), cnn_hidden=(), seed=0, progress=False)
    assert it.digits_experiment(executor=pool, **digits) == it.digits_experiment(**digits)


def test_an_int_starts_its_own_pool_and_keeps_the_order():
    tasks = [(k, 1) for k in range(5)]
    assert it.run_tasks(_square_plus, tasks, 2) == [k * k + 1 for k in range(5)]


def test_dask_local_cluster_gives_the_serial_records(one_thread):
    pytest.importorskip("distributed")
    serial = it.heldout_sweep((9, 10), **HELDOUT)
    assert it.heldout_sweep((9, 10), executor="dask", **HELDOUT) == serial
