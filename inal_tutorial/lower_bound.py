r"""The noisy-GD lower bound, piece by piece, so that each inequality can be checked.

Setting. A target F is drawn from a class :math:`\mathcal F` of functions
:math:`\{-1,+1\}^n\to\{-1,+1\}` (uniformly; the rows of a table matrix). Noisy GD on the
square loss :math:`L_F(\theta)=\mathbb{E}_x(\mathrm{NN}_\theta(x)-F(x))^2` with the
population gradient, coordinate-wise clipping :math:`\mathrm{clip}_A` and Gaussian noise:

.. math:: \theta_{t+1}=\theta_t-\gamma\big(\mathrm{clip}_A(\nabla L_F(\theta_t))+Z_t\big),
          \qquad Z_t\sim N(0,\sigma^2 I_P),

from an initialization whose law does not depend on F. The *junk* run uses labels 0:
:math:`L_0(\theta)=\mathbb{E}_x\mathrm{NN}_\theta(x)^2`. Write
:math:`h_F(\theta)_p=\langle F,\partial_p\mathrm{NN}_\theta\rangle`.

1. **Label-dependent part.** :math:`\nabla L_F=\nabla L_0-2h_F` (linear in F)
   — :func:`label_dependent_gradient`, :func:`junk_gradient`.
2. **Per-step KL.** Given :math:`\theta_t`, the next iterate is Gaussian with mean
   :math:`\theta_t-\gamma\,\mathrm{clip}_A(\nabla L(\theta_t))` and covariance
   :math:`\gamma^2\sigma^2 I`, so the KL between the junk step and the F step is
   :math:`\|\mathrm{clip}_A(\nabla L_0)-\mathrm{clip}_A(\nabla L_F)\|^2/(2\sigma^2)`
   (γ cancels) — :func:`gaussian_kl`.
3. **Clipping is 1-Lipschitz** coordinate by coordinate, so this is at most
   :math:`\|\nabla L_0-\nabla L_F\|^2/(2\sigma^2)=2\|h_F\|^2/\sigma^2`.
4. **Chain rule along the junk run.** With Q the law of the junk trajectory and
   :math:`P_F` that of the run on F, :math:`\mathrm{KL}(Q\|P_F)=\sum_{t<T}\mathbb{E}_{\theta_t\sim Q}
   [\mathrm{KL}_t]`. Q does not depend on F, so averaging over F can be done inside:
   :math:`\mathbb{E}_F\mathrm{KL}(Q\|P_F)\le\frac2{\sigma^2}\sum_t\mathbb{E}_Q\mathbb{E}_F\|h_F(\theta_t)\|^2`.
5. **Operator norm ≤ Hilbert–Schmidt norm.** For any g,
   :math:`\mathbb{E}_F\langle F,g\rangle^2=\langle g,Kg\rangle\le\lambda\|g\|^2\le\sqrt{\mathrm{CP}}\,\|g\|^2`
   with :math:`K=\mathbb{E}_F F\otimes F`, :math:`\lambda=\|K\|_{op}` and
   :math:`\|K\|_{HS}^2=\mathbb{E}_{F,F'}\langle F,F'\rangle^2=\mathrm{CP}`. Summed over the
   coordinates p: :math:`\mathbb{E}_F\|h_F\|^2\le\lambda\,B_t^2` with
   :math:`B_t^2=\mathbb{E}_x\|\nabla_\theta\mathrm{NN}_{\theta_t}(x)\|^2\le P\,b_t^2`,
   :math:`b_t^2=\max_p\mathbb{E}_x(\partial_p\mathrm{NN}_{\theta_t})^2`.
6. **Pinsker and data processing.** :math:`\mathrm{TV}\le\sqrt{\mathrm{KL}/2}`, and any
   [0,1]-valued statistic of :math:`\theta_T` (the accuracy
   :math:`\mathrm{acc}_F(\theta)=P_x[\mathrm{sign}\,\mathrm{NN}_\theta(x)=F(x)]`) changes by at most
   the TV. Under Q, :math:`\mathbb{E}_F\mathrm{acc}_F(\theta)=\frac12+\frac12\mathbb{E}_F\langle F,s\rangle
   \le\frac12+\frac12\sqrt\lambda` with :math:`s=\mathrm{sign}\,\mathrm{NN}_\theta`, :math:`\|s\|=1`.

Together (Jensen for :math:`\mathbb{E}_F\sqrt{\cdot}`):

.. math:: \mathbb{E}_F\,\mathbb{E}_{P_F}\mathrm{acc}_F(\theta_T)
          \le \frac12+\frac{\sqrt\lambda}2+\sqrt{\frac{\lambda}{\sigma^2}\sum_{t<T}\mathbb{E}_Q B_t^2}
          \le \frac12+\frac{\mathrm{CP}^{1/4}}2+\frac{\mathrm{CP}^{1/4}\,b\sqrt{TP}}{\sigma},

with :math:`b^2\ge\mathbb{E}_Q b_t^2` for all t — see :func:`success_bound`.
:func:`trace_junk_run` runs the junk trajectory with :func:`inal_tutorial.training.train`
and records every quantity of the chain at every step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.special import ndtr
from torch import nn
from torch.func import functional_call, grad, vmap

from . import _training_checks as _checks
from ._validation import (
    as_real_array,
    as_tensor,
    check_float,
    check_int,
    check_seed,
    check_size,
    log2_length,
)
from .boolean import BooleanTarget, FunctionTarget, all_inputs, truth_table
from .fourier import walsh_coefficients
from .random import SeedLike
from .training import clip_coordinates, ensemble_parameters, flat_gradient, loss_gradient, train

__all__ = [
    "class_tables",
    "class_gram",
    "class_cross_predictability",
    "correlation_operator_norm",
    "correlation_second_moment",
    "output_jacobian",
    "junk_gradient",
    "label_dependent_gradient",
    "gaussian_kl",
    "gaussian_tv",
    "pinsker_bound",
    "success_bound",
    "BoundTrace",
    "trace_junk_run",
    "trace_junk_runs",
]


# ---------------------------------------------------------------------------
# The class of targets
# ---------------------------------------------------------------------------


def class_tables(targets) -> torch.Tensor:
    """Truth tables of a class of targets as a float64 matrix ``(C, 2**n)`` (one row per F).

    ``targets`` is a non-empty sequence of :class:`~inal_tutorial.boolean.BooleanTarget` on
    the same n, or already a matrix of finite truth tables with C >= 1 rows of length
    :math:`2^n`, 1 <= n <= 24 (``C x 2^n`` within the tensor-size cap).
    """
    return _class_tables(targets, "targets")


def _class_tables(targets, name: str) -> torch.Tensor:
    """:func:`class_tables`, with messages naming the caller's argument ``name``."""
    if isinstance(targets, (torch.Tensor, np.ndarray)):
        tables = as_tensor(targets, name, dtype=torch.float64)
    else:
        if isinstance(targets, (str, bytes, BooleanTarget)) or not hasattr(targets, "__iter__"):
            raise TypeError(f"{name} must be a sequence of BooleanTarget or a matrix of truth "
                            f"tables, got {type(targets).__name__}")
        targets = list(targets)
        if not targets:
            raise ValueError(f"{name} must not be empty")
        if not all(isinstance(t, BooleanTarget) for t in targets):
            raise TypeError(f"{name} must be BooleanTarget instances or a matrix of truth tables")
        if len({t.n for t in targets}) != 1:
            raise ValueError(f"{name} must share n, got {sorted({t.n for t in targets})}")
        check_size({f"len({name})": len(targets), "2^n": 2**targets[0].n},
                   what="the truth tables")
        tables = torch.stack([truth_table(t) for t in targets])
    if tables.ndim != 2:
        raise ValueError(f"{name} must be a matrix (C, 2**n), got shape {tuple(tables.shape)}")
    if tables.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one truth table, got shape "
                         f"{tuple(tables.shape)}")
    log2_length(tables.shape[1], f"a row of {name}")
    return tables


