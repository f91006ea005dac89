r"""Where the lower bound stops: noisy or large-batch GD versus small-batch SGD, and the
plateau of sparse parities (the chapter *Where the lower bound stops*).

Three experiments, all on the k-parity :math:`\chi_S(x)=\prod_{i\in S}x_i` of the first
k of n bits (:math:`S=\{0,\dots,k-1\}`), a balanced target, with fully connected
:class:`~inal_tutorial.networks.MLPEnsemble` networks (one hidden ReLU layer, Gaussian
weights of variance 1/fan-in, Gaussian biases) trained in **float64** on fresh uniform
inputs, the hinge loss, and accuracy measured on held-out uniform inputs drawn
independently of the training inputs:

* :func:`matched_compute_sweep`: for every batch size B and noise level
  :math:`\sigma` of a grid, train for :math:`T=\lfloor C/B\rfloor` steps, so that every
  configuration uses the same number C of **sample-gradient evaluations** per network,
  with the update :math:`\theta\leftarrow\theta-\gamma(g_B+Z)`,
  :math:`Z\sim N(0,\sigma^2I)` (``noise_std=0``: plain SGD);
* :func:`plateau_sweep`: the steps to learn (see :func:`steps_to_learn_parity`) for
  several n and k, and :func:`fit_exponent`: the exponent :math:`\alpha` of
  :math:`T_{\mathrm{median}}(n)\approx c\,n^{\alpha}` with a bootstrap interval;
* :func:`hidden_progress_run`: during one run, the first-layer weight share of the
  support and the Fourier coefficient of the output on S, each beside the same quantity
  for a control set of k coordinates outside S (:class:`ProgressRecorder`).

Settings: :data:`MATCHED`, :data:`PLATEAU`, :data:`PROGRESS`, each with a ``"small"``
entry (the chapter, seconds on one core) and a ``"large"`` entry (the full sweeps, not
run in the chapter). Sweeps accept ``executor`` and pass it to
:func:`inal_tutorial.executors.run_tasks` (``None``: serial).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import check_choice, check_float, check_int, check_seed
from .boolean import Parity
from .executors import run_tasks
from .networks import MLPEnsemble
from .random import spawn_seeds
from .training import train

__all__ = [
    "MATCHED",
    "PLATEAU",
    "PROGRESS",
    "LEARNED_ACCURACY",
    "matched_compute_run",
    "matched_compute_sweep",
    "batch_gradient_noise",
    "steps_to_learn_parity",
    "plateau_sweep",
    "ExponentFit",
    "fit_exponent",
    "ProgressRecorder",
    "hidden_progress_run",
]

#: Held-out accuracy at which a run counts as having learned the parity.
LEARNED_ACCURACY = 0.95

#: Matched compute: a 3-parity of 20 bits; every (B, sigma) gets ``budget`` samples.
MATCHED = {
    "small": dict(n=20, k=3, width=64, n_models=8, budget=2**15, lr=0.1,
                  batch_sizes=(8, 32, 128, 512, 2048), noise_stds=(0.0, 0.1, 0.3),
                  test_size=2000),
    "large": dict(n=30, k=3, width=256, n_models=32, budget=2**18, lr=0.1,
                  batch_sizes=(4, 16, 64, 256, 1024, 4096, 16384),
                  noise_stds=(0.0, 0.03, 0.1, 0.3, 1.0), test_size=10000),
}
#: The plateau's scaling: steps to learn for each k and n (``ns`` maps k to its n's).
PLATEAU = {
    "small": dict(ns={2: (16, 32, 64, 128, 256), 3: (16, 32, 64, 128)}, width=64,
                  n_models=8,
                  batch_size=32, lr=0.1, max_steps=20_000, eval_every=10, test_size=1000),
    "large": dict(ns={2: (16, 32, 64, 128, 256, 512, 1024), 3: (16, 32, 64, 128, 256),
                      4: (16, 24, 32, 48)},
                  width=256, n_models=32, batch_size=32, lr=0.1, max_steps=1_000_000,
                  eval_every=10, test_size=4000),
}
#: Hidden progress during the plateau: one run of 3-parity of 64 bits.
PROGRESS = {
    "small": dict(n=64, k=3, width=64, n_models=4, steps=3000, batch_size=32, lr=0.1,
                  every=25, test_size=2000),
    "large": dict(n=64, k=3, width=1000, n_models=8, steps=10000, batch_size=32, lr=0.1,
                  every=25, test_size=10000),
}


def _network(n: int, width: int, n_models: int, seed: int) -> MLPEnsemble:
    return MLPEnsemble(n, (width,), n_models=n_models, seed=seed, dtype=torch.float64)


# ---------------------------------------------------------------------------
# Matched compute: batch size and noise at a fixed number of sample gradients
# ---------------------------------------------------------------------------


def matched_compute_run(n: int, k: int, batch_size: int, noise_std: float, budget: int,
                        width: int, n_models: int, lr: float, test_size: int,
                        seed: int) -> dict:
    r"""Train ``n_models`` networks on the k-parity of n bits with ``budget // batch_size`` steps.

    The update is :math:`\theta\leftarrow\theta-\gamma(g_B+Z)` with :math:`g_B` the
    gradient of the mean hinge loss on B fresh uniform inputs and
    :math:`Z\sim N(0,\sigma^2 I)` (``noise_std``), so the run evaluates
    :math:`T\cdot B\le C` (``budget``) sample gradients per network. The initialization
    depends on ``seed`` only, so every configuration of a sweep starts from the same M
    networks (the arms are paired).

    Returns
    -------
    dict
        ``n``, ``k``, ``batch_size``, ``noise_std``, ``steps`` (T), ``samples`` (T·B),
        ``accuracy`` (list of M held-out accuracies on ``test_size`` fresh inputs),
        ``learned`` (how many reached :data:`LEARNED_ACCURACY`), ``n_models``.
    """
    n = check_int(n, "n", low=2, high=4096)
    k = check_int(k, "k", low=1, high=n)
    batch_size = check_int(batch_size, "batch_size", low=1, high=10**6)
    budget = check_int(budget, "budget", low=batch_size, high=10**9)
    noise_std = check_float(noise_std, "noise_std", low=0.0)
    seed = check_seed(seed, allow_generator=False)
    init_seed, train_seed = spawn_seeds(seed, 2)
    steps = budget // batch_size
    net = _network(n, width, n_models, init_seed)
    history = train(net, Parity(n, k=k), steps=steps, lr=lr, loss="hinge",
                    batch_size=batch_size, noise_std=noise_std, seed=train_seed,
                    data_seed=seed, test_size=test_size, eval_every=steps, progress=False)
    accuracy = history.final("accuracy")
    return {"n": n, "k": k, "batch_size": batch_size, "noise_std": noise_std,
            "steps": steps, "samples": steps * batch_size,
            "accuracy": [float(a) for a in accuracy],
            "learned": int((accuracy >= LEARNED_ACCURACY).sum()), "n_models": n_models}


def matched_compute_sweep(scale: str = "small", *, seed: int = 0, executor=None,
                          **overrides) -> list[dict]:
    """Run :func:`matched_compute_run` for every (batch size, noise level) of :data:`MATCHED`.

    ``overrides`` replace entries of the setting (e.g. ``batch_sizes=(8, 512)``). The
    configurations are independent and go through
    :func:`inal_tutorial.executors.run_tasks` with ``executor``. Returns one record per
    configuration, batch sizes outer, noise levels inner.
    """
    s = _setting(MATCHED, scale, overrides)
    tasks = [(s["n"], s["k"], b, sigma, s["budget"], s["width"], s["n_models"], s["lr"],
              s["test_size"], seed)
             for b in s["batch_sizes"] for sigma in s["noise_stds"]]
    return run_tasks(matched_compute_run, tasks, executor)


def batch_gradient_noise(n: int, k: int, batch_sizes: Sequence[int], *, width: int = 64,
                         n_models: int = 8, repeats: int = 4,
                         seed: int = 0) -> dict[int, float]:
    r"""Typical batch noise of one coordinate of the batch gradient :math:`g_B` at init.

    For each B, draws ``repeats`` pairs of independent batches of B uniform inputs
    labelled by the k-parity, takes the gradients :math:`g_B, g_B'` of the mean hinge
    loss of each of the ``n_models`` networks (initialized as in
    :func:`matched_compute_run` with the same ``seed``), and returns
    :math:`\sqrt{\operatorname{mean}((g_B-g_B')^2)/2}` over all coordinates, models and
    pairs: the standard deviation of a coordinate of :math:`g_B` around the population
    gradient, about :math:`c/\sqrt B`. It is the scale that the added noise
    :math:`\sigma` of a noisy run is compared with.

    Raises
    ------
    ValueError
        n outside [2, 4096], k outside [1, n], a batch size outside [1, 65536], an empty
        list, ``width`` or ``n_models`` or ``repeats`` outside their ranges, or
        ``max(batch_sizes) * n * width * n_models`` above 2**28 (memory).
    """
    n = check_int(n, "n", low=2, high=4096)
    k = check_int(k, "k", low=1, high=n)
    sizes = [check_int(b, "batch size", low=1, high=65536) for b in batch_sizes]
    if not sizes:
        raise ValueError("batch_sizes must hold at least one batch size")
    width = check_int(width, "width", low=1, high=4096)
    n_models = check_int(n_models, "n_models", low=1, high=256)
    repeats = check_int(repeats, "repeats", low=1, high=100)
    if max(sizes) * max(n, width) * n_models > 2**28:
        raise ValueError("max(batch_sizes) * max(n, width) * n_models exceeds 2**28: "
                         "too much memory; use smaller batches or fewer models")
    seed = check_seed(seed, allow_generator=False)
    init_seed, _ = spawn_seeds(seed, 2)
    net = _network(n, width, n_models, init_seed)
    target = Parity(n, k=k)
    gen = torch.Generator().manual_seed(seed + 1)
    def gradient(b: int) -> torch.Tensor:
        x = (2 * torch.randint(0, 2, (b, n), generator=gen) - 1).to(torch.float64)
        y = target(x).to(torch.float64)
        loss = torch.relu(1 - y * net(x)).mean(dim=1).sum()
        grads = torch.autograd.grad(loss, list(net.parameters()))
        return torch.cat([g.reshape(-1) for g in grads])

    out = {}
    for b in sizes:
        diffs = [gradient(b) - gradient(b) for _ in range(repeats)]
        out[b] = math.sqrt(float(torch.cat(diffs).square().mean()) / 2)
    return out


def _setting(table: Mapping[str, dict], scale: str, overrides: Mapping) -> dict:
    s = dict(table[check_choice(scale, "scale", tuple(table))])
    for key, value in overrides.items():
        if key not in s:
            raise TypeError(f"unknown setting {key!r}; allowed: {sorted(s)}")
        s[key] = value
    return s


# ---------------------------------------------------------------------------
# The plateau: steps to learn, and their growth with n
# ---------------------------------------------------------------------------


def steps_to_learn_parity(n: int, k: int, width: int, n_models: int, batch_size: int,
                          lr: float, max_steps: int, eval_every: int, test_size: int,
                          seed: int) -> dict:
    r"""Online SGD steps until each network reaches held-out accuracy :data:`LEARNED_ACCURACY`.

    **Definition.** The steps to learn of a network is the first evaluation step t (a
    multiple of ``eval_every``) at which its accuracy on ``test_size`` fresh uniform inputs
    (a fixed set drawn independently of the training inputs) is at least 0.95. It
    overstates the first crossing by at most ``eval_every - 1`` steps. A network that has
    not got there after ``max_steps`` steps is **censored**: its count is ``inf``, and the
    run continues until every network has learned or ``max_steps`` is reached.

    Returns
    -------
    dict
        ``n``, ``k``, ``steps`` (list of M floats, ``inf`` when censored), ``censored``
        (how many), ``median`` (median over the M networks, ``inf`` when half or more
        are censored), ``max_steps``.
    """
    n = check_int(n, "n", low=2, high=4096)
    k = check_int(k, "k", low=1, high=n)
    max_steps = check_int(max_steps, "max_steps", low=1, high=10**9)
    seed = check_seed(seed, allow_generator=False)
    init_seed, train_seed = spawn_seeds(seed, 2)
    net = _network(n, width, n_models, init_seed)
    history = train(net, Parity(n, k=k), steps=max_steps, lr=lr, loss="hinge",
                    batch_size=batch_size, seed=train_seed, data_seed=seed,
                    test_size=test_size, eval_every=eval_every,
                    stop_accuracy=LEARNED_ACCURACY, progress=False)
    steps = history.steps_to("accuracy", LEARNED_ACCURACY)
    return {"n": n, "k": k, "steps": [float(s) for s in steps],
            "censored": int(np.isinf(steps).sum()), "median": float(np.median(steps)),
            "max_steps": max_steps}


def plateau_sweep(scale: str = "small", *, seed: int = 0, executor=None,
                  **overrides) -> list[dict]:
    """:func:`steps_to_learn_parity` for every (k, n) of :data:`PLATEAU` (``ns`` maps k to n's).

    Each (k, n) gets its own seed, derived from ``seed``, k and n. The runs go through
    :func:`inal_tutorial.executors.run_tasks` with ``executor``. Returns one record per
    (k, n), k outer.
    """
    s = _setting(PLATEAU, scale, overrides)
    seed = check_seed(seed, allow_generator=False)
    tasks = [(n, k, s["width"], s["n_models"], s["batch_size"], s["lr"], s["max_steps"],
              s["eval_every"], s["test_size"], seed * 100_003 + 1000 * k + n)
             for k, ns in sorted(s["ns"].items()) for n in ns]
    return run_tasks(steps_to_learn_parity, tasks, executor)


@dataclass(frozen=True)
class ExponentFit:
    r"""A fitted exponent :math:`\alpha` of :math:`T(n)\approx c\,n^\alpha`, with its interval.

    Attributes
    ----------
    exponent, intercept : float
        Least-squares slope and intercept of :math:`\log T_{\mathrm{median}}` on
        :math:`\log n`.
    low, high : float
        Percentile bootstrap interval of the slope (``high`` is ``inf`` when some
        resamples have a censored median).
    level : float
    ns : tuple of int
    medians : tuple of float
    censored : int
        Censored runs over all n (counted as ``inf``, never dropped).
    n_runs : int
    """

    exponent: float
    intercept: float
    low: float
    high: float
    level: float
    ns: tuple
    medians: tuple
    censored: int
    n_runs: int


def _slope(log_n: np.ndarray, log_t: np.ndarray) -> tuple[float, float]:
    if not np.all(np.isfinite(log_t)):
        return math.inf, math.nan
    slope, intercept = np.polyfit(log_n, log_t, 1)
    return float(slope), float(intercept)


def fit_exponent(ns: Sequence[int], steps: Sequence[Sequence[float]], *, level: float = 0.95,
                 n_boot: int = 2000, seed: int = 0) -> ExponentFit:
    r"""Fit :math:`\log T_{\mathrm{median}}(n)=\log c+\alpha\log n` and bootstrap :math:`\alpha`.

    ``steps[i]`` are the steps to learn of the seeds at ``ns[i]`` (``inf`` for censored
    runs). The point estimate uses the median over seeds at each n (finite while fewer
    than half the seeds are censored). The interval resamples the seeds *within each n*
    with replacement ``n_boot`` times (the n's are independent experiments) and takes the
    :math:`(1\mp\mathrm{level})/2` quantiles of the refitted slopes; a resample whose
    median is censored gives the slope ``inf``, so censoring widens the interval upwards
    instead of being hidden.

    Raises
    ------
    ValueError
        Fewer than 2 distinct n, an n < 1, an empty or NaN list of steps, a median that is
        censored, ``level`` outside (0, 1), ``n_boot`` outside [10, 10**6].
    """
    ns_arr = np.asarray([check_int(n, "ns entry", low=1) for n in ns], dtype=np.float64)
    if len(set(ns_arr.tolist())) < 2:
        raise ValueError(f"ns must hold at least 2 distinct values, got {list(ns)}")
    if len(steps) != len(ns_arr):
        raise ValueError(f"steps must have one list per n ({len(ns_arr)}), got {len(steps)}")
    groups = []
    for n, group in zip(ns, steps, strict=True):
        arr = np.asarray(group, dtype=np.float64).ravel()
        if arr.size == 0 or np.isnan(arr).any() or (arr <= 0).any():
            raise ValueError(f"steps at n={n} must be a non-empty list of positive numbers "
                             f"(inf for censored runs), got {list(group)}")
        groups.append(arr)
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=10, high=10**6)
    rng = np.random.default_rng(check_seed(seed, allow_generator=False))
    medians = np.array([np.median(g) for g in groups])
    if not np.all(np.isfinite(medians)):
        raise ValueError(f"the median steps are censored at some n (medians {medians.tolist()});"
                         " raise max_steps or drop that n")
    log_n = np.log(ns_arr)
    slope, intercept = _slope(log_n, np.log(medians))
    boot = np.empty(n_boot)
    for b in range(n_boot):
        resampled = [np.median(g[rng.integers(0, g.size, g.size)]) for g in groups]
        boot[b] = _slope(log_n, np.log(resampled))[0]
    big = np.finfo(np.float64).max / 4     # a censored slope: inf, kept out of the interpolation
    lo, hi = np.quantile(np.where(np.isinf(boot), big, boot), [(1 - level) / 2, (1 + level) / 2])
    lo, hi = (math.inf if v > 1e300 else v for v in (lo, hi))
    return ExponentFit(slope, intercept, float(lo), float(hi), level,
                       tuple(int(n) for n in ns_arr), tuple(float(m) for m in medians),
                       int(sum(np.isinf(g).sum() for g in groups)),
                       int(sum(g.size for g in groups)))


# ---------------------------------------------------------------------------
# Hidden progress during the plateau
# ---------------------------------------------------------------------------


class ProgressRecorder:
    r"""A ``callback`` for :func:`~inal_tutorial.training.train` recording progress measures.

    Every ``every`` steps (and at step 0, when built), for each model m:

    * ``share``: the share of the first-layer weight mass on the support S,
      :math:`\sum_{j\in S}\sum_u W_{uj}^2/\sum_j\sum_u W_{uj}^2` (about :math:`|S|/n` at
      initialization), and ``share_control`` the same for a control set T of
      :math:`|S|` coordinates outside S;
    * ``fourier``: the Fourier coefficient of the output on S,
      :math:`\widehat{\mathrm{NN}}(S)=\mathbb E_x[\mathrm{NN}(x)\chi_S(x)]`, estimated on
      ``x_eval`` (held-out inputs), and ``fourier_control`` the same on T;
    * ``accuracy``: :math:`\Pr[\mathrm{sign}\,\mathrm{NN}(x)=\chi_S(x)]` on ``x_eval``.

    A measure that separates S from T while the accuracy is at chance is *hidden
    progress*. Arrays are ``(n_records, M)``; ``steps`` is ``(n_records,)``.
    """

    def __init__(self, model: MLPEnsemble, support: Sequence[int], control: Sequence[int],
                 x_eval: torch.Tensor, every: int):
        self.model = model
        self.support = list(support)
        self.control = list(control)
        if len(self.support) != len(self.control) or set(self.support) & set(self.control):
            raise ValueError("control must be as many coordinates as support, disjoint from it")
        self.every = check_int(every, "every", low=1)
        self.x = x_eval
        self.chi_s = x_eval[:, self.support].prod(dim=1)
        self.chi_t = x_eval[:, self.control].prod(dim=1)
        self.steps: list[int] = []
        self.values: dict[str, list[np.ndarray]] = {}
        self._record(0)

    @torch.no_grad()
    def _record(self, step: int) -> None:
        w = self.model.first_layer_weights().double().square().sum(dim=1)  # (M, n)
        total = w.sum(dim=1)
        out = self.model(self.x)  # (M, N)
        row = {"share": w[:, self.support].sum(dim=1) / total,
               "share_control": w[:, self.control].sum(dim=1) / total,
               "fourier": (out * self.chi_s).mean(dim=1),
               "fourier_control": (out * self.chi_t).mean(dim=1),
               "accuracy": (torch.sign(out) == self.chi_s).double().mean(dim=1)}
        self.steps.append(step)
        for key, value in row.items():
            self.values.setdefault(key, []).append(value.cpu().numpy())

    def __call__(self, step: int, model) -> None:
        if step % self.every == 0:
            self._record(step)

    def __getitem__(self, name: str) -> np.ndarray:
        check_choice(name, "measure", tuple(self.values))
        return np.stack(self.values[name])

    def leaves_chance(self, level: float = 0.6) -> np.ndarray:
        """Per model, the first recorded step with accuracy >= ``level`` (``inf`` if none)."""
        acc = self["accuracy"]
        hit = acc >= level
        first = np.where(hit.any(axis=0), hit.argmax(axis=0), -1)
        steps = np.asarray(self.steps, dtype=float)
        return np.where(first >= 0, steps[np.maximum(first, 0)], np.inf)


def hidden_progress_run(scale: str = "small", *, seed: int = 0, **overrides) -> ProgressRecorder:
    """One online-SGD run on the k-parity of :data:`PROGRESS`, with a :class:`ProgressRecorder`.

    The control set is the last k coordinates, ``(n - k, ..., n - 1)``; the held-out
    inputs are ``test_size`` uniform inputs drawn from their own seed.
    """
    s = _setting(PROGRESS, scale, overrides)
    seed = check_seed(seed, allow_generator=False)
    init_seed, train_seed, eval_seed = spawn_seeds(seed, 3)
    n, k = s["n"], s["k"]
    net = _network(n, s["width"], s["n_models"], init_seed)
    gen = torch.Generator().manual_seed(int(eval_seed))
    x_eval = (1 - 2 * torch.randint(0, 2, (s["test_size"], n), generator=gen)).double()
    recorder = ProgressRecorder(net, range(k), range(n - k, n), x_eval, s["every"])
    train(net, Parity(n, k=k), steps=s["steps"], lr=s["lr"], loss="hinge",
          batch_size=s["batch_size"], seed=train_seed, data_seed=seed,
          test_size=s["test_size"], eval_every=s["steps"], callback=recorder,
          progress=False)
    return recorder
