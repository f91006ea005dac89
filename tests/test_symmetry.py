"""Group actions on the hypercube and the equivariance of full-batch gradient descent."""

import math
from collections import Counter

import pytest
import torch

import inal_tutorial as it
from inal_tutorial.symmetry import GROUPS


def random_elements(n, count, group="signed_permutations", seed=0):
    perms, signs = it.sample_group(n, count, group, seed)
    return [it.SignedPermutation(tuple(p.tolist()), tuple(s.tolist()))
            for p, s in zip(perms, signs, strict=True)]


# -- the group --------------------------------------------------------------------------


def test_action_on_inputs_follows_the_transformed_convention():
    g = it.SignedPermutation((2, 0, 1), (1, -1, 1))
    x = torch.tensor([[1.0, 2.0, 3.0]])
    # (g x)_j = s_j x_{pi(j)}
    assert g(x).tolist() == [[3.0, -1.0, 2.0]]
    f = it.Junta(3, [0, 1, 2], torch.arange(8.0))
    inputs = it.all_inputs(3, torch.float64)
    assert torch.equal(g.on_target(f)(inputs), f(g(inputs)))
    assert torch.equal(g.on_target(f)(inputs), it.Transformed(f, (2, 0, 1), (1, -1, 1))(inputs))


def test_composition_inverse_and_matrix():
    x = it.all_inputs(5, torch.float64)
    for g, h in zip(random_elements(5, 6, seed=1), random_elements(5, 6, seed=2), strict=True):
        assert torch.equal((g * h)(x), g(h(x)))
        assert torch.equal(g.inverse()(g(x)), x)
        assert g.inverse() * g == it.SignedPermutation.identity(5)
        p = g.matrix()
        assert torch.equal(p @ p.T, torch.eye(5, dtype=torch.float64))
        assert torch.equal(x @ p.T, g(x))


def test_action_on_tables_matches_truth_table_of_moved_target():
    f = it.RandomFunction(6, seed=3)
    table = it.truth_table(f)
    for group in GROUPS:
        for g in random_elements(6, 5, group, seed=4):
            assert torch.equal(g.on_table(table), it.truth_table(g.on_target(f)))


def test_table_index_maps_batch_agrees_with_elementwise_action():
    perms, signs = it.sample_group(4, 20, seed=5)
    maps = it.table_index_maps(perms, signs)
    x = it.all_inputs(4, torch.float64)
    for b in range(20):
        g = it.SignedPermutation(tuple(perms[b].tolist()), tuple(signs[b].tolist()))
        # x(maps[b, i]) = g x(i)
        assert torch.equal(x[maps[b]], g(x))


@pytest.mark.parametrize("group", GROUPS)
def test_group_elements_enumerates_each_element_once(group):
    n = 3
    rows = [(tuple(p), tuple(s)) for perms, signs in it.group_elements(n, group, batch_size=5)
            for p, s in zip(perms.tolist(), signs.tolist(), strict=True)]
    assert len(rows) == it.group_order(n, group)
    assert len(set(rows)) == len(rows)
    expected = {"permutations": math.factorial(3), "sign_flips": 8, "signed_permutations": 48}
    assert it.group_order(n, group) == expected[group]


def test_sample_group_is_uniform():
    count = 48_000
    perms, signs = it.sample_group(3, count, seed=6)
    hist = Counter(zip(map(tuple, perms.tolist()), map(tuple, signs.tolist()), strict=True))
    assert len(hist) == 48
    expected = count / 48
    # Each cell is Binomial(count, 1/48): standard deviation about 31.
    assert max(abs(v - expected) for v in hist.values()) < 5 * math.sqrt(expected)
    only_perms, only_signs = it.sample_group(4, 100, "permutations", seed=0)
    assert bool((only_signs == 1).all()) and len({tuple(p) for p in only_perms.tolist()}) > 1
    flips_p, _ = it.sample_group(4, 100, "sign_flips", seed=0)
    assert bool((flips_p == torch.arange(4)).all())


def test_random_element_is_reproducible():
    assert it.SignedPermutation.random(7, seed=11) == it.SignedPermutation.random(7, seed=11)


# -- the first layer --------------------------------------------------------------------


@pytest.mark.parametrize("mask", [None, (0, 2, 3)])
def test_act_on_first_layer_moves_the_input(mask):
    net = it.MLPEnsemble(5, (16, 8), 3, activation="tanh", dtype=torch.float64, seed=2,
                         first_layer_mask=mask)
    before = [p.detach().clone() for p in net.parameters()]
    x = it.all_inputs(5, torch.float64)
    for g in random_elements(5, 4, seed=7):
        moved = it.act_on_first_layer(net, g)
        with torch.no_grad():
            assert torch.allclose(moved(g(x)), net(x), atol=1e-13, rtol=0)
            assert torch.allclose(moved(x), net(g.inverse()(x)), atol=1e-13, rtol=0)
        assert moved.weights[0] is not net.weights[0]
        for a, b in zip(moved.weights[1:], net.weights[1:], strict=True):
            assert torch.equal(a, b)
    for p, q in zip(before, net.parameters(), strict=True):
        assert torch.equal(p, q)   # the original is untouched


# -- gradient descent and equivariance --------------------------------------------------