def class_gram(tables) -> torch.Tensor:
    r"""Gram matrix :math:`G_{ij}=\langle F_i,F_j\rangle=2^{-n}\sum_xF_i(x)F_j(x)`, shape ``(C, C)``."""
    tables = _class_tables(tables, "tables")
    check_size({"C (rows)": tables.shape[0], "C (columns)": tables.shape[0]},
               what="the Gram matrix")
    return tables @ tables.T / tables.shape[1]


def class_cross_predictability(tables) -> float:
    r"""CP of the uniform distribution on the rows: :math:`\mathbb{E}_{F,F'}\langle F,F'\rangle^2=\mathrm{mean}(G^2)`.

    Pairs are ordered and the diagonal counts, as in :func:`inal_tutorial.sq.cross_predictability`.
    """
    return float(class_gram(tables).square().mean())


def correlation_operator_norm(tables) -> float:
    r""":math:`\lambda=\|K\|_{op}` for :math:`K=\mathbb{E}_F F\otimes F` on :math:`L^2(\{\pm1\}^n)`.

    :math:`\langle g,Kg\rangle=\mathbb{E}_F\langle F,g\rangle^2`. K has the same non-zero
    eigenvalues as :math:`G/C` (G the Gram matrix), so :math:`\lambda=\lambda_{\max}(G)/C`;
    and :math:`\|K\|_{HS}^2=\mathrm{tr}(G^2)/C^2=\mathrm{CP}`, so :math:`\lambda\le\sqrt{\mathrm{CP}}`.
    For the :math:`\binom nk` parities of degree k, :math:`G=I` and :math:`\lambda=\mathrm{CP}=1/\binom nk`.
    """
    gram = class_gram(tables)
    return float(torch.linalg.eigvalsh(gram)[-1]) / gram.shape[0]


