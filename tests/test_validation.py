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
