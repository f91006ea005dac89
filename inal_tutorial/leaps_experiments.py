r"""The experiments of the chapter *Staircases and leaps*: online SGD on a two-layer
network, steps to learn targets of leap 1, 2 and 3 as n grows, and the staircase's
Fourier coefficients during training.

``time_to_learn(target, ...)``
    Steps of online SGD until the population loss (exact, or on held-out inputs) is at
    most a threshold, for every seed of one ensemble.
``leap_sweep(preset, executor=None)``
    :func:`time_to_learn` over the targets of :data:`inal_tutorial.leaps.LEAP_TARGETS` and
    several n, run through :func:`inal_tutorial.executors.run_tasks`; ``SWEEP_PRESETS``
    holds the ``"small"`` (chapter) and ``"large"`` settings.
``sequential_learning(n, k, ...)``
    The staircase's Fourier coefficients in the network's output during training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._validation import (
    DivergenceError,
    check_choice,
    check_float,
    check_int,
    check_seed,
    check_size,
)
from .boolean import BooleanTarget, Staircase, all_inputs
from .executors import run_tasks
from .leaps import (
    LEAP_TARGETS,
    LearningTimes,
    SequentialRun,
    SparsePolynomial,
    leap,
    leap_target,
)
from .networks import MLPEnsemble
from .random import make_generator
from .training import loss_gradient

__all__ = [
    "time_to_learn",
    "SWEEP_PRESETS",
    "leap_sweep",
    "sequential_learning",
]


# ---------------------------------------------------------------------------
# Online SGD on a two-layer network with a small read-out
# ---------------------------------------------------------------------------


def _network(n: int, width: int, n_seeds: int, readout_scale: float, seed: int) -> MLPEnsemble:
    net = MLPEnsemble(n, (width,), n_models=n_seeds, activation="relu", seed=seed,
                      dtype=torch.float64)
    with torch.no_grad():
        net.weights[1].mul_(readout_scale)
    return net


def _eval_inputs(n: int, test_size: int, seed: int) -> tuple[torch.Tensor, bool]:
    """All 2^n inputs when that is at most test_size (exact), else a held-out sample."""
    if 2**n <= test_size:
        return all_inputs(n, dtype=torch.float64), True
    gen = make_generator(seed)
    return (1 - 2 * torch.randint(0, 2, (test_size, n), generator=gen)).double(), False


def _online_sgd(net, target, *, lr, batch_size, max_steps, eval_every, seed, on_eval):
    """Online SGD with fresh inputs each step; ``on_eval(step)`` returns True to stop."""
    gen = make_generator(seed)
    params = [p for p in net.parameters() if p.requires_grad]
    if on_eval(0):
        return 0
    for step in range(1, max_steps + 1):
        bits = torch.randint(0, 2, (net.n_models, batch_size, target.n), generator=gen)
        x = (1 - 2 * bits).double()
        grads, losses = loss_gradient(net, x, target(x), "square")
        if not bool(torch.isfinite(losses).all()):
            raise DivergenceError(f"online SGD diverged at step {step} with lr={lr}: use a "
                                  "smaller lr")
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p.sub_(lr * g)
        if step % eval_every == 0 and on_eval(step):
            return step
    return max_steps


def time_to_learn(target: BooleanTarget, *, width: int = 32, n_seeds: int = 4,
                  batch_size: int = 16, lr: float = 0.04, readout_scale: float = 0.01,
                  max_steps: int = 20_000, eval_every: int = 25, threshold: float = 0.1,
                  test_size: int = 2048, seed: int = 0) -> LearningTimes:
    r"""Steps of online SGD until the held-out square loss of every seed is at most ``threshold``.

    The network is :math:`\mathrm{NN}(x)=\sum_{j\le W}a_j\,\mathrm{ReLU}(w_j\cdot x+b_j)`
    (an :class:`~inal_tutorial.networks.MLPEnsemble` of ``n_seeds`` initializations, float64,
    :math:`w_{ji}\sim N(0,1/n)`, :math:`b_j\sim N(0,1)`) with its read-out multiplied by
    ``readout_scale`` (:math:`a_j\sim N(0,s^2/W)`: the output starts near 0, as in a
    mean-field initialization). Every step draws ``batch_size`` fresh uniform inputs per seed
    and takes :math:`\theta\leftarrow\theta-\gamma\nabla\frac1B\sum_i(\mathrm{NN}(x_i)-f(x_i))^2`
    with a step size :math:`\gamma=` ``lr`` (:func:`leap_sweep` passes :math:`c/n` for
    presets with ``lr_scaling="1/n"``); the samples used are ``batch_size`` times the
    steps. The loss
    :math:`\mathbb E(\mathrm{NN}-f)^2` is
    measured every ``eval_every`` steps on all :math:`2^n` inputs when
    :math:`2^n\le` ``test_size`` (exact), else on ``test_size`` independent uniform inputs
    drawn from a separate seed. For a target with :math:`\langle f,f\rangle=1` the initial
    loss is about 1 and a threshold 0.1 means that every monomial of weight above 0.1 has
    been (at least partly) fitted.
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    n = target.n
    width = check_int(width, "width", low=1, high=100_000)
    n_seeds = check_int(n_seeds, "n_seeds", low=1, high=10_000)
    batch_size = check_int(batch_size, "batch_size", low=1, high=100_000)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    readout_scale = check_float(readout_scale, "readout_scale", low=0.0, low_open=True)
    max_steps = check_int(max_steps, "max_steps", low=1, high=10**8)
    eval_every = check_int(eval_every, "eval_every", low=1)
    threshold = check_float(threshold, "threshold", low=0.0, low_open=True)
    test_size = check_int(test_size, "test_size", low=1, high=10**7)
    seed = check_seed(seed, allow_generator=False)
    check_size({"n_seeds": n_seeds, "batch_size": max(batch_size, test_size),
                "width": max(width, n)}, what="one step's activations")
    net = _network(n, width, n_seeds, readout_scale, seed)
    x_test, exact = _eval_inputs(n, test_size, seed + 1)
    y_test = target(x_test).double()
    first = np.full(n_seeds, np.inf)
    eval_steps, losses = [], []

    def on_eval(step: int) -> bool:
        with torch.no_grad():
            loss = ((net(x_test) - y_test) ** 2).mean(dim=1).numpy()
        if not np.isfinite(loss).all():
            raise DivergenceError(f"online SGD diverged by step {step} with lr={lr}")
        eval_steps.append(step)
        losses.append(loss)
        first[np.isinf(first) & (loss <= threshold)] = step
        return bool(np.isfinite(first).all())

    _online_sgd(net, target, lr=lr, batch_size=batch_size, max_steps=max_steps,
                eval_every=eval_every, seed=seed + 2, on_eval=on_eval)
    config = dict(width=width, n_seeds=n_seeds, batch_size=batch_size, lr=lr,
                  readout_scale=readout_scale, max_steps=max_steps, eval_every=eval_every,
                  threshold=threshold, test_size=test_size, seed=seed, target=repr(target))
    return LearningTimes(n, leap(target), first, np.array(eval_steps), np.stack(losses), exact,
                         config)