def correlation_second_moment(tables, functions) -> torch.Tensor:
    r""":math:`\mathbb{E}_F\langle F,g\rangle^2` for each function g (the last axis of ``functions``, length :math:`2^n`)."""
    tables = _class_tables(tables, "tables")
    g = as_tensor(functions, "functions", dtype=torch.float64)
    if g.shape[-1] != tables.shape[1]:
        raise ValueError(f"functions must have a last axis of length {tables.shape[1]}, got "
                         f"shape {tuple(g.shape)}")
    inner = g @ tables.T / tables.shape[1]  # (..., C)
    return inner.square().mean(dim=-1)


# ---------------------------------------------------------------------------
# Gradients of the network
# ---------------------------------------------------------------------------


def output_jacobian(model: nn.Module, x: torch.Tensor, *, chunk_size: int = 1024) -> torch.Tensor:
    r"""Per-input gradients of each model's output, :math:`J_{m,i,p}=\partial_p\mathrm{NN}_{\theta_m}(x_i)`.

    Returns a tensor ``(M, N, P)`` whose last axis follows the order of
    :func:`inal_tutorial.training.flat_gradient`. Computed with ``torch.func`` (one
    vectorized per-sample gradient of :math:`\sum_m\mathrm{NN}_{\theta_m}(x_i)`: model m's
    output depends on its own parameters only).
    """
    params, m = ensemble_parameters(model)
    names = [name for name, p in model.named_parameters() if p.requires_grad]
    detached = {name: p.detach() for name, p in zip(names, params, strict=True)}
    buffers = dict(model.named_buffers())
    chunk_size = check_int(chunk_size, "chunk_size", low=1, high=10**7)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    n_inputs = getattr(model, "n_inputs", None)
    if x.ndim < 2 or x.shape[0] == 0 or (n_inputs is not None and tuple(x.shape[1:]) !=
                                         (n_inputs,)):
        shape = f"(N, {n_inputs})" if n_inputs is not None else "(N, *input_shape)"
        raise ValueError(f"x must have shape {shape} with N >= 1, got {tuple(x.shape)}")
    n_params = sum(p[0].numel() for p in params)
    entry = params[0].dtype.itemsize
    check_size({"n_models": m, "N (rows of x)": x.shape[0], "P (parameters per model)":
                n_params}, bytes_per_entry=entry, what="the Jacobian")
    x = _checks.check_tensor(x, "x")

    def summed_output(p, xi):
        return functional_call(model, (p, buffers), (xi.unsqueeze(0),)).sum()

    per_sample = vmap(grad(summed_output), in_dims=(None, 0))
    blocks = []
    for start in range(0, x.shape[0], chunk_size):
        jac = per_sample(detached, x[start:start + chunk_size])
        n_rows = x[start:start + chunk_size].shape[0]
        blocks.append(torch.cat([jac[name].reshape(n_rows, m, -1) for name in names], dim=2))
    return torch.cat(blocks, dim=0).transpose(0, 1)


