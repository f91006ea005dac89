"""Shared test settings: float64 where exactness matters, deterministic torch."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _deterministic():
    torch.manual_seed(0)
    yield


@pytest.fixture
def memory_limit():
    """Cap this process's address space about 3 GB above its current size for one test.

    Bad-input tests that would allocate a huge tensor if a size guard regressed then fail
    with MemoryError/RuntimeError instead of swapping the machine. The limit is restored
    afterwards.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[0]) * resource.getpagesize()
    cap = current + 3 * 2**30
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield cap
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
