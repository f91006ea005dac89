"""The formula for every neuron: E<f, NN_v>^2 = sum_k W^k(f) A_k^(v)(n), and its bound."""

import math

import numpy as np
import pytest
import torch

import inal_tutorial as it
from inal_tutorial.figures import alignment as figs

N = 7


def _targets():
    gen = torch.Generator().manual_seed(11)
    return {
        "majority": it.Majority(N),
        "parity k=2": it.Parity(N, [1, 4]),
        "parity k=3": it.Parity(N, k=3),
        "staircase": it.Staircase(N, 5),
        "biased junta": it.Junta(N, [0, 2, 5], 1 - 2 * torch.randint(0, 2, (8,),
                                                                    generator=gen)),
        "random function": it.RandomFunction(N, seed=3),
    }


def _paired_z(target, net, profile, result=None):
    result = it.estimate_inal(target, net) if result is None else result
    gap = result.per_init - profile.inal_per_init(target)
    return gap.mean(0) / (gap.std(0, ddof=1) / math.sqrt(gap.shape[0]))


@pytest.mark.parametrize("hidden", [(16, 16), (12, 12, 8)])
def test_formula_holds_for_every_layer(hidden):
    net = it.MLPEnsemble(N, hidden, n_models=64, seed=4, dtype=torch.float64)
    profile = it.neuron_profile(net)
    assert profile.values.shape == (len(hidden) + 1, N + 1)
    for name, target in _targets().items():
        result = it.estimate_inal(target, net)
        z = _paired_z(target, net, profile, result)
        assert np.all(np.abs(z) < 4), (name, z)
        # the unpaired comparison agrees too, within the measured standard errors
        assert np.all(np.abs(result.per_layer - profile.inal(target))
                      < 4 * result.per_layer_stderr + 1e-12), name


def test_identity_fails_without_sign_symmetry():
    """Positive first-layer weights break the sign-flip argument: the cross terms between
    majority's degree-1 coefficients no longer vanish, and the test of the formula sees it."""
    net = it.MLPEnsemble(N, (16, 16), n_models=96, seed=4, dtype=torch.float64)
    with torch.no_grad():
        net.weights[0].abs_()
    profile = it.neuron_profile(net)
    z = _paired_z(it.Majority(N), net, profile)
    assert np.all(z > 5)


def test_first_layer_matches_exact_gaussian_profile():
    net = it.MLPEnsemble(N, (64,), n_models=64, seed=0, dtype=torch.float64)
    profile = it.neuron_profile(net)
    exact = it.gaussian_first_layer_profile(N).values
    z = (profile.values[0] - exact) / profile.stderr[0]
    assert np.all(np.abs(z) < 4.5)


def test_counting_bound_and_parseval():
    net = it.MLPEnsemble(N, (16, 8), n_models=8, seed=2)
    profile = it.neuron_profile(net)
    counts = np.array([math.comb(N, k) for k in range(N + 1)], dtype=float)
    # Parseval per initialization: sum_k C(n,k) A_k = ||NN_v||^2 (layer averages)
    assert np.allclose(profile.per_init @ counts, profile.second_moment_per_init,
                       rtol=1e-9)
    assert np.all(profile.values <= profile.counting_bound * (1 + 1e-9))
    assert profile.counting_bound.shape == profile.values.shape


def test_second_moment_is_one_for_the_book_relu_networks():
    net = it.MLPEnsemble(6, (32, 32), n_models=256, seed=9, dtype=torch.float64)
    profile = it.neuron_profile(net, max_degree=2)
    se = profile.second_moment_per_init.std(0, ddof=1) / math.sqrt(256)
    assert np.all(np.abs(profile.second_moment - 1) < 4 * se)


def test_max_degree_truncates_and_formula_refuses_truncated_profile():
    net = it.MLPEnsemble(5, (8,), n_models=4, seed=1, dtype=torch.float64)
    full = it.neuron_profile(net)
    part = it.neuron_profile(net, max_degree=2)
    assert part.values.shape == (2, 3)
    assert np.allclose(part.values, full.values[:, :3])
    with pytest.raises(ValueError, match="max_degree"):
        part.inal(it.Parity(5, k=1))
    with pytest.raises(ValueError, match="n=4 but the profile is for n=5"):
        full.inal(it.Parity(4, k=1))
    table = it.truth_table(it.Parity(5, k=2))
    assert np.allclose(full.inal(table), full.values[:, 2])


def test_neuron_profile_bad_input():
    with pytest.raises(TypeError, match="MLPEnsemble"):
        it.neuron_profile("net")
    with pytest.raises(ValueError, match="n_models >= 2"):
        it.neuron_profile(it.MLPEnsemble(4, (4,), n_models=1))
    with pytest.raises(ValueError, match="max_degree"):
        it.neuron_profile(it.MLPEnsemble(4, (4,), n_models=2), max_degree=5)
    with pytest.raises(ValueError, match="at most 20"):
        it.neuron_profile(it.MLPEnsemble(21, (2,), n_models=2))


def test_every_neuron_table_and_depth_experiment():
    net = it.MLPEnsemble(N, (16, 16), n_models=32, seed=5, dtype=torch.float64)
    rows = figs.every_neuron_table({"majority": it.Majority(N)}, net)
    assert [row["layer"] for row in rows] == [0, 1, 2]
    assert all(abs(row["z"]) < 4 for row in rows)
    depth = figs.depth_scaling_experiment(ns=(5, 6, 7), ks=(1, 2), n_init=8, width=8)
    assert depth["measured"].shape == (3, 3, 2)
    assert np.all(depth["measured"] <= depth["bound"][:, None, :] * 1.5)