def junk_gradient(jacobian: torch.Tensor, outputs: torch.Tensor) -> torch.Tensor:
    r""":math:`\nabla L_0=\nabla\,\mathbb{E}_x\mathrm{NN}^2=2\,\mathbb{E}_x[\mathrm{NN}(x)\nabla\mathrm{NN}(x)]`, shape ``(M, P)``."""
    jacobian, outputs = _check_jacobian(jacobian), _checks.check_tensor(outputs, "outputs")
    if outputs.shape != jacobian.shape[:2]:
        raise ValueError(f"outputs must have shape (M, N) = {tuple(jacobian.shape[:2])} to "
                         f"match jacobian, got {tuple(outputs.shape)}")
    return 2 * torch.einsum("mn,mnp->mp", outputs, jacobian) / jacobian.shape[1]


def _check_jacobian(jacobian) -> torch.Tensor:
    jacobian = _checks.check_tensor(jacobian, "jacobian")
    if jacobian.ndim != 3 or 0 in jacobian.shape:
        raise ValueError(f"jacobian must have shape (M, N, P) with no empty axis, got "
                         f"{tuple(jacobian.shape)}")
    return jacobian


def label_dependent_gradient(jacobian: torch.Tensor, tables) -> torch.Tensor:
    r""":math:`h_F=\langle F,\nabla\mathrm{NN}\rangle=\mathbb{E}_x[F(x)\nabla\mathrm{NN}(x)]` for every F, shape ``(M, C, P)``.

    The square-loss gradient on F is :math:`\nabla L_F=\nabla L_0-2h_F`.
    """
    jacobian = _check_jacobian(jacobian)
    tables = _class_tables(tables, "tables").to(jacobian.dtype)
    if tables.shape[1] != jacobian.shape[1]:
        raise ValueError(f"tables must have rows of length N = {jacobian.shape[1]} (the "
                         f"jacobian's inputs), got {tables.shape[1]}")
    check_size({"M": jacobian.shape[0], "C": tables.shape[0], "P": jacobian.shape[2]},
               bytes_per_entry=jacobian.element_size(), what="h_F for every F")
    return torch.einsum("cn,mnp->mcp", tables, jacobian) / jacobian.shape[1]


# ---------------------------------------------------------------------------
# Divergences and the bound
# ---------------------------------------------------------------------------


def _mean_difference(mean_p, mean_q) -> torch.Tensor:
    """``mean_p - mean_q`` in float64, both finite, with the same shape and a non-empty last axis."""
    p = as_tensor(mean_p, "mean_p", dtype=torch.float64)
    q = as_tensor(mean_q, "mean_q", dtype=torch.float64)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"mean_p must have a non-empty last axis, got shape {tuple(p.shape)}")
    if q.shape != p.shape:
        raise ValueError(f"mean_q must have the shape of mean_p {tuple(p.shape)}, got "
                         f"{tuple(q.shape)}")
    return p - q.to(p.device)


def gaussian_kl(mean_p, mean_q, std: float) -> torch.Tensor:
    r""":math:`\mathrm{KL}(N(\mu_p,s^2I)\,\|\,N(\mu_q,s^2I))=\|\mu_p-\mu_q\|^2/(2s^2)` along the last axis.

    ``mean_p`` and ``mean_q``: finite arrays of the same shape with a non-empty last axis;
    ``std`` finite > 0.
    """
    std = check_float(std, "std", low=0.0, low_open=True)
    diff = _mean_difference(mean_p, mean_q)
    return diff.square().sum(dim=-1) / (2 * std**2)


def gaussian_tv(mean_p, mean_q, std: float) -> torch.Tensor:
    r"""Total variation between :math:`N(\mu_p,s^2I)` and :math:`N(\mu_q,s^2I)`: :math:`2\Phi(\|\mu_p-\mu_q\|/2s)-1`.

    Arguments as in :func:`gaussian_kl`.
    """
    std = check_float(std, "std", low=0.0, low_open=True)
    diff = _mean_difference(mean_p, mean_q)
    delta = diff.square().sum(dim=-1).sqrt().cpu().numpy()
    return torch.as_tensor(2 * ndtr(delta / (2 * std)) - 1)


