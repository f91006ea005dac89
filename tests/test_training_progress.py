"""Tests of the first-layer movement recorder (a progress measure for SGD runs)."""

import numpy as np
import pytest
import torch

import inal_tutorial as it


def _run(n=6, steps=20, every=5, target=None, seed=0):
    net = it.MLPEnsemble(n, (8,), n_models=3, seed=seed, dtype=torch.float64)
    w0 = net.first_layer_weights().detach().clone()
    rec = it.FirstLayerMovement(net, every)
    it.sgd(net, target or it.Parity(n, k=2), steps=steps, lr=0.1, batch_size=16, seed=seed,
           eval_every=steps, callback=rec, progress=False)
    return net, w0, rec


def test_movement_is_the_squared_distance_per_input_coordinate():
    net, w0, rec = _run()
    assert rec.steps.tolist() == [5, 10, 15, 20]
    assert rec.movement.shape == (4, 3, 6)
    expected = (net.first_layer_weights().detach() - w0).square().sum(dim=1).numpy()
    np.testing.assert_allclose(rec.movement[-1], expected, rtol=1e-12)
    assert (rec.movement > 0).all()


def test_support_ratio_and_null_groups():
    _, _, rec = _run(n=7)
    d = rec.movement
    ratio = rec.support_ratio([0, 1])
    np.testing.assert_allclose(ratio, d[:, :, :2].mean(2) / d[:, :, 2:].mean(2))
    null = rec.null_ratios([0, 1])
    assert null.shape == (4, 3, 2)                  # 5 outside coordinates: 2 pairs
    np.testing.assert_allclose(null[:, :, 1], d[:, :, 4:6].mean(2) / d[:, :, 2:].mean(2))


def test_a_target_on_the_support_moves_the_support_more():
    # A degree-1 target on coordinate 0 pulls the weights of input 0 much more.
    _, _, rec = _run(n=8, steps=40, target=it.Parity(8, [0]))
    ratio = rec.support_ratio([0])[-1]
    assert (ratio > rec.null_ratios([0])[-1].max(axis=1)).all()


def test_bad_input():
    net = it.MLPEnsemble(4, (3,), n_models=2)
    with pytest.raises(TypeError, match="first_layer_weights"):
        it.FirstLayerMovement(torch.nn.Linear(2, 2), 1)
    with pytest.raises(ValueError, match="every"):
        it.FirstLayerMovement(net, 0)
    rec = it.FirstLayerMovement(net, 1)
    with pytest.raises(ValueError, match="nothing recorded"):
        _ = rec.movement
    rec(1, net)
    with pytest.raises(ValueError, match="support"):
        rec.support_ratio([0, 1, 2])                # leaves only 1 coordinate outside
    with pytest.raises(ValueError, match="repeated"):
        rec.support_ratio([0, 0])
    with pytest.raises(ValueError, match="shape"):
        rec(2, it.MLPEnsemble(5, (3,), n_models=2))
