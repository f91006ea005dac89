"""Ensemble networks: batched forward equals separate forwards; normalized initialization."""

import math

import pytest
import torch

import inal_tutorial as it


def loop_forward(net: it.MLPEnsemble, x: torch.Tensor) -> torch.Tensor:
    """Reference: each model separately, plain 2-D matrix products."""
    outs = []
    for m in range(net.n_models):
        h = x if x.ndim == 2 else x[m]
        for layer in range(net.n_layers):
            w = net.first_layer_weights()[m] if layer == 0 else net.weights[layer][m]
            h = h @ w.T
            if net.biases[layer] is not None:
                h = h + net.biases[layer][m]
            if layer < net.n_layers - 1:
                h = it.activation_function(net.activation)(h)
        outs.append(h.squeeze(-1))
    return torch.stack(outs)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sign"])
def test_ensemble_forward_equals_separate_forwards(activation):
    net = it.MLPEnsemble(7, (16, 8), n_models=5, activation=activation, seed=2,
                         dtype=torch.float64, output_bias=True)
    x = it.all_inputs(7, dtype=torch.float64)
    assert torch.allclose(net(x), loop_forward(net, x), atol=1e-12, rtol=0)
    per_model = it.sample_inputs(7, 5 * 30, seed=1, dtype=torch.float64).reshape(5, 30, 7)
    assert torch.allclose(net(per_model), loop_forward(net, per_model), atol=1e-12, rtol=0)
    for m in range(5):
        assert torch.allclose(net.member(m)(x)[0], net(x)[m], atol=1e-12, rtol=0)


def test_neuron_outputs_shapes_and_readout():
    net = it.MLPEnsemble(5, (6, 4), n_models=3, seed=0, dtype=torch.float64)
    x = it.all_inputs(5, dtype=torch.float64)
    outs = net.neuron_outputs(x)
    assert [tuple(o.shape) for o in outs] == [(3, 32, 6), (3, 32, 4), (3, 32, 1)]
    assert torch.allclose(outs[-1].squeeze(-1), net(x))
    assert net.widths == (6, 4, 1)


@pytest.mark.parametrize("law", ["gaussian", "rademacher", "uniform"])
def test_weights_have_variance_one_over_fan_in(law):
    net = it.MLPEnsemble(50, (400,), n_models=20, init=law, seed=0, dtype=torch.float64)
    w = net.weights[0].detach()
    # 400k draws: the sample variance is within a few percent of 1/50.
    assert abs(float(w.var()) * 50 - 1) < 0.02
    assert abs(float(w.mean())) < 0.002
    if law == "rademacher":
        assert torch.allclose(w.abs(), torch.full_like(w, 50**-0.5))
    if law == "uniform":
        assert float(w.abs().max()) <= math.sqrt(3 / 50)
    # The read-out has fan-in 400.
    assert abs(float(net.weights[1].detach().var()) * 400 - 1) < 0.1


def test_bias_laws():
    zero = it.MLPEnsemble(4, (8,), n_models=2, bias="zero")
    assert float(zero.biases[0].detach().abs().max()) == 0.0
    none = it.MLPEnsemble(4, (8,), n_models=2, bias="none")
    assert none.biases[0] is None
    wide = it.MLPEnsemble(4, (10000,), n_models=2, bias="gaussian", bias_std=2.0, seed=1)
    assert abs(float(wide.biases[0].detach().std()) - 2.0) < 0.05
    rad = it.MLPEnsemble(4, (8,), n_models=2, bias="rademacher", bias_std=0.5)
    assert set(rad.biases[0].detach().abs().unique().tolist()) == {0.5}


def test_first_layer_mask_hides_coordinates():
    net = it.MLPEnsemble(6, (12,), n_models=3, first_layer_mask=[1, 4], seed=0,
                         dtype=torch.float64)
    w = net.first_layer_weights().detach()
    assert float(w[:, :, [0, 2, 3, 5]].abs().max()) == 0.0
    # Fan-in is the number of visible coordinates.
    big = it.MLPEnsemble(60, (5000,), n_models=1, first_layer_mask=range(10), seed=1,
                         dtype=torch.float64)
    assert abs(float(big.first_layer_weights()[0][:, :10].detach().var()) * 10 - 1) < 0.05
    x = it.all_inputs(6, dtype=torch.float64)
    flipped = x.clone()
    flipped[:, [0, 2]] *= -1
    assert torch.equal(net(x), net(flipped))
    net(x).sum().backward()
    assert float(net.weights[0].grad[:, :, [0, 2, 3, 5]].abs().max()) == 0.0


def test_same_seed_same_network():
    a = it.MLPEnsemble(5, (7,), n_models=2, seed=11)
    b = it.MLPEnsemble(5, (7,), n_models=2, seed=11)
    c = it.MLPEnsemble(5, (7,), n_models=2, seed=12)
    assert torch.equal(a.weights[0], b.weights[0])
    assert not torch.equal(a.weights[0], c.weights[0])


def test_bad_network_arguments():
    with pytest.raises(ValueError, match="width must be an integer in \\[1, "):
        it.MLPEnsemble(5, (0,))
    with pytest.raises(TypeError, match="hidden must be a non-empty sequence"):
        it.MLPEnsemble(5, ())
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        it.MLPEnsemble(5, (3,), activation="swish")
    with pytest.raises(ValueError, match="unknown init 'xavier'"):
        it.MLPEnsemble(5, (3,), init="xavier")
    with pytest.raises(ValueError, match="unknown bias 'normal'"):
        it.MLPEnsemble(5, (3,), bias="normal")
    with pytest.raises(ValueError, match="bias_std must be in \\[0, inf\\]"):
        it.MLPEnsemble(5, (3,), bias_std=-1.0)
    with pytest.raises(ValueError, match="n_models must be an integer in \\[1, "):
        it.MLPEnsemble(5, (3,), n_models=0)
    with pytest.raises(TypeError, match="seed must be an int or a torch.Generator"):
        it.MLPEnsemble(5, (3,), seed=0.5)
    with pytest.raises(ValueError, match="n_inputs must be an integer in \\[1, "):
        it.MLPEnsemble(0, (3,))
    net = it.MLPEnsemble(5, (3,), n_models=2)
    with pytest.raises(ValueError, match="x must have shape \\(N, 5\\)"):
        net(torch.ones(4, 6))
    with pytest.raises(ValueError, match="M = n_models = 2"):
        net(torch.ones(3, 4, 5))
    with pytest.raises(ValueError, match="NaN"):
        net(torch.tensor([[float("nan")] * 5]).tolist())