def pinsker_bound(kl):
    r"""Pinsker's inequality :math:`\mathrm{TV}\le\sqrt{\mathrm{KL}/2}` (``kl`` finite, >= 0)."""
    kl = as_real_array(kl, "kl")
    if np.any(kl < 0):
        raise ValueError("kl must be finite and non-negative")
    return np.sqrt(kl / 2)


def success_bound(kl_total: float, lam: float) -> float:
    r"""The success bound :math:`\frac12+\frac12\sqrt\lambda+\sqrt{\mathrm{KL}/2}`, capped at 1.

    ``kl_total`` bounds :math:`\mathbb{E}_F\mathrm{KL}(Q\|P_F)` over the whole run and
    ``lam`` bounds :math:`\|K\|_{op}` (use :math:`\sqrt{\mathrm{CP}}` for the Hilbert–Schmidt form).
    """
    kl_total = check_float(kl_total, "kl_total", low=0.0)
    lam = check_float(lam, "lam", low=0.0, high=1.0)
    return min(1.0, 0.5 + 0.5 * math.sqrt(lam) + math.sqrt(kl_total / 2))


# ---------------------------------------------------------------------------
# The chain of inequalities along a junk trajectory
# ---------------------------------------------------------------------------


@dataclass
class BoundTrace:
    r"""Every quantity of the derivation at every step t < T of M junk runs (arrays ``(T, M)``).

    Attributes
    ----------
    kl_step
        :math:`\mathbb{E}_F\|\mathrm{clip}_A(\nabla L_0)-\mathrm{clip}_A(\nabla L_F)\|^2/(2\sigma^2)`, the
        exact per-step KL averaged over the class.
    kl_unclipped
        :math:`\mathbb{E}_F\|\nabla L_0-\nabla L_F\|^2/(2\sigma^2)=2\,\mathbb{E}_F\|h_F\|^2/\sigma^2`.
    operator_term, hs_term, coordinate_term
        :math:`2\lambda B_t^2/\sigma^2`, :math:`2\sqrt{\mathrm{CP}}B_t^2/\sigma^2`,
        :math:`2\sqrt{\mathrm{CP}}\,P\,b_t^2/\sigma^2`.
    grad_sq, max_coordinate_sq
        :math:`B_t^2=\mathbb{E}_x\|\nabla\mathrm{NN}\|^2` and :math:`b_t^2=\max_p\mathbb{E}_x(\partial_p\mathrm{NN})^2`.
    log_ratio
        :math:`\mathbb{E}_F\log\frac{q(\theta_{t+1}|\theta_t)}{p_F(\theta_{t+1}|\theta_t)}` at the
        realized step: its sum over t is the log-likelihood ratio of the whole trajectory,
        whose mean under Q is :math:`\mathbb{E}_F\mathrm{KL}(Q\|P_F)` (chain-rule check).
    tv_step
        :math:`\mathbb{E}_F\mathrm{TV}` of the two Gaussian steps (exact), for the Pinsker check.
    worst_moment_ratio
        :math:`\max_p\mathbb{E}_F\langle F,\partial_p\mathrm{NN}\rangle^2/\|\partial_p\mathrm{NN}\|^2`
        (must be <= λ).
    clip_excess
        :math:`\max_{F,p}\big(|\mathrm{clip}(a)_p-\mathrm{clip}(b)_p|-|a_p-b_p|\big)` (must be <= 0).
    gradient_residual
        Largest :math:`|\nabla L_F-(\nabla L_0-2h_F)|` with :math:`\nabla L_F` from autograd, for
        ``n_checked`` members F, relative to :math:`\max|\nabla L_F|`.
    junk_success
        :math:`\mathbb{E}_F\mathrm{acc}_F(\theta_T)` of each junk run, shape ``(M,)``.
    """

    kl_step: np.ndarray
    kl_unclipped: np.ndarray
    operator_term: np.ndarray
    hs_term: np.ndarray
    coordinate_term: np.ndarray
    grad_sq: np.ndarray
    max_coordinate_sq: np.ndarray
    log_ratio: np.ndarray
    tv_step: np.ndarray
    worst_moment_ratio: np.ndarray
    clip_excess: np.ndarray
    gradient_residual: np.ndarray
    junk_success: np.ndarray
    cp: float
    lam: float
    noise_std: float
    lr: float
    clip: float | None
    n_params: int
    config: dict = field(default_factory=dict)

    @property
    def steps(self) -> int:
        """Number T of steps."""
        return self.kl_step.shape[0]

    def kl_totals(self) -> dict[str, float]:
        r"""Each upper bound on :math:`\mathbb{E}_F\mathrm{KL}(Q\|P_F)`, summed over t and averaged over runs.

        In order: exact (clipped), clipping dropped, operator norm, Hilbert–Schmidt,
        coordinate bound; each is at most the next.
        """
        return {name: float(getattr(self, attr).sum(axis=0).mean()) for name, attr in (
            ("exact (clipped)", "kl_step"), ("without clipping", "kl_unclipped"),
            ("operator norm", "operator_term"), ("Hilbert-Schmidt", "hs_term"),
            ("coordinate bound", "coordinate_term"))}

    def success_bounds(self) -> dict[str, float]:
        r"""The success bound :math:`\frac12+\frac12\sqrt\lambda+\sqrt{\mathrm{KL}/2}` at each level of the chain.

        The first three use λ, the last two :math:`\sqrt{\mathrm{CP}}\ge\lambda`.
        """
        out = {}
        for name, total in self.kl_totals().items():
            lam = self.lam if name in ("exact (clipped)", "without clipping", "operator norm") \
                else math.sqrt(self.cp)
            out[name] = success_bound(total, min(1.0, lam))
        return out

    def log_ratio_total(self) -> tuple[float, float]:
        """Mean over runs of the trajectory log-likelihood ratio, and its standard error."""
        totals = self.log_ratio.sum(axis=0)
        return float(totals.mean()), float(totals.std(ddof=1) / math.sqrt(len(totals)))


