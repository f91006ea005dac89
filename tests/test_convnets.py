"""CNNEnsemble: the batched (grouped-convolution) forward equals M separate plain CNNs."""

import math

import pytest
import torch
import torch.nn.functional as F  # noqa: N812

import inal_tutorial as it


def reference_forward(net: it.CNNEnsemble, m: int, x: torch.Tensor) -> tuple[torch.Tensor, list]:
    """Model m of the ensemble written out as a plain single CNN (no groups, no batching)."""
    act = it.activation_function(net.activation)
    h = x.reshape(-1, 1, *net.image_shape)
    kept = []
    for w, b in zip(net.conv_weights, net.conv_biases, strict=True):
        h = act(F.conv2d(h, w[m], None if b is None else b[m], padding=net.kernel_size // 2))
        kept.append(h.reshape(h.shape[0], -1))
    if net.pool > 1:
        h = F.avg_pool2d(h, net.pool)
    h = h.reshape(h.shape[0], -1)
    n_fc = len(net.fc_weights)
    for layer, (w, b) in enumerate(zip(net.fc_weights, net.fc_biases, strict=True)):
        h = h @ w[m].T + (0 if b is None else b[m])
        if layer < n_fc - 1:
            h = act(h)
        kept.append(h)
    return h.squeeze(-1), kept


CONFIGS = [
    dict(),
    dict(channels=(3, 5), hidden=(), pool=1, bias="none", kernel_size=5),
    dict(channels=(4,), hidden=(6, 5), pool=4, activation="tanh", init="rademacher",
         bias="uniform", bias_std=0.5, output_bias=True),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_ensemble_forward_equals_separate_models(config):
    net = it.CNNEnsemble((8, 8), n_models=3, seed=4, dtype=torch.float64, **config)
    x = torch.randn(11, 64, dtype=torch.float64)
    out = net(x)
    assert out.shape == (3, 11)
    per_model_x = torch.randn(3, 11, 64, dtype=torch.float64)
    out_per_model = net(per_model_x)
    layers = net.neuron_outputs(x)
    assert [tuple(o.shape) for o in layers] == [(3, 11, w) for w in net.widths]
    assert torch.equal(layers[-1].squeeze(-1), out)
    for m in range(3):
        expected, kept = reference_forward(net, m, x)
        torch.testing.assert_close(out[m], expected, rtol=1e-12, atol=1e-12)
        for got, want in zip(layers, kept, strict=True):
            torch.testing.assert_close(got[m], want, rtol=1e-12, atol=1e-12)
        expected_own, _ = reference_forward(net, m, per_model_x[m])
        torch.testing.assert_close(out_per_model[m], expected_own, rtol=1e-12, atol=1e-12)


def test_member_and_model_independence():
    net = it.CNNEnsemble(n_models=3, seed=1, dtype=torch.float64)
    x = torch.randn(5, 64, dtype=torch.float64)
    out = net(x)
    single = net.member(2)
    assert single.n_models == 1
    torch.testing.assert_close(single(x)[0], out[2], rtol=1e-12, atol=1e-12)
    # Changing model 0's parameters leaves models 1 and 2 untouched.
    with torch.no_grad():
        for p in net.parameters():
            p[0].add_(1.0)
    after = net(x)
    assert torch.equal(after[1:], out[1:])
    assert not torch.allclose(after[0], out[0])


def test_gradients_are_per_model():
    net = it.CNNEnsemble(n_models=2, seed=0, dtype=torch.float64)
    x = torch.randn(7, 64, dtype=torch.float64)
    y = torch.sign(torch.randn(7, dtype=torch.float64))
    grads, _ = it.loss_gradient(net, x, y, "square")
    single = net.member(1)
    grads_single, _ = it.loss_gradient(single, x, y, "square")
    for g, gs in zip(grads, grads_single, strict=True):
        torch.testing.assert_close(g[1:2], gs, rtol=1e-10, atol=1e-12)


def test_normalized_initialization_and_seeds():
    net = it.CNNEnsemble(channels=(6, 10), hidden=(32,), n_models=400, seed=0,
                         dtype=torch.float64)
    fan_ins = [1 * 9, 6 * 9]
    for w, fan_in in zip(net.conv_weights, fan_ins, strict=True):
        assert abs(w.detach().mean().item()) < 4 * math.sqrt(1 / fan_in / w.numel())
        assert w.detach().var().item() == pytest.approx(1 / fan_in, rel=0.03)
    assert net.fc_weights[0].detach().var().item() == pytest.approx(1 / net.n_pooled, rel=0.03)
    assert net.conv_biases[0].detach().std().item() == pytest.approx(1.0, rel=0.05)
    same = it.CNNEnsemble(channels=(6, 10), hidden=(32,), n_models=400, seed=0,
                          dtype=torch.float64)
    other = it.CNNEnsemble(channels=(6, 10), hidden=(32,), n_models=400, seed=1,
                           dtype=torch.float64)
    assert torch.equal(same.conv_weights[1], net.conv_weights[1])
    assert not torch.equal(other.conv_weights[1], net.conv_weights[1])


def test_trains_with_the_training_module():
    task = it.load_digits_task()
    net = it.CNNEnsemble(n_models=2, seed=0)
    history = it.sgd(net, task.dataset(), steps=30, lr=0.1, batch_size=32, seed=0,
                     eval_every=30, progress=False)
    assert history["accuracy"].shape == (2, 2)
    assert (history.final("train_accuracy") > 0.7).all()


@pytest.mark.parametrize("kwargs, error, word", [
    (dict(kernel_size=4), ValueError, "kernel_size"),
    (dict(pool=3), ValueError, "pool"),
    (dict(channels=()), ValueError, "channels"),
    (dict(channels="8"), TypeError, "channels"),
    (dict(image_shape=8), TypeError, "image_shape"),
    (dict(image_shape=(8, 0)), ValueError, "image_shape"),
    (dict(n_models=0), ValueError, "n_models"),
    (dict(activation="swish"), ValueError, "activation"),
    (dict(init="normal"), ValueError, "init"),
    (dict(bias_std=-1.0), ValueError, "bias_std"),
    (dict(hidden=(4, 0)), ValueError, "hidden"),
])
def test_bad_arguments(kwargs, error, word):
    with pytest.raises(error, match=word):
        it.CNNEnsemble(**kwargs)


def test_bad_inputs():
    net = it.CNNEnsemble(n_models=2)
    with pytest.raises(ValueError, match="x must have shape"):
        net(torch.zeros(3, 63))
    with pytest.raises(ValueError, match="n_models"):
        net(torch.zeros(3, 4, 64))
    with pytest.raises(ValueError, match="index"):
        net.member(2)