#: Settings of :func:`leap_sweep`. ``lr_scaling="1/n"`` uses the step size ``lr / n`` at
#: dimension n (``lr`` is then the constant c of :math:`\gamma=c/n`);
#: ``lr_scaling="fixed"`` uses ``lr`` at every n. ``"small"`` is the chapter's sweep, in
#: the regime of the leap conjecture as far as the chapter can afford: a fixed small batch
#: of 16 (samples = 16 x steps) and :math:`\gamma=0.32/n` (0.04 at n = 8), where the
#: mean-field picture predicts :math:`\gamma T\to` const for leap 1, i.e. T of order n
#: (about a minute of CPU on one core). ``"fixed-step"`` is the design of an earlier
#: version of the chapter: :math:`\gamma=0.04` at every n, which is not that regime (it
#: uses hundreds of samples per dimension). ``"large"`` is ``"small"`` at larger n, with
#: 16 seeds and width 128 (not run in the book: hours on one core; run it with an
#: ``executor``). At width 32, batch 1 diverges at :math:`\gamma=0.04` already for
#: n = 8, hence the batch of 16; check stability at width 128 before trusting ``"large"``.
SWEEP_PRESETS: dict[str, dict] = {
    "small": dict(ns={"leap 1": (8, 16, 24, 32), "leap 2": (8, 16, 24, 32),
                      "leap 3": (8, 16, 24, 32)},
                  width=32, n_seeds=6, batch_size=16, lr=0.32, lr_scaling="1/n",
                  readout_scale=0.01, max_steps=100_000, eval_every=25, threshold=0.1,
                  test_size=2048),
    "fixed-step": dict(ns={"leap 1": (8, 16, 24, 32, 48), "leap 2": (8, 16, 24, 32, 48),
                           "leap 3": (8, 16, 24, 32, 48)},
                       width=32, n_seeds=6, batch_size=16, lr=0.04, lr_scaling="fixed",
                       readout_scale=0.01, max_steps=40_000, eval_every=25,
                       threshold=0.1, test_size=2048),
    "large": dict(ns={"leap 1": (16, 32, 64, 128, 256), "leap 2": (16, 32, 64, 128, 256),
                      "leap 3": (16, 24, 32, 48, 64, 96)},
                  width=128, n_seeds=16, batch_size=16, lr=0.32, lr_scaling="1/n",
                  readout_scale=0.01, max_steps=50_000_000, eval_every=50, threshold=0.1,
                  test_size=8192),
}


def _sweep_task(name: str, n: int, options: dict, seed: int) -> LearningTimes:
    options = dict(options)
    scaling = options.pop("lr_scaling")
    if scaling == "1/n":
        options["lr"] = options["lr"] / n
    return time_to_learn(leap_target(name, n), seed=seed, **options)