def _zero(x: torch.Tensor) -> torch.Tensor:
    return torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)


_ROWS = ("kl_step", "kl_unclipped", "operator_term", "hs_term", "coordinate_term", "grad_sq",
         "max_coordinate_sq", "log_ratio", "tv_step", "worst_moment_ratio", "clip_excess",
         "gradient_residual")


class _ClassTerms:
    """One class of targets: its tables, CP, λ, and a fast way to get every h_F.

    h_F = <F, ∇NN> = sum_S F̂(S) (∇NN)^(S): from the Walsh coefficients of the Jacobian.
    When every F is ± a single character (parities), this is an index, not a product.
    """

    def __init__(self, tables: torch.Tensor):
        self.tables = tables
        self.cp = class_cross_predictability(tables)
        self.lam = correlation_operator_norm(tables)
        coeffs = walsh_coefficients(tables)
        nonzero = coeffs.abs() > 1e-12
        self.sparse = bool((nonzero.sum(dim=1) == 1).all())
        if self.sparse:
            self.index = nonzero.double().argmax(dim=1)
            self.sign = coeffs.gather(1, self.index[:, None])[:, 0]
        self.coeffs = coeffs
        self.rows: dict[str, list[np.ndarray]] = {k: [] for k in _ROWS}

    def h(self, jac_hat: torch.Tensor) -> torch.Tensor:
        """(M, C, P) from the Walsh coefficients of the Jacobian, shape (M, P, N)."""
        if self.sparse:
            index, sign = self.index.to(jac_hat.device), self.sign.to(jac_hat)
            return (jac_hat[:, :, index] * sign).transpose(1, 2)
        return torch.einsum("cs,mps->mcp", self.coeffs.to(jac_hat), jac_hat)