def test_gradient_descent_trajectory_takes_the_steps_it_says():
    # Linear activation, no biases: NN(x) = v . (W x), so dL/dv = 2 E[(NN - y) W x].
    net = it.MLPEnsemble(4, (3,), 2, activation="linear", bias="none", dtype=torch.float64,
                         seed=1)
    f = it.Parity(4, k=1)
    traj = it.gradient_descent_trajectory(net, f, steps=1, lr=0.05)
    x = it.all_inputs(4, torch.float64)
    w, v = net.weights[0].detach(), net.weights[1].detach()        # (M,3,4), (M,1,3)
    hidden = torch.einsum("mhi,ni->mnh", w, x)                      # (M, N, 3)
    residual = torch.einsum("mnh,mh->mn", hidden, v[:, 0]) - f(x)
    grad_v = 2 * torch.einsum("mn,mnh->mh", residual, hidden) / x.shape[0]
    assert torch.allclose(traj.weights[1][1, :, 0], v[:, 0] - 0.05 * grad_v, atol=1e-14)
    assert torch.allclose(traj.loss[0], residual.square().mean(1), atol=1e-14)
    assert traj.steps == 1 and traj.weights[0].shape == (2, 2, 3, 4)


def test_gradient_descent_decreases_the_loss_and_leaves_the_network_alone():
    net = it.MLPEnsemble(5, (32,), 4, dtype=torch.float64, seed=3)
    before = net.weights[0].detach().clone()
    traj = it.gradient_descent_trajectory(net, it.Majority(5), steps=25, lr=0.05)
    assert bool((traj.loss[-1] < traj.loss[0]).all())
    assert torch.equal(net.weights[0].detach(), before)
    assert torch.equal(traj.weights[0][0], before)
    zero = it.gradient_descent_trajectory(net, it.Majority(5), steps=0)
    assert zero.steps == 0 and zero.loss.shape == (1, 4)


@pytest.mark.parametrize("architecture", [
    dict(hidden=(24,), activation="relu"),
    dict(hidden=(16, 12), activation="tanh", output_bias=True),
    # Rademacher weights with a Gaussian bias: without a bias, w.x is exactly 0 for some
    # inputs, and rounding then decides the side of the ReLU kink (see equivariance_check).
    dict(hidden=(16,), activation="relu", init="rademacher"),
])
def test_equivariance_to_float64_precision(architecture):
    net = it.MLPEnsemble(6, n_models=3, dtype=torch.float64, seed=4, **architecture)
    f = it.Staircase(6, 4)
    for g in random_elements(6, 2, seed=8):
        check = it.equivariance_check(net, f, g, steps=15, lr=0.05)
        assert check.parameter_gap < 1e-12
        assert check.function_gap < 1e-12
        assert check.baseline_gap > 1e-2      # the two targets really train differently
        assert check.loss_drop > 0


def test_equivariance_fails_when_the_first_layer_is_not_moved():
    net = it.MLPEnsemble(5, (16,), 2, dtype=torch.float64, seed=5)
    g = it.SignedPermutation((1, 2, 3, 4, 0), (1, 1, -1, 1, 1))
    f = it.Staircase(5, 3)
    a = it.gradient_descent_trajectory(net, g.on_target(f), steps=5, lr=0.1)
    b = it.gradient_descent_trajectory(net, f, steps=5, lr=0.1)   # same init, not moved
    assert float((a.weights[1] - b.weights[1]).abs().max()) > 1e-3


# -- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize("perm, signs, error", [
    ((0, 0, 2), (), ValueError),
    ((0, 1, 3), (), ValueError),
    ((0, 1, 2), (1, 1), ValueError),
    ((0, 1, 2), (1, 0, 1), ValueError),
    ("012", (), TypeError),
    ((), (), ValueError),
    ((0, 1.5, 2), (), TypeError),
])
def test_signed_permutation_rejects_non_permutations(perm, signs, error):
    with pytest.raises(error):
        it.SignedPermutation(perm, signs)


def test_bad_arguments_give_clear_errors():
    g = it.SignedPermutation.identity(3)
    net = it.MLPEnsemble(4, (4,), 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="n_inputs"):
        it.act_on_first_layer(net, g)
    with pytest.raises(TypeError, match="SignedPermutation"):
        it.act_on_first_layer(net, (0, 1, 2, 3))
    with pytest.raises(ValueError, match="shape"):
        g(torch.ones(2, 4))
    with pytest.raises(ValueError, match="n=4"):
        g.on_target(it.Majority(4))
    with pytest.raises(ValueError, match="group"):
        it.group_order(3, "rotations")
    with pytest.raises(ValueError, match="too many"):
        next(it.group_elements(13, "signed_permutations"))
    with pytest.raises(ValueError, match="permutation of range"):
        it.table_index_maps(torch.tensor([[0, 0, 1]]), torch.ones(1, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="lr"):
        it.gradient_descent_trajectory(net, it.Majority(4), lr=0.0)
    with pytest.raises(ValueError, match="steps"):
        it.gradient_descent_trajectory(net, it.Majority(4), steps=-1)
    with pytest.raises(ValueError, match="n_inputs"):
        it.gradient_descent_trajectory(net, it.Majority(5))
    big = it.MLPEnsemble(17, (2,), 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="at most 16"):
        it.gradient_descent_trajectory(big, it.Majority(17))
    with pytest.raises(ValueError, match="count"):
        it.sample_group(3, 0)
