"""Argument checks name the argument and the allowed range."""

import math

import numpy as np
import pytest
import torch

from inal_tutorial import _validation as v
from inal_tutorial import make_generator, spawn_seeds


def test_check_int():
    assert v.check_int(np.int64(3), "k", low=0) == 3
    with pytest.raises(TypeError, match="k must be an integer, got bool"):
        v.check_int(True, "k")
    with pytest.raises(ValueError, match=r"k must be an integer in \[0, 4\], got 5"):
        v.check_int(5, "k", low=0, high=4)


def test_check_float():
    assert v.check_float(1, "lr", low=0, low_open=True) == 1.0
    with pytest.raises(ValueError, match=r"lr must be in \(0, inf\]"):
        v.check_float(0.0, "lr", low=0, low_open=True)
    with pytest.raises(ValueError, match="lr must be finite"):
        v.check_float(math.nan, "lr")
    with pytest.raises(TypeError, match="lr must be a real number"):
        v.check_float("0.1", "lr")
    with pytest.raises(ValueError, match=r"tau must be in \(0, 1\)"):
        v.check_float(1.0, "tau", low=0, high=1, low_open=True, high_open=True)


def test_check_choice_and_support():
    assert v.check_choice("relu", "activation", ("relu",)) == "relu"
    with pytest.raises(TypeError, match="activation must be a string"):
        v.check_choice(3, "activation", ("relu",))
    assert v.check_support([3, 1], 4) == (1, 3)
    with pytest.raises(TypeError, match="support must be a sequence"):
        v.check_support("01", 4)


def test_as_tensor_and_lengths():
    assert v.as_tensor([1, 2], "values").dtype == torch.float64
    with pytest.raises(TypeError, match="values must be numeric"):
        v.as_tensor(torch.tensor([True]), "values")
    with pytest.raises(ValueError, match="values contains NaN"):
        v.as_tensor([1.0, math.inf], "values")
    assert v.log2_length(1024, "table") == 10
    with pytest.raises(ValueError, match="at most 2\\^24"):
        v.log2_length(2**25, "table")


def test_generators_are_reproducible():
    a = torch.rand(3, generator=make_generator(5))
    b = torch.rand(3, generator=make_generator(5))
    assert torch.equal(a, b)
    gen = torch.Generator().manual_seed(1)
    assert make_generator(gen) is gen
    seeds = spawn_seeds(0, 4)
    assert seeds == spawn_seeds(0, 4) and len(set(seeds)) == 4


# --- the shared checks used across the API (issue: bad input at the public API) ---

def test_check_int_refuses_floats_and_floating_tensors_instead_of_truncating():
    from inal_tutorial._validation import check_int, check_support
    assert check_int(np.int64(3), "k") == 3
    assert check_int(torch.tensor(3), "k") == 3
    for bad in (1.9, 2.0, torch.tensor(1.9), torch.tensor(True), True):
        with pytest.raises(TypeError, match="k must be an integer"):
            check_int(bad, "k")
    with pytest.raises(TypeError, match="support entry must be an integer"):
        check_support(torch.tensor([0.7, 1.9]), 4)
    assert check_support(torch.tensor([2, 0]), 4) == (0, 2)


def test_check_seed_range_and_generator():
    from inal_tutorial._validation import MAX_SEED, check_seed
    g = torch.Generator()
    assert check_seed(g) is g
    assert check_seed(np.int32(5)) == 5
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4611686018427387904\]"):
        check_seed(MAX_SEED + 1)
    with pytest.raises(TypeError, match="data_seed must be an int, got Generator"):
        check_seed(g, "data_seed", allow_generator=False)
    with pytest.raises(TypeError, match="seed must be an int or a torch.Generator"):
        check_seed(1.0)


def test_check_dtype_refuses_strings_and_non_float_dtypes():
    from inal_tutorial._validation import check_dtype
    assert check_dtype(torch.float64) is torch.float64
    with pytest.raises(TypeError, match="dtype must be a torch dtype.*got str 'float32'"):
        check_dtype("float32")
    with pytest.raises(ValueError, match="dtype must be one of torch.float32, torch.float64, got torch.bool"):
        check_dtype(torch.bool)


def test_check_device_names_what_the_machine_has():
    from inal_tutorial._validation import check_device
    assert check_device(None) == torch.device("cpu")
    assert check_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda"):
        check_device("gpu")
    with pytest.raises(ValueError, match="'mps' is not supported"):
        check_device("mps")
    with pytest.raises(TypeError, match="device must be None, a string"):
        check_device(3)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            check_device("cuda")


def test_check_size_uses_the_product_and_names_every_factor(monkeypatch):
    from inal_tutorial._validation import check_size, max_tensor_bytes
    assert check_size({"n": 10, "width": 10}) == 100
    with pytest.raises(ValueError, match=r"n, width too large: .*n = 4096 x width = 1000000 "
                                         r"entries would need 30.5 GB"):
        check_size({"n": 4096, "width": 10**6})
    monkeypatch.setenv("INAL_MAX_TENSOR_BYTES", "800")
    assert max_tensor_bytes() == 800
    with pytest.raises(ValueError, match="limit of 800 B"):
        check_size({"n": 101}, bytes_per_entry=8)
    monkeypatch.setenv("INAL_MAX_TENSOR_BYTES", "lots")
    with pytest.raises(ValueError, match="INAL_MAX_TENSOR_BYTES must be a positive integer"):
        max_tensor_bytes()
