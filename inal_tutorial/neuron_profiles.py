r"""The formula for every neuron: :math:`A_k^{(v)}(n)=\mathbb E_\theta[\widehat{\mathrm{NN}_v}(S)^2]`.

Flipping input i is flipping column i of the first weight matrix, and permuting inputs
permutes its columns; with i.i.d. sign-symmetric first-layer weights both leave the law of
the whole network unchanged. So for *every* neuron v (any layer, the read-out included)

.. math:: \mathbb E_\theta\langle f,\mathrm{NN}_v\rangle^2=\sum_k W^k(f)\,A_k^{(v)}(n),
          \qquad A_k^{(v)}(n)\le\frac{\mathbb E_\theta\|\mathrm{NN}_v\|^2}{\binom nk}.

:func:`neuron_profile` estimates :math:`A_k^{(v)}(n)` for each layer of an ensemble by
enumerating the inputs; :mod:`inal_tutorial.profiles` has the exact first-layer profiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ._validation import (
    as_tensor,
    check_int,
    check_size,
)
from .boolean import (
    BooleanTarget,
    all_inputs,
    truth_table,
)
from .fourier import degree_profile, subset_sizes, walsh_coefficients
from .networks import ACTIVATIONS, MLPEnsemble

__all__ = [
    "NeuronProfile",
    "neuron_profile",
]


# ---------------------------------------------------------------------------
# The formula for every neuron: A_k^{(v)}(n) = E_theta[hat NN_v(S)^2]
# ---------------------------------------------------------------------------

#: Largest n for :func:`neuron_profile` (every neuron is enumerated over all 2^n inputs).
_MAX_NEURON_PROFILE_N = 20
#: Entries (initializations x 2^n x width) of one block of outputs in :func:`neuron_profile`
#: (8 MiB in float64).
_NEURON_PROFILE_ENTRIES = 1 << 20


def _block_outputs(network: MLPEnsemble, x: torch.Tensor, first: int, last: int):
    """Yield every layer's outputs ``(last - first, 2^n, width_l)`` for initializations
    ``first .. last - 1`` on the inputs ``x`` (hidden layers after the activation)."""
    h = x.expand(last - first, *x.shape)
    for layer in range(network.n_layers):
        w = (network.first_layer_weights() if layer == 0 else network.weights[layer])
        w, b = w.detach()[first:last], network.biases[layer]
        if b is None:
            pre = torch.bmm(h, w.transpose(1, 2))
        else:
            pre = torch.baddbmm(b.detach()[first:last].unsqueeze(1), h, w.transpose(1, 2))
        h = pre if layer == network.n_layers - 1 else ACTIVATIONS[network.activation](pre)
        yield h


@dataclass
class NeuronProfile:
    r"""Per-layer profiles :math:`A_k^{(v)}(n)=\mathbb{E}_\theta\big[\widehat{\mathrm{NN}_v}(S)^2
    \big]`, :math:`|S|=k`, of the neurons of a fully connected network.

    For every neuron v of a network whose first-layer weights are i.i.d. with a
    sign-symmetric law, :math:`\mathbb{E}_\theta\langle f,\mathrm{NN}_v\rangle^2=
    \sum_kW^k(f)A_k^{(v)}(n)` and, by Parseval,
    :math:`\binom nk A_k^{(v)}(n)\le\mathbb{E}_\theta\|\mathrm{NN}_v\|^2`.

    Attributes
    ----------
    n : int
    max_degree : int
        ``values[:, k]`` is given for k = 0..max_degree.
    values, stderr : numpy arrays of shape (n_layers, max_degree + 1)
        Layer averages (over the neurons of the layer and the M initializations) and
        their standard errors over the initializations; the read-out is the last layer.
    per_init : numpy array of shape (M, n_layers, max_degree + 1)
        The layer averages of each initialization.
    second_moment : numpy array of shape (n_layers,)
        Layer averages of :math:`\|\mathrm{NN}_v\|^2=\mathbb{E}_x\mathrm{NN}_v(x)^2`.
    second_moment_per_init : numpy array of shape (M, n_layers)
    """

    n: int
    max_degree: int
    values: np.ndarray
    stderr: np.ndarray
    per_init: np.ndarray = field(repr=False)
    second_moment: np.ndarray = field(repr=False)
    second_moment_per_init: np.ndarray = field(repr=False)

    @property
    def counting_bound(self) -> np.ndarray:
        r""":math:`\mathbb{E}_\theta\|\mathrm{NN}_v\|^2/\binom nk`, shape (n_layers,
        max_degree + 1): the Parseval bound on ``values``."""
        counts = np.array([math.comb(self.n, k) for k in range(self.max_degree + 1)],
                          dtype=float)
        return self.second_moment[:, None] / counts[None, :]

    def _weights(self, target) -> np.ndarray:
        if self.max_degree != self.n:
            raise ValueError(f"the formula needs every degree: this profile stops at "
                             f"max_degree={self.max_degree} < n={self.n}")
        table = truth_table(target) if isinstance(target, BooleanTarget) else as_tensor(
            target, "target")
        weights = degree_profile(table).cpu().numpy()
        if weights.shape != (self.n + 1,):
            raise ValueError(f"target has n={weights.shape[-1] - 1} but the profile is for "
                             f"n={self.n}")
        return weights

    def contributions(self, target) -> np.ndarray:
        r"""The terms :math:`W^k(f)A_k^{(v)}(n)`, shape (n_layers, n + 1)."""
        return self.values * self._weights(target)[None, :]

    def inal(self, target) -> np.ndarray:
        r"""Per layer, the formula :math:`\sum_kW^k(f)A_k^{(v)}(n)` (shape (n_layers,)).

        ``target`` is a :class:`~inal_tutorial.boolean.BooleanTarget` or a truth table of
        length :math:`2^n`; the profile must have ``max_degree == n``.
        """
        return self.contributions(target).sum(-1)

    def inal_per_init(self, target) -> np.ndarray:
        r"""The formula for each initialization, shape (M, n_layers): compare it, paired,
        with ``INALResult.per_init`` of the same network."""
        return self.per_init @ self._weights(target)


def neuron_profile(network: MLPEnsemble, max_degree: int | None = None) -> NeuronProfile:
    r"""Estimate :math:`A_k^{(v)}(n)=\mathbb{E}_\theta\big[\widehat{\mathrm{NN}_v}(S)^2\big]`
    for the neurons of every layer, by exact enumeration over the inputs.

    Each neuron's truth table over all :math:`2^n` inputs is Walsh-transformed; the squared
    coefficients are averaged over all S of size k (they share the expectation by the
    permutation symmetry of the first layer's law), over the neurons of the layer (they
    share it by exchangeability) and over the network's M initializations, which are the
    Monte Carlo sample over :math:`\theta`. Sums are taken in float64 from the network's
    outputs (use a float64 network where tiny coefficients matter).

    Parameters
    ----------
    network : MLPEnsemble
        At least 2 initializations (for a standard error), ``n_inputs`` <= 20, and
        ``max(widths) x 2^n`` within the tensor-size cap.
    max_degree : int, optional
        Largest degree k returned, 0 <= max_degree <= n (default n, needed by
        :meth:`NeuronProfile.inal`).

    Returns
    -------
    NeuronProfile
    """
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    n = network.n_inputs
    if n > _MAX_NEURON_PROFILE_N:
        raise ValueError(f"neuron_profile enumerates all 2^n inputs: n_inputs must be at most "
                         f"{_MAX_NEURON_PROFILE_N}, got {n}")
    if network.n_models < 2:
        raise ValueError("network must hold at least 2 initializations (n_models >= 2) to give "
                         "a standard error")
    max_degree = n if max_degree is None else check_int(max_degree, "max_degree", low=0,
                                                        high=n)
    check_size({"width": max(network.widths), "2^n": 2**n},
               what="the truth tables of one layer of one initialization")
    dtype, device = network.weights[0].dtype, network.weights[0].device
    x = all_inputs(n, dtype=dtype, device=device)
    sizes = subset_sizes(n, device=device)
    counts = torch.tensor([math.comb(n, k) for k in range(n + 1)], dtype=torch.float64,
                          device=device)
    m, layers = network.n_models, network.n_layers
    per_init = np.empty((m, layers, max_degree + 1))
    moments = np.empty((m, layers))
    # Initializations per block: one layer's outputs (group x 2^n x width) within budget.
    group = max(1, _NEURON_PROFILE_ENTRIES // (2**n * max(network.widths)))
    with torch.no_grad():
        for first in range(0, m, group):
            last = min(first + group, m)
            for layer, out in enumerate(_block_outputs(network, x, first, last)):
                g, width = last - first, out.shape[-1]
                tables = out.transpose(1, 2).reshape(g * width, -1).to(torch.float64)
                moments[first:last, layer] = (tables.square().mean(1).view(g, width)
                                              .mean(1).cpu().numpy())
                squares = walsh_coefficients(tables).square()          # (g * width, 2^n)
                by_degree = torch.zeros(g * width, n + 1, dtype=torch.float64,
                                        device=device).index_add_(1, sizes, squares)
                mean = (by_degree / counts).view(g, width, n + 1).mean(1)  # over the layer
                per_init[first:last, layer] = mean[:, :max_degree + 1].cpu().numpy()
    values = per_init.mean(0)
    stderr = per_init.std(0, ddof=1) / math.sqrt(m)
    return NeuronProfile(n=n, max_degree=max_degree, values=values, stderr=stderr,
                         per_init=per_init, second_moment=moments.mean(0),
                         second_moment_per_init=moments)