def leap_sweep(preset: str = "small", *, targets: Sequence[str] | None = None,
               seed: int = 0, executor=None, **overrides) -> dict[str, list[LearningTimes]]:
    """:func:`time_to_learn` for each target of :data:`~inal_tutorial.leaps.LEAP_TARGETS` at each n of a preset.

    Parameters
    ----------
    preset : {"small", "fixed-step", "large"}
        See :data:`SWEEP_PRESETS`.
    targets : sequence of str, optional
        Names in :data:`~inal_tutorial.leaps.LEAP_TARGETS` (default: those the preset's
        ``ns`` lists).
    seed : int
        Seed of every run (the same initializations and inputs for every target at one n).
    executor : optional
        Passed to :func:`inal_tutorial.executors.run_tasks`: ``None`` runs serially.
    **overrides
        Replace entries of the preset (e.g. ``n_seeds=2``, ``ns={"leap 1": (6, 8)}``).

    Returns
    -------
    dict name -> list of :class:`~inal_tutorial.leaps.LearningTimes`, one per n in increasing order.
    """
    options = dict(SWEEP_PRESETS[check_choice(preset, "preset", tuple(SWEEP_PRESETS))])
    unknown = set(overrides) - set(options)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}; allowed: {sorted(options)}")
    options.update(overrides)
    check_choice(options["lr_scaling"], "lr_scaling", ("fixed", "1/n"))
    ns = options.pop("ns")
    names = [t for t in LEAP_TARGETS if t in ns] if targets is None else [
        check_choice(t, "target", tuple(LEAP_TARGETS)) for t in targets]
    missing = [t for t in names if t not in ns]
    if missing:
        raise ValueError(f"ns has no sizes for targets {missing}; give them in ns=")
    seed = check_seed(seed, allow_generator=False)
    tasks = [(name, int(n), options, seed) for name in names for n in sorted(ns[name])]
    results = run_tasks(_sweep_task, tasks, executor)
    out: dict[str, list[LearningTimes]] = {name: [] for name in names}
    for (name, _, _, _), result in zip(tasks, results, strict=True):
        out[name].append(result)
    return out


# ---------------------------------------------------------------------------
# Sequential learning of the staircase
# ---------------------------------------------------------------------------


def sequential_learning(n: int = 10, k: int = 3, *, width: int = 32, n_seeds: int = 4,
                        steps: int = 3000, batch_size: int = 16, lr: float = 0.04,
                        readout_scale: float = 0.01, eval_every: int = 25,
                        drop: Sequence[int] = (), seed: int = 0) -> SequentialRun:
    r"""Train on the staircase :math:`(x_0+x_0x_1+\dots+x_0\cdots x_{k-1})/\sqrt k` as in
    :func:`time_to_learn` (no early stop) and record, every ``eval_every`` steps, the exact
    coefficients :math:`\widehat{\mathrm{NN}}(\{0,\dots,j\})=2^{-n}\sum_x
    \mathrm{NN}(x)\chi_{\{0..j\}}(x)` for j < k.

    ``drop`` lists steps j of the staircase to remove from the target (a control: e.g.
    ``drop=(0,)`` trains on :math:`(x_0x_1+x_0x_1x_2)/\sqrt3`, the same coefficients
    without the first step and not renormalized); the coefficients of all k steps are
    still recorded, and ``target[j]`` is 0 for a dropped step."""
    n = check_int(n, "n", low=2, high=16)
    k = check_int(k, "k", low=1, high=n)
    steps = check_int(steps, "steps", low=1, high=10**8)
    eval_every = check_int(eval_every, "eval_every", low=1)
    seed = check_seed(seed, allow_generator=False)
    width = check_int(width, "width", low=1, high=100_000)
    n_seeds = check_int(n_seeds, "n_seeds", low=1, high=10_000)
    batch_size = check_int(batch_size, "batch_size", low=1, high=100_000)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    readout_scale = check_float(readout_scale, "readout_scale", low=0.0, low_open=True)
    drop = sorted({check_int(j, "drop entry", low=0, high=k - 1) for j in drop})
    if len(drop) == k:
        raise ValueError("drop must leave at least one step of the staircase")
    supports = [tuple(range(j + 1)) for j in range(k)]
    coef = np.array([0.0 if j in drop else 1 / math.sqrt(k) for j in range(k)])
    target = (Staircase(n, k, boolean=False) if not drop else
              SparsePolynomial(n, [(s, c) for s, c in zip(supports, coef, strict=True) if c],
                               normalize=False))
    x = all_inputs(n, dtype=torch.float64)
    chis = torch.stack([x[:, list(s)].prod(dim=1) for s in supports], dim=1)  # (2^n, k)
    y = target(x).double()
    net = _network(n, width, n_seeds, readout_scale, seed)
    rec_steps, coefs, losses = [], [], []

    def on_eval(step: int) -> bool:
        with torch.no_grad():
            out = net(x)
        rec_steps.append(step)
        coefs.append((out @ chis / x.shape[0]).numpy())
        losses.append(((out - y) ** 2).mean(dim=1).numpy())
        return False

    _online_sgd(net, target, lr=lr, batch_size=batch_size, max_steps=steps,
                eval_every=eval_every, seed=seed + 2, on_eval=on_eval)
    return SequentialRun(n, supports, np.array(rec_steps), np.stack(coefs), coef,
                         np.stack(losses))
