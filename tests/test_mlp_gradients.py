"""The hand-written MLPEnsemble gradients against autograd (inal_tutorial._mlp_gradients)."""

import itertools

import pytest
import torch
from torch import nn

import inal_tutorial as it
from inal_tutorial import _mlp_gradients as mg
from inal_tutorial import training as tr

COMBOS = list(itertools.product(mg.SUPPORTED_ACTIVATIONS, mg.SUPPORTED_LOSSES))


def _net(activation="relu", hidden=(7,), n=5, m=3, **kw):
    return it.MLPEnsemble(n, hidden, n_models=m, activation=activation, dtype=torch.float64,
                          seed=11, **kw)


def _batch(n=5, m=3, rows=9, shared=False, seed=0):
    gen = torch.Generator().manual_seed(seed)
    shape = (rows, n) if shared else (m, rows, n)
    x = (1 - 2 * torch.randint(0, 2, shape, generator=gen)).double()
    y = (1 - 2 * torch.randint(0, 2, shape[:-1], generator=gen)).double()
    return x, y


def _close(a, b, scale):
    # float64 rounding: a few ulps of the largest entry, summed over at most 9 x 7 terms.
    return float((a - b).detach().abs().max()) <= 1e-13 * max(1.0, scale)


@pytest.mark.parametrize("activation,loss", COMBOS)
@pytest.mark.parametrize("hidden", [(7,), (6, 4)])
@pytest.mark.parametrize("shared", [False, True])
def test_gradient_and_losses_match_autograd(activation, loss, hidden, shared):
    for bias, output_bias, mask in [("gaussian", True, None), ("none", False, [0, 2, 3]),
                                    ("uniform", False, None)]:
        net = _net(activation, hidden, bias=bias, output_bias=output_bias,
                   first_layer_mask=mask)
        x, y = _batch(shared=shared)
        if loss == "square":
            y = y * 0.7 + 0.1   # real-valued labels
        params, _ = tr.ensemble_parameters(net)
        ref, ref_losses = tr.loss_gradient(net, x, y, loss)
        ours, losses = mg.loss_gradient(net, params, x, y, loss)
        assert mg.supports(net, loss)
        assert len(ours) == len(ref)
        for a, b in zip(ours, ref, strict=True):
            assert a.shape == b.shape
            assert _close(a, b, float(b.abs().max()))
        assert _close(losses, ref_losses, float(ref_losses.abs().max()))
        out = mg.forward_chunk(net, x if shared else x[0])
        assert _close(out, net(x if shared else x[0]), float(out.abs().max()))


def test_kinks_follow_autograd():
    # relu'(0) = 0, hinge'(1) = 0 and the softplus threshold: constructed exactly.
    net = _net("relu", (2,), n=2, m=1, bias="none")
    with torch.no_grad():
        net.weights[0].copy_(torch.tensor([[[1.0, -1.0], [1.0, 1.0]]]))
        net.weights[1].copy_(torch.tensor([[[0.5, 0.5]]]))
    x = torch.tensor([[1.0, 1.0], [1.0, -1.0], [30.0, 30.0]], dtype=torch.float64)
    params, _ = tr.ensemble_parameters(net)
    for loss, y in [("hinge", torch.tensor([1.0, -1.0, 1.0])),
                    ("logistic", torch.tensor([-1.0, 1.0, -1.0]))]:
        y = y.double()
        ref, _ = tr.loss_gradient(net, x, y, loss)
        ours, _ = mg.loss_gradient(net, params, x, y, loss)
        for a, b in zip(ours, ref, strict=True):
            assert torch.equal(a, b) or _close(a, b, 1.0)


class _Sub(it.MLPEnsemble):
    def forward(self, x):
        return 2 * super().forward(x)


