r"""Experiments of the chapter *The sphere*: Monte Carlo first-layer alignment, rotation
equivariance, and steps to learn spherical harmonics (against parities on the cube).

Every network sees a point x of the unit sphere :math:`S^{n-1}` as :math:`\sqrt n\,x`, a
point of norm :math:`\sqrt n` like the points of the cube :math:`\{-1,+1\}^n`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from scipy import stats

from ._validation import check_choice, check_float, check_int, check_seed, check_size
from .executors import run_tasks
from .networks import MLPEnsemble
from .random import make_generator
from .sphere import SphereTarget, ZonalHarmonic, _check_dim, sample_sphere

__all__ = [
    "sphere_first_layer_alignment",
    "random_rotation",
    "rotation_law_check",
    "rotation_training_gap",
    "random_rotations",
    "orbit_cross_predictability_mc",
    "SPHERE_STEPS_SETTINGS",
    "sphere_steps_experiment",
    "sphere_slope_interval",
    "log_slope_interval",
]


def sphere_first_layer_alignment(target: SphereTarget, *, neurons: int = 4096,
                                 inputs: int = 8192, weights: str = "gaussian",
                                 seed: int = 0, chunk: int = 128) -> tuple[float, float]:
    r"""Monte Carlo estimate of :math:`\mathbb E_{w,b}\langle f,\sigma(w\cdot\sqrt n x+b)\rangle^2`.

    ReLU neurons with :math:`N(0,1)` bias; w is :math:`N(0,I_n/n)` (``"gaussian"``) or
    uniform on the unit sphere (``"sphere"``). Both the neurons and the inputs are random:
    the neurons come in blocks of ``chunk``, each block with its own N = ``inputs`` uniform
    points. For each neuron the unbiased U-statistic
    :math:`((\sum_ia_i)^2-\sum_ia_i^2)/(N(N-1))`, :math:`a_i=f(x_i)\sigma(w\cdot\sqrt n x_i+b)`,
    has expectation :math:`\langle f,\sigma_{w,b}\rangle^2` given the neuron. Returns
    ``(mean, standard error)``, the error from the spread of the (independent) block means.

    Parameters
    ----------
    target : SphereTarget
    neurons : int
        In [2, 10**7]; a multiple of ``chunk`` is used (rounded up), at least 2 blocks.
    inputs : int
        In [2, 10**6].
    weights : {"gaussian", "sphere"}
    seed : int
    chunk : int
        Neurons per block (memory: chunk * inputs float64 entries), in [1, 10**5].
    """
    if not isinstance(target, SphereTarget):
        raise TypeError(f"target must be a SphereTarget, got {type(target).__name__}")
    neurons = check_int(neurons, "neurons", low=2, high=10**7)
    inputs = check_int(inputs, "inputs", low=2, high=10**6)
    weights = check_choice(weights, "weights", ("gaussian", "sphere"))
    seed = check_seed(seed, allow_generator=False)
    chunk = check_int(chunk, "chunk", low=1, high=10**5)
    n = target.n
    check_size({"chunk": chunk, "inputs": inputs}, what="one block")
    check_size({"inputs": inputs, "n": n}, what="one block of inputs")
    blocks = max(2, -(-neurons // chunk))
    gen = make_generator(seed)
    means = np.empty(blocks)
    for i in range(blocks):
        w = torch.randn(chunk, n, generator=gen, dtype=torch.float64)
        w = w / w.norm(dim=1, keepdim=True) if weights == "sphere" else w / math.sqrt(n)
        b = torch.randn(chunk, generator=gen, dtype=torch.float64)
        x = sample_sphere(n, inputs, gen)
        a = target(x)[:, None] * torch.relu(math.sqrt(n) * x @ w.T + b)   # (inputs, chunk)
        u = (a.sum(0) ** 2 - (a * a).sum(0)) / (inputs * (inputs - 1))
        means[i] = float(u.mean())
    return float(means.mean()), float(means.std(ddof=1) / math.sqrt(blocks))


def random_rotation(n: int, seed: int = 0) -> torch.Tensor:
    r"""A Haar-distributed orthogonal matrix Q of :math:`O(n)`, float64.

    QR decomposition of a Gaussian matrix with the signs of R's diagonal moved into Q
    (Mezzadri's correction), so that the law is exactly Haar.
    """
    n = _check_dim(n)
    g = torch.randn(n, n, generator=make_generator(seed), dtype=torch.float64)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r))[None, :]


def rotation_law_check(n: int = 8, *, init: str = "gaussian", n_models: int = 4000,
                       width: int = 16, seed: int = 0) -> dict:
    r"""Is the law of a random network at :math:`\sqrt n\,x` the same as at :math:`\sqrt n\,Qx`?

    x is the first basis vector :math:`e_0` and Q a Haar rotation; θ is drawn ``n_models``
    times (one :class:`~inal_tutorial.networks.MLPEnsemble`, float64, ReLU, one hidden
    layer of ``width``, :math:`N(0,1)` biases). Two statistics: the first hidden neuron's
    pre-activation without bias, :math:`w\cdot\sqrt n x`, and the network's output. With
    Gaussian first-layer weights both laws are equal (:math:`WQ` has the law of W); with
    Rademacher weights they are not (at :math:`e_0`, :math:`w\cdot\sqrt n e_0=\pm1`).
    The two samples of each statistic come from disjoint halves of the ensemble, so they
    are independent; returns the two-sample Kolmogorov–Smirnov statistics and p-values
    (``pre_ks``, ``pre_p``, ``out_ks``, ``out_p``) and the samples.
    """
    n = _check_dim(n)
    check_choice(init, "init", ("gaussian", "rademacher", "uniform"))
    n_models = check_int(n_models, "n_models", low=4, high=10**6)
    net = MLPEnsemble(n, (width,), n_models=n_models, init=init, seed=seed,
                      dtype=torch.float64)
    x = torch.zeros(1, n, dtype=torch.float64)
    x[0, 0] = math.sqrt(n)
    qx = x @ random_rotation(n, seed + 1).T
    half = n_models // 2
    out = {}
    with torch.no_grad():
        w0 = net.first_layer_weights()[:, 0, :]
        samples = {"pre": ((w0 @ x[0])[:half].numpy(), (w0 @ qx[0])[half:2 * half].numpy()),
                   "out": (net(x)[:half, 0].numpy(), net(qx)[half:2 * half, 0].numpy())}
    for name, (a, b) in samples.items():
        result = stats.ks_2samp(a, b)
        out[f"{name}_ks"], out[f"{name}_p"] = float(result.statistic), float(result.pvalue)
        out[f"{name}_at_x"], out[f"{name}_at_qx"] = a, b
    return out


def _clip(grads: list[torch.Tensor], clip: float | None, mode: str) -> list[torch.Tensor]:
    if clip is None:
        return list(grads)
    if mode == "coordinate":
        return [g.clamp(-clip, clip) for g in grads]
    # "norm": the Euclidean norm of each model's whole gradient (leading axis = models)
    sq = sum(g.reshape(g.shape[0], -1).pow(2).sum(1) for g in grads)
    scale = torch.clamp(clip / sq.sqrt().clamp_min(1e-300), max=1.0)
    return [g * scale.reshape(-1, *([1] * (g.ndim - 1))) for g in grads]


def _gd(net: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, steps: int, lr: float,
        clip: float | None = None, clip_mode: str = "norm") -> None:
    for _ in range(steps):
        loss = ((net(x) - y) ** 2).mean(dim=1).sum()
        grads = _clip(torch.autograd.grad(loss, list(net.parameters())), clip, clip_mode)
        with torch.no_grad():
            for p, g in zip(net.parameters(), grads, strict=True):
                p -= lr * g


def rotation_training_gap(target: SphereTarget, *, steps: int = 30, lr: float = 0.1,
                          width: int = 16, n_models: int = 2, samples: int = 512,
                          clip: float | None = None, clip_mode: str = "norm",
                          seed: int = 0) -> dict:
    r"""Gradient descent on :math:`f\circ Q` from θ is gradient descent on f from :math:`Q\cdot\theta`.

    :math:`Q\cdot\theta` replaces the first layer W by :math:`WQ^\top`. Full-batch GD on the
    square loss over a fixed sample :math:`x_1..x_N` for :math:`f\circ Q`, and over
    :math:`Qx_1..Qx_N` for f (float64). Returns the largest gap between the two
    trajectories' parameters after ``steps`` steps (first layer mapped back by Q), the
    same gap without the relabelling (baseline: training on f from θ itself), and the
    loss drop.

    ``clip`` (a positive float, or None for no clipping) bounds each gradient before the
    step. ``clip_mode="norm"`` rescales each model's whole gradient g to
    :math:`g\min(1, A/|g|)`; :math:`|g|` is unchanged by :math:`W\mapsto WQ^\top`, so the
    identity still holds. ``clip_mode="coordinate"`` clamps every entry to
    :math:`[-A, A]` (what :func:`inal_tutorial.training.noisy_gd` does): that commutes with
    signed permutations but not with rotations, and the gap is no longer rounding error.
    """
    n = target.n
    if clip is not None:
        clip = check_float(clip, "clip", low=0.0, low_open=True)
    clip_mode = check_choice(clip_mode, "clip_mode", ("norm", "coordinate"))
    q = random_rotation(n, seed + 1)
    x = sample_sphere(n, samples, seed + 2)
    y_moved = target(x @ q.T)                       # f(Qx_i)
    net_a = MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=torch.float64)
    net_b = MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=torch.float64)
    net_c = MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=torch.float64)
    with torch.no_grad():
        net_b.weights[0].copy_(net_a.weights[0] @ q.T)
    z = math.sqrt(n) * x
    with torch.no_grad():
        start = float(((net_a(z) - y_moved) ** 2).mean())
    _gd(net_a, z, y_moved[None, :].expand(n_models, -1), steps, lr, clip, clip_mode)
    _gd(net_b, z @ q.T, y_moved[None, :].expand(n_models, -1), steps, lr, clip, clip_mode)
    _gd(net_c, z, target(x)[None, :].expand(n_models, -1), steps, lr, clip, clip_mode)
    with torch.no_grad():
        pa = [p.detach() for p in net_a.parameters()]
        pb = [p.detach() for p in net_b.parameters()]
        pc = [p.detach() for p in net_c.parameters()]
        pb[0] = pb[0] @ q
        gap = max(float((u - v).abs().max()) for u, v in zip(pa, pb, strict=True))
        base = max(float((u - v).abs().max()) for u, v in zip(pa, pc, strict=True))
        end = float(((net_a(z) - y_moved) ** 2).mean())
    return {"gap": gap, "baseline_gap": base, "loss_drop": start - end}


def random_rotations(n: int, count: int, seed: int = 0) -> torch.Tensor:
    r"""``count`` independent Haar-distributed matrices of :math:`O(n)`, shape (count, n, n).

    The batched form of :func:`random_rotation` (QR of Gaussian matrices, signs of R's
    diagonal moved into Q). ``count`` in [1, 10**6]; count * n * n at most 5e7 entries.
    """
    n = _check_dim(n)
    count = check_int(count, "count", low=1, high=10**6)
    check_size({"count": count, "n": n, "n ": n}, what="the rotations", limit=4 * 10**8)
    g = torch.randn(count, n, n, generator=make_generator(seed), dtype=torch.float64)
    q, r = torch.linalg.qr(g)
    return q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))[:, None, :]


def orbit_cross_predictability_mc(target, n: int, *, rotations: int = 2000,
                                  inputs: int = 4096, seed: int = 0,
                                  chunk: int = 50) -> tuple[float, float]:
    r"""Monte Carlo estimate of the orbit cross-predictability :math:`\mathbb E_Q\langle f,f\circ Q\rangle^2`.

    Q is Haar on :math:`O(n)`. For each of ``rotations`` draws of Q, two independent
    samples of ``inputs`` uniform points give two independent unbiased estimates
    :math:`m_1,m_2` of :math:`\langle f,f\circ Q\rangle=\mathbb E_x f(x)f(Qx)`; their
    product is unbiased for its square. Returns ``(mean, standard error)`` over the
    rotations. The exact value is :math:`\sum_kW^k(f)^2/N(n,k)`
    (:func:`~inal_tutorial.sphere.sphere_orbit_cross_predictability`).

    Parameters
    ----------
    target : callable
        Maps a float64 tensor (N, n) of points of the sphere to (N,) values.
    n : int
    rotations : int
        In [2, 10**6].
    inputs : int
        In [2, 10**6].
    seed : int
    chunk : int
        Rotations per block (memory: chunk * inputs * n float64 entries), in [1, 10**4].
    """
    if not callable(target):
        raise TypeError(f"target must be callable, got {type(target).__name__}")
    n = _check_dim(n)
    rotations = check_int(rotations, "rotations", low=2, high=10**6)
    inputs = check_int(inputs, "inputs", low=2, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    chunk = check_int(chunk, "chunk", low=1, high=10**4)
    check_size({"chunk": chunk, "inputs": inputs, "n": n}, what="one block")
    gen = make_generator(seed)
    products = []
    done = 0
    while done < rotations:
        m = min(chunk, rotations - done)
        q = random_rotations(n, m, int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
        estimates = []
        for _ in range(2):
            x = sample_sphere(n, inputs, gen)                          # (inputs, n)
            qx = torch.einsum("mij,sj->msi", q, x).reshape(-1, n)      # Q x
            fx, fqx = target(x), target(qx).reshape(m, inputs)
            estimates.append((fx[None, :] * fqx).mean(1))
        products.append((estimates[0] * estimates[1]).numpy())
        done += m
    values = np.concatenate(products)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


#: Settings of :func:`sphere_steps_experiment`: ``"small"`` runs in the chapter, ``"large"``
#: is the full sweep (not run in the book; hours of CPU).
SPHERE_STEPS_SETTINGS: dict[str, dict] = {
    "small": {"ns": (8, 12, 16), "degrees": (1, 2, 3), "n_seeds": 6, "width": 64,
              "lr": 0.02, "batch_size": 32, "max_steps": 6000, "eval_every": 5,
              "test_size": 512},
    "large": {"ns": (8, 16, 32, 64), "degrees": (1, 2, 3), "n_seeds": 16, "width": 256,
              "lr": 0.02, "batch_size": 32, "max_steps": 200_000, "eval_every": 5,
              "test_size": 2048},
}

#: Target kinds: two degree-k spherical harmonics and the k-parity on the cube.
TARGET_KINDS = ("zonal", "product", "parity")


def _target_values(kind: str, k: int, x: torch.Tensor, direction: torch.Tensor) -> torch.Tensor:
    """Unit-variance degree-k target on inputs of shape (..., n) (sphere points or +-1)."""
    n = x.shape[-1]
    if kind == "parity":
        return x[..., :k].prod(-1)
    if kind == "product":
        return x[..., :k].prod(-1) * math.exp(0.5 * sum(math.log(n + 2 * j) for j in range(k)))
    zonal = ZonalHarmonic(n, k, direction=direction.numpy())
    return zonal(x.reshape(-1, n)).reshape(x.shape[:-1])


def _draw(kind: str, shape: tuple[int, ...], gen: torch.Generator) -> torch.Tensor:
    """Raw inputs: points of the unit sphere, or of the cube for parities."""
    if kind == "parity":
        return (1 - 2 * torch.randint(0, 2, shape, generator=gen)).double()
    g = torch.randn(shape, generator=gen, dtype=torch.float64)
    return g / g.norm(dim=-1, keepdim=True)


def _steps_one_n(n: int, degrees: tuple[int, ...], n_seeds: int, width: int, lr: float,
                 batch_size: int, max_steps: int, eval_every: int, threshold: float,
                 test_size: int, seed: int) -> list[dict]:
    """Online SGD on every (kind, degree) target at one n, all seeds in one ensemble."""
    arms = [(kind, k) for k in degrees for kind in TARGET_KINDS]
    m = len(arms) * n_seeds
    gen = make_generator(seed * 1000 + n)
    direction = sample_sphere(n, 1, seed * 1000 + n + 1)[0]
    net = MLPEnsemble(n, (width,), n_models=m, seed=seed * 1000 + n + 2, dtype=torch.float64)
    scale = [1.0 if kind == "parity" else math.sqrt(n) for kind, _ in arms]

    def batch(size: int) -> tuple[torch.Tensor, torch.Tensor]:
        xs, ys = [], []
        for (kind, k), s in zip(arms, scale, strict=True):
            x = _draw(kind, (n_seeds, size, n), gen)
            xs.append(s * x)
            ys.append(_target_values(kind, k, x, direction))
        return torch.cat(xs), torch.cat(ys)

    x_test, y_test = batch(test_size)
    params = list(net.parameters())
    first = np.full(m, np.inf)
    for step in range(max_steps + 1):
        if step % eval_every == 0:
            with torch.no_grad():
                test_loss = ((net(x_test) - y_test) ** 2).mean(dim=1).numpy()
            if not np.isfinite(test_loss).all():
                raise FloatingPointError(f"training diverged at n = {n}, step {step}: "
                                         f"lower lr (got {lr})")
            newly = np.isinf(first) & (test_loss <= threshold)
            first[newly] = step
            if np.isfinite(first).all() or step == max_steps:
                break
        x, y = batch(batch_size)
        loss = ((net(x) - y) ** 2).mean(dim=1).sum()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p -= lr * g
    records = []
    for i, (kind, k) in enumerate(arms):
        steps = first[i * n_seeds:(i + 1) * n_seeds]
        records.append({"n": n, "kind": kind, "degree": k, "architecture": f"{kind}, k={k}",
                        "steps": steps, "median_steps": float(np.median(steps)),
                        "learned": float(np.isfinite(steps).mean()), "max_steps": max_steps})
    return records


def sphere_steps_experiment(ns: Sequence[int] = (8, 16, 32), degrees: Sequence[int] = (1, 2), *,
                            n_seeds: int = 6, width: int = 64, lr: float = 0.02,
                            batch_size: int = 32, max_steps: int = 3000, eval_every: int = 25,
                            threshold: float = 0.5, test_size: int = 1024, seed: int = 0,
                            executor=None) -> list[dict]:
    r"""Steps of online SGD until a two-layer net learns degree-k targets, sphere and cube.

    For every n and degree k, three unit-variance targets of degree k: the zonal harmonic
    :math:`\sqrt{N(n,k)}P_{k,n}(u\cdot x)` along a random direction u, the normalized
    product :math:`x_0\cdots x_{k-1}` (both on the sphere, fed as :math:`\sqrt n x`), and
    the parity :math:`\chi_{\{0..k-1\}}` on the cube. One
    :class:`~inal_tutorial.networks.MLPEnsemble` (one hidden layer of ``width`` ReLU
    neurons, :math:`N(0,1)` biases, float64) holds ``n_seeds`` seeds of every target;
    each model draws its own fresh batch at every step (square loss, plain SGD). Every
    ``eval_every`` steps the mean squared error on ``test_size`` inputs drawn once,
    independently of the training inputs, is measured; a seed has *learned* at the first
    evaluation with test error at most ``threshold`` (the targets have variance 1, so 0.5
    means half of the variance explained). Seeds that never get there are censored:
    their steps are ``inf``.

    Parameters
    ----------
    ns : sequence of int
        Dimensions, each in [3, 4096].
    degrees : sequence of int
        Each in [1, 6] and <= min(ns).
    n_seeds, width, batch_size, max_steps, eval_every, test_size : int
        Positive.
    lr : float
        > 0.
    threshold : float
        In (0, 1).
    seed : int
    executor : None
        Passed to :func:`~inal_tutorial.executors.run_tasks` (one task per n).

    Returns
    -------
    list of dict
        One record per (n, kind, degree): ``steps`` (per seed), ``median_steps``,
        ``learned`` (fraction of seeds), ``architecture`` (a label "kind, k=...").
    """
    ns = tuple(check_int(v, "n", low=3, high=4096) for v in ns)
    degrees = tuple(check_int(k, "degree", low=1, high=min(6, min(ns))) for k in degrees)
    if not ns or not degrees:
        raise ValueError("ns and degrees must be non-empty")
    n_seeds = check_int(n_seeds, "n_seeds", low=1, high=10_000)
    width = check_int(width, "width", low=1, high=100_000)
    batch_size = check_int(batch_size, "batch_size", low=1, high=1_000_000)
    max_steps = check_int(max_steps, "max_steps", low=1, high=10**8)
    eval_every = check_int(eval_every, "eval_every", low=1, high=10**8)
    test_size = check_int(test_size, "test_size", low=1, high=1_000_000)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    threshold = check_float(threshold, "threshold", low=0.0, high=1.0, low_open=True,
                            high_open=True)
    seed = check_seed(seed, allow_generator=False)
    models = 3 * len(degrees) * n_seeds
    check_size({"models": models, "test_size": test_size, "n": max(ns)},
               what="the test inputs")
    tasks = [(n, degrees, n_seeds, width, lr, batch_size, max_steps, eval_every, threshold,
              test_size, seed) for n in ns]
    return [r for rows in run_tasks(_steps_one_n, tasks, executor) for r in rows]


def sphere_slope_interval(records: list[dict], label: str, *, level: float = 0.95,
                          n_boot: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    r"""Fitted slope of :math:`\log(\text{median steps})` on :math:`\log n` for one target label.

    Least squares over the n of the records whose ``architecture`` is ``label`` (e.g.
    ``"zonal, k=2"``), with a bootstrap interval over seeds; see
    :func:`~inal_tutorial.symmetry.scaling_slope_interval`. Censored seeds count as
    ``inf`` (a median that is infinite gives an infinite slope).
    """
    from .symmetry import scaling_slope_interval

    return scaling_slope_interval(records, label, level=level, n_boot=n_boot, seed=seed)


def log_slope_interval(ns: Sequence[float], values: Sequence[float], stderrs: Sequence[float],
                       *, level: float = 0.95, n_boot: int = 4000,
                       seed: int = 0) -> tuple[float, float, float]:
    r"""Least-squares slope of :math:`\log v` on :math:`\log n` for estimates with standard errors.

    The interval is a parametric bootstrap: each estimate is redrawn as
    :math:`v_i+s_iZ_i` (:math:`Z_i` standard normal, draws with a non-positive value are
    rejected and redrawn as the smallest positive one of that resample) and the slope
    refitted; returns ``(slope, low, high)``.
    """
    ns = np.asarray(ns, dtype=float)
    values = np.asarray(values, dtype=float)
    stderrs = np.asarray(stderrs, dtype=float)
    if ns.ndim != 1 or ns.size < 2 or values.shape != ns.shape or stderrs.shape != ns.shape:
        raise ValueError("ns, values and stderrs must be 1-d of the same length >= 2")
    if (ns <= 0).any() or (values <= 0).any() or (stderrs < 0).any():
        raise ValueError("ns and values must be positive and stderrs non-negative")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=100, high=10**6)
    rng = np.random.default_rng(check_seed(seed, allow_generator=False))
    u = np.log(ns) - np.log(ns).mean()
    slope = float((np.log(values) * u).sum() / (u * u).sum())
    draws = values + stderrs * rng.standard_normal((n_boot, ns.size))
    draws = np.where(draws > 0, draws, values.min() * 1e-3)
    slopes = (np.log(draws) * u).sum(axis=1) / (u * u).sum()
    alpha = (1 - level) / 2
    return slope, float(np.quantile(slopes, alpha)), float(np.quantile(slopes, 1 - alpha))