def trace_junk_runs(model: nn.Module, classes: Mapping[str, object], *, steps: int, lr: float,
                    noise_std: float, clip: float | None = None,
                    seed: SeedLike | Sequence[int] = 0, n_checked: int = 1,
                    progress: bool = False) -> dict[str, BoundTrace]:
    r"""Run noisy GD on the junk target (labels 0) and record the chain of inequalities for several classes.

    The junk trajectory does not depend on the class, so one run serves every class:
    ``classes`` maps a name to a class (a matrix ``(C, 2**n)`` or a sequence of targets).
    The trajectory is produced by :func:`inal_tutorial.training.train` (population
    gradient, square loss, ``clip``, ``noise_std``, ``seed``) on the ensemble ``model``, whose
    M models are M independent junk runs (draws from Q); the model is trained in place.
    At each step the per-input Jacobian of the network over all :math:`2^n` inputs gives
    :math:`\nabla L_0`, every :math:`h_F` and every bound. Float64 is advised.

    Parameters
    ----------
    model : nn.Module
        An ensemble on n <= 14 inputs (e.g. ``MLPEnsemble(n, (32,), n_models=8, dtype=torch.float64)``).
    classes : mapping of name to class
        Each class :math:`\mathcal F` is uniform on its rows.
    steps, lr, noise_std, clip, seed
        As in :func:`~inal_tutorial.training.train`; ``noise_std`` must be > 0.
    n_checked : int
        How many members F of each class get an independent autograd check of
        :math:`\nabla L_F=\nabla L_0-2h_F` at every step.

    Returns
    -------
    dict of name to :class:`BoundTrace`
    """
    if not isinstance(classes, Mapping) or not classes:
        raise TypeError("classes must be a non-empty mapping of name to a class of targets")
    steps = check_int(steps, "steps", low=1, high=10**6)
    noise_std = check_float(noise_std, "noise_std", low=0.0, low_open=True)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    if clip is not None:
        clip = check_float(clip, "clip", low=0.0, low_open=True)
    if not isinstance(seed, (list, tuple, np.ndarray)):
        seed = check_seed(seed)
    n_checked = check_int(n_checked, "n_checked", low=0, high=10**6)
    terms = {name: _ClassTerms(_class_tables(c, f"classes[{name!r}]"))
             for name, c in classes.items()}
    sizes = {t.tables.shape[1] for t in terms.values()}
    if len(sizes) != 1:
        raise ValueError("every class must be on the same n")
    n = log2_length(sizes.pop(), "a row of tables")
    if n > 14:
        raise ValueError(f"the trace enumerates all 2^n inputs at every step: n must be at "
                         f"most 14, got {n}")
    params, m = ensemble_parameters(model)
    n_inputs = getattr(model, "n_inputs", None)
    if n_inputs is not None and n_inputs != n:
        raise ValueError(f"classes must be on n = {n_inputs} bits to match the model's "
                         f"n_inputs = {n_inputs}, got tables on n = {n}")
    dtype = params[0].dtype
    x = all_inputs(n, dtype=dtype, device=params[0].device)
    var = noise_std**2
    state: dict[str, object] = {}

    def diagnose() -> None:
        """Every quantity at the current parameters; keeps what the next step needs."""
        jac = output_jacobian(model, x)                       # (M, N, P)
        with torch.no_grad():
            out = model(x)
        if not (bool(torch.isfinite(out).all()) and bool(torch.isfinite(jac).all())):
            raise _checks.divergence("outputs", state.get("step", 0), lr, noise_std, clip)
        g0 = junk_gradient(jac, out)                          # (M, P)
        c0 = clip_coordinates(g0, clip)
        coord_sq = jac.square().mean(dim=1)                   # E_x (d_p NN)^2, (M, P)
        b2 = coord_sq.sum(dim=1)                              # B_t^2
        b2_max = coord_sq.max(dim=1).values
        jac_hat = walsh_coefficients(jac.transpose(1, 2))     # (M, P, N)
        diffs = {}
        for term in terms.values():
            rows, sqrt_cp = term.rows, math.sqrt(term.cp)
            h = term.h(jac_hat)                               # (M, C, P)
            g_f = g0[:, None, :] - 2 * h
            diff = clip_coordinates(g_f, clip) - c0[:, None, :]
            rows["kl_step"].append((diff.square().sum(-1).mean(-1) / (2 * var)).cpu().numpy())
            rows["kl_unclipped"].append((2 * h.square().sum(-1).mean(-1) / var).cpu().numpy())
            rows["operator_term"].append((2 * term.lam * b2 / var).cpu().numpy())
            rows["hs_term"].append((2 * sqrt_cp * b2 / var).cpu().numpy())
            rows["coordinate_term"].append((2 * sqrt_cp * coord_sq.shape[1] * b2_max
                                            / var).cpu().numpy())
            rows["grad_sq"].append(b2.cpu().numpy())
            rows["max_coordinate_sq"].append(b2_max.cpu().numpy())
            rows["tv_step"].append(gaussian_tv(diff, 0 * diff, noise_std).mean(-1).cpu().numpy())
            moment = h.square().mean(dim=1)                   # E_F <F, d_p NN>^2, (M, P)
            ratio = torch.where(coord_sq > 0, moment / coord_sq.clamp_min(1e-300), 0.0)
            rows["worst_moment_ratio"].append(ratio.max(dim=1).values.cpu().numpy())
            excess = diff.abs() - (g_f - g0[:, None, :]).abs()
            rows["clip_excess"].append(excess.amax(dim=(1, 2)).cpu().numpy())
            residual = torch.zeros(m, dtype=torch.float64, device=x.device)
            for c in range(min(n_checked, term.tables.shape[0])):
                auto, _ = loss_gradient(model, x, term.tables[c].to(x), "square")
                auto = flat_gradient([a.detach() for a in auto])
                err = (auto - g_f[:, c]).abs().amax(dim=1) / auto.abs().amax(dim=1).clamp_min(
                    1e-300)
                residual = torch.maximum(residual, err.double())
            rows["gradient_residual"].append(residual.cpu().numpy())
            diffs[id(term)] = diff
        state["theta"] = flat_gradient([p.detach().clone() for p in params])
        state["clipped_junk"], state["diffs"] = c0, diffs

    def after_step(step: int, _model: nn.Module) -> None:
        _checks.check_parameters(params, step, lr, noise_std, clip)
        state["step"] = step
        theta = flat_gradient([p.detach() for p in params])
        # theta_{t+1} = theta_t - lr (clip(g0) + noise_std Z): recover the realized Z.
        z = (-(theta - state["theta"]) / lr - state["clipped_junk"]) / noise_std
        for term in terms.values():
            d = state["diffs"][id(term)]
            log_ratio = (d.square().sum(-1) - 2 * torch.einsum("mcp,mp->mc", d, z)) / (2 * var)
            term.rows["log_ratio"].append(log_ratio.mean(-1).cpu().numpy())
        if step < steps:
            diagnose()

    diagnose()
    junk = FunctionTarget(n, _zero, "junk (labels 0)", boolean=False)
    train(model, junk, steps=steps, lr=lr, noise_std=noise_std, clip=clip, seed=seed,
          eval_every=steps, callback=after_step, progress=progress)
    with torch.no_grad():
        signs = torch.where(model(x) >= 0, 1.0, -1.0).to(torch.float64)   # (M, N)
    traces = {}
    for name, term in terms.items():
        tables = term.tables.to(signs)
        junk_success = (0.5 + 0.5 * (signs @ tables.T / tables.shape[1])).mean(dim=1).cpu().numpy()
        arrays = {k: np.stack(v) for k, v in term.rows.items()}
        traces[name] = BoundTrace(
            **arrays, junk_success=junk_success, cp=term.cp, lam=term.lam, noise_std=noise_std,
            lr=lr, clip=clip, n_params=int(state["theta"].shape[1]),
            config={"steps": steps, "n": n, "class_size": tables.shape[0], "n_models": m})
    return traces


def trace_junk_run(model: nn.Module, tables, *, steps: int, lr: float, noise_std: float,
                   clip: float | None = None, seed: SeedLike | Sequence[int] = 0,
                   n_checked: int = 1, progress: bool = False) -> BoundTrace:
    """:func:`trace_junk_runs` for a single class (a matrix ``(C, 2**n)`` or a sequence of targets)."""
    tables = _class_tables(tables, "tables")
    return trace_junk_runs(model, {"class": tables}, steps=steps, lr=lr, noise_std=noise_std,
                           clip=clip, seed=seed, n_checked=n_checked, progress=progress)["class"]