def test_unsupported_models_fall_back_to_autograd():
    assert not mg.supports(_net("sign"), "square")
    assert not mg.supports(_net(), "cross-entropy")
    assert not mg.supports(_Sub(5, (4,), n_models=2), "square")
    hooked = _net()
    hooked.register_forward_hook(lambda module, args, out: out * 3)
    assert not mg.supports(hooked, "square")
    frozen = _net()
    frozen.weights[1].requires_grad_(False)
    assert not mg.supports(frozen, "square")
    assert not mg.supports(nn.Linear(3, 1), "square")
    # train() says which path it took, and a subclass trains by autograd correctly.
    target = it.Parity(5, k=1)
    sub = _Sub(5, (4,), n_models=2, dtype=torch.float64)
    history = it.train(sub, target, steps=3, lr=0.1, progress=False)
    assert history.config["gradient"] == "autograd"
    history = it.train(_net(), target, steps=3, lr=0.1, progress=False)
    assert history.config["gradient"] == "hand-written"


def _train_both(monkeypatch, net_kw, **options):
    runs = []
    for fast in (True, False):
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(mg, "supports", lambda model, loss: False)
            net = _net(n=6, **net_kw)
            history = it.train(net, it.Parity(6, k=2), steps=30, lr=0.05, seed=4,
                               eval_every=10, progress=False, **options)
            runs.append((net, history))
    assert runs[0][1].config["gradient"] == "hand-written"
    assert runs[1][1].config["gradient"] == "autograd"
    return runs


@pytest.mark.parametrize("options", [
    {"loss": "hinge", "batch_size": 8, "weight_decay": 0.01},
    # N = 6 is not a power of two: the loss's factor 2/N folded into the update is
    # rounded, still float64 rounding.
    {"loss": "square", "batch_size": 6, "train_size": 30, "weight_decay": 0.01},
    {"loss": "square"},
    {"loss": "logistic", "batch_size": 4, "train_size": 40},
    {"loss": "square", "noise_std": 0.1, "clip": 0.5, "weight_decay": 0.1},
    {"loss": "hinge", "batch_size": 8, "noise_std": 0.02},
    {"loss": "hinge", "batch_size": 8, "shared_batches": True, "weight_decay": 0.1},
    {"loss": "logistic", "batch_size": 8, "clip": 0.05},
])
@pytest.mark.parametrize("net_kw", [{"output_bias": True},
                                    {"activation": "tanh", "hidden": (5, 4),
                                     "first_layer_mask": [0, 1, 2]}])
def test_training_runs_agree_with_autograd_to_rounding(monkeypatch, options, net_kw):
    (fast, h_fast), (ref, h_ref) = _train_both(monkeypatch, net_kw, **options)
    for a, b in zip(fast.parameters(), ref.parameters(), strict=True):
        assert float((a - b).detach().abs().max()) < 1e-12
    for name in h_ref.names:
        assert float(abs(h_fast[name] - h_ref[name]).max()) < 1e-12


def test_shared_batches_gives_every_model_model_0s_stream():
    target = it.Parity(6, k=2)
    shared = _net(n=6, m=3)
    it.train(shared, target, steps=20, lr=0.1, loss="hinge", batch_size=4, seed=[5, 6, 7],
             shared_batches=True, progress=False)
    alone = [_net(n=6, m=3).member(i) for i in range(3)]
    for i, net in enumerate(alone):
        it.train(net, target, steps=20, lr=0.1, loss="hinge", batch_size=4, seed=[5],
                 progress=False)
        for a, b in zip(shared.member(i).parameters(), net.parameters(), strict=True):
            assert float((a - b).detach().abs().max()) < 1e-12   # model i saw model 0's batches
    with pytest.raises(ValueError, match="shared_batches"):
        it.train(_net(n=6), target, steps=1, lr=0.1, shared_batches=True, progress=False)
    with pytest.raises(TypeError, match="shared_batches"):
        it.train(_net(n=6), target, steps=1, lr=0.1, batch_size=2, shared_batches=1,
                 progress=False)


def test_float32_runs_stay_close_to_autograd(monkeypatch):
    # Not bitwise: the products are summed in another order. The drift stays at rounding.
    runs = []
    for fast in (True, False):
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(mg, "supports", lambda model, loss: False)
            net = it.MLPEnsemble(8, (32,), n_models=2, seed=1, output_bias=True)
            it.train(net, it.Parity(8, k=2), steps=20, lr=0.05, loss="hinge", batch_size=8,
                     weight_decay=0.01, seed=2, progress=False)
            runs.append(net)
    for a, b in zip(runs[0].parameters(), runs[1].parameters(), strict=True):
        assert float((a - b).detach().abs().max()) < 1e-5
