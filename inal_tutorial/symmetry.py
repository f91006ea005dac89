r"""Symmetry groups of the hypercube and the equivariance of fully connected training.

A *signed permutation* :math:`g=(\pi,s)`, with :math:`\pi` a permutation of
:math:`\{0,\dots,n-1\}` and :math:`s\in\{-1,+1\}^n`, acts on an input by

.. math:: (g x)_j = s_j\, x_{\pi(j)},\qquad\text{i.e. } g x = P_g x,\quad
          (P_g)_{j,i} = s_j\,[i=\pi(j)],

(in code ``x[..., perm] * signs``, the convention of
:class:`~inal_tutorial.boolean.Transformed`). :math:`P_g` is orthogonal and
maps the hypercube onto itself, so the uniform input law is invariant. Three
groups are used in the book (:data:`GROUPS`): all permutations (:math:`s=1`,
order :math:`n!`), all sign flips (:math:`\pi=\mathrm{id}`, order :math:`2^n`)
and all signed permutations (the hyperoctahedral group, order :math:`2^n n!`).

The group acts

* on inputs: :math:`x\mapsto gx`;
* on targets: :math:`f\mapsto f\circ g`, :math:`(f\circ g)(x) = f(gx)`;
* on truth tables: entry i of the table of :math:`f\circ g` is entry
  :math:`\iota_g(i)` of the table of f, where :math:`x(\iota_g(i)) = g\,x(i)`;
* on a network's first layer: :math:`W\mapsto W P_g^\top`, i.e. column j of the
  new weight matrix is :math:`s_j` times column :math:`\pi(j)` of the old one, so
  that :math:`\mathrm{NN}_{g\cdot\theta}(y)=\mathrm{NN}_\theta(g^{-1}y)`.

**Equivariance.** The square loss on target :math:`f\circ g` satisfies
:math:`L_{f\circ g}(\theta) = \mathbb{E}_x(\mathrm{NN}_\theta(x)-f(gx))^2 =
L_f(g\cdot\theta)` (substitute :math:`y = gx`). The map
:math:`\theta\mapsto g\cdot\theta` is a linear isometry of parameter space, so it
carries gradient-descent trajectories on :math:`f\circ g` to trajectories on f:
:math:`\theta_t^{f}(g\cdot\theta^0) = g\cdot\theta_t^{f\circ g}(\theta^0)` for every
t. :func:`equivariance_check` verifies this to float64 precision.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from ._validation import (
    MAX_ENUMERATION_N,
    as_tensor,
    check_choice,
    check_dtype,
    check_finite_tensor,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
    log2_length,
    offset_seed,
)
from .boolean import BooleanTarget, Transformed, _check_permutation, _check_signs, all_inputs
from .networks import MLPEnsemble
from .random import SeedLike, make_generator

__all__ = [
    "GROUPS",
    "SignedPermutation",
    "group_order",
    "group_elements",
    "sample_group",
    "table_index_maps",
    "act_on_first_layer",
    "GDTrajectory",
    "gradient_descent_trajectory",
    "EquivarianceCheck",
    "equivariance_check",
]

#: The symmetry groups of the hypercube used in the book.
GROUPS = ("permutations", "sign_flips", "signed_permutations")


@dataclass(frozen=True)
class SignedPermutation:
    r"""A signed permutation :math:`g=(\pi,s)` acting by :math:`(gx)_j=s_j x_{\pi(j)}`.

    Parameters
    ----------
    permutation : sequence of int
        :math:`\pi` as the list :math:`(\pi(0),\dots,\pi(n-1))`: a permutation of ``range(n)``.
    signs : sequence of int, optional
        :math:`s`, n entries each +1 or -1 (default all +1: a plain permutation).

    Notes
    -----
    Composition follows functions: ``(g * h)(x) = g(h(x))``. Acting on a target gives
    :math:`f\circ g`; acting on a network's first layer gives the network
    :math:`y\mapsto\mathrm{NN}(g^{-1}y)` (see the module docstring).
    """

    permutation: tuple[int, ...]
    signs: tuple[int, ...] = ()

    def __post_init__(self):
        perm = _check_permutation(self.permutation)
        n = check_n(len(perm), "len(permutation)")
        signs = (1,) * n if len(self.signs) == 0 else _check_signs(self.signs, n)
        object.__setattr__(self, "permutation", perm)
        object.__setattr__(self, "signs", signs)

    # -- construction -----------------------------------------------------------------
    @classmethod
    def identity(cls, n: int) -> SignedPermutation:
        """The identity of the group on n coordinates."""
        n = check_n(n)
        return cls(tuple(range(n)))

    @classmethod
    def sign_flip(cls, signs: Sequence[int]) -> SignedPermutation:
        r"""The sign flip :math:`x\mapsto s\odot x` (``signs``: 1 to 4096 entries, each +1 or -1)."""
        if isinstance(signs, (str, bytes)) or not hasattr(signs, "__len__"):
            raise TypeError(f"signs must be a sequence of +1/-1, got {type(signs).__name__}")
        n = check_n(len(signs), "len(signs)")
        return cls(tuple(range(n)), _check_signs(signs, n))

    @classmethod
    def random(cls, n: int, group: str = "signed_permutations",
               seed: SeedLike = 0) -> SignedPermutation:
        """A uniformly random element of ``group`` (one of :data:`GROUPS`)."""
        perms, signs = sample_group(n, 1, group, seed)
        return cls(tuple(perms[0].tolist()), tuple(signs[0].tolist()))

    # -- group structure ----------------------------------------------------------------
    @property
    def n(self) -> int:
        """Number of coordinates acted on."""
        return len(self.permutation)

    def __mul__(self, other: SignedPermutation) -> SignedPermutation:
        r"""Composition :math:`g\circ h`: :math:`(g\circ h)(x) = g(h(x))`.

        With :math:`(hx)_j = t_j x_{\rho(j)}`: :math:`(g(hx))_i = s_i t_{\pi(i)} x_{\rho(\pi(i))}`.
        """
        if not isinstance(other, SignedPermutation):
            return NotImplemented
        if other.n != self.n:
            raise ValueError(f"cannot compose signed permutations of {self.n} and {other.n} "
                             "coordinates")
        perm = tuple(other.permutation[self.permutation[i]] for i in range(self.n))
        signs = tuple(self.signs[i] * other.signs[self.permutation[i]] for i in range(self.n))
        return SignedPermutation(perm, signs)

    def inverse(self) -> SignedPermutation:
        r""":math:`g^{-1}`: :math:`(g^{-1}y)_i = s_{\pi^{-1}(i)}\,y_{\pi^{-1}(i)}`."""
        inv = [0] * self.n
        for j, p in enumerate(self.permutation):
            inv[p] = j
        return SignedPermutation(tuple(inv), tuple(self.signs[inv[i]] for i in range(self.n)))

    def matrix(self, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        r"""The orthogonal matrix :math:`P_g` with :math:`gx = P_g x` (dtype float32 or float64)."""
        dtype = check_dtype(dtype)
        out = torch.zeros(self.n, self.n, dtype=dtype)
        out[torch.arange(self.n), torch.tensor(self.permutation)] = torch.tensor(
            self.signs, dtype=dtype)
        return out

    # -- actions ------------------------------------------------------------------------
    def __call__(self, x) -> torch.Tensor:
        r"""Act on inputs ``x`` of shape ``(..., n)``: returns :math:`gx`."""
        if not isinstance(x, torch.Tensor):
            x = as_tensor(x, "x")
        elif x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"x must be a real tensor, got dtype {x.dtype}")
        else:
            check_finite_tensor(x, "x")
        if x.ndim == 0 or x.shape[-1] != self.n:
            raise ValueError(f"x must have shape (..., {self.n}), got {tuple(x.shape)}")
        return x[..., list(self.permutation)] * torch.tensor(self.signs, dtype=x.dtype,
                                                             device=x.device)

    def on_target(self, target: BooleanTarget) -> Transformed:
        r"""The target :math:`f\circ g` (a :class:`~inal_tutorial.boolean.Transformed`)."""
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
        if target.n != self.n:
            raise ValueError(f"target has n={target.n} but g acts on {self.n} coordinates")
        return Transformed(target, self.permutation, self.signs)

    def on_table(self, table) -> torch.Tensor:
        r"""The truth table of :math:`f\circ g` from the truth table of f (last axis :math:`2^n`)."""
        table = as_tensor(table, "table")
        if table.ndim == 0:
            raise ValueError("table must have a last axis of length 2^n, got a scalar")
        n = log2_length(table.shape[-1], "table")
        if n != self.n:
            raise ValueError(f"table is for n={n} but g acts on {self.n} coordinates")
        index = table_index_maps(torch.tensor([self.permutation]), torch.tensor([self.signs]))[0]
        return table[..., index.to(table.device)]

    def on_network(self, network: MLPEnsemble) -> MLPEnsemble:
        """A copy of ``network`` with :func:`act_on_first_layer` applied."""
        return act_on_first_layer(network, self)

    def __repr__(self) -> str:
        return f"SignedPermutation(permutation={list(self.permutation)}, signs={list(self.signs)})"


# ---------------------------------------------------------------------------
# Whole groups, in batches
# ---------------------------------------------------------------------------


def group_order(n: int, group: str = "signed_permutations") -> int:
    r"""Number of elements: :math:`n!`, :math:`2^n` or :math:`2^n n!`."""
    n = check_n(n)
    group = check_choice(group, "group", GROUPS)
    return {"permutations": math.factorial(n), "sign_flips": 2**n,
            "signed_permutations": 2**n * math.factorial(n)}[group]


def _signs_block(start: int, stop: int, n: int) -> torch.Tensor:
    """Sign vectors t in [start, stop), row t having s_j = (-1)^{bit j of t}."""
    bits = (torch.arange(start, stop).unsqueeze(-1) >> torch.arange(n)) & 1
    return 1 - 2 * bits


def _all_signs(n: int) -> torch.Tensor:
    """All 2^n sign vectors, row t having s_j = (-1)^{bit j of t}."""
    return _signs_block(0, 2**n, n)


def group_elements(n: int, group: str = "signed_permutations", batch_size: int = 4096
                   ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Every element of ``group`` once, in batches ``(permutations, signs)`` of int64 tensors.

    Each batch holds up to ``batch_size`` rows of shape ``(B, n)`` (``batch_size >= 1``; a
    batch must fit in the tensor byte cap, 1 GiB by default). The group must have at
    most 10**8 elements (enumerate small groups only; sample large ones with
    :func:`sample_group`). The arguments are checked when this is called.
    """
    n = check_n(n)
    group = check_choice(group, "group", GROUPS)
    batch_size = check_int(batch_size, "batch_size", low=1)
    order = group_order(n, group)
    if order > 10**8:
        raise ValueError(f"the {group} group on n={n} coordinates has {order} elements: too many "
                         "to enumerate; sample it with sample_group instead")
    # A batch holds up to batch_size rows, more when 2^n sign vectors of one permutation do not
    # divide it; two int64 tensors of (rows, n).
    rows = min(order, max(batch_size, 2**n if group == "signed_permutations" else 1))
    check_size({"batch_size": rows, "n": n}, bytes_per_entry=16, what="one batch of elements")
    return _group_batches(n, group, batch_size)


def _group_batches(n: int, group: str, batch_size: int
                   ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    identity = torch.arange(n)
    if group == "sign_flips":
        for start in range(0, 2**n, batch_size):
            block = _signs_block(start, min(start + batch_size, 2**n), n)
            yield identity.expand(block.shape[0], n).clone(), block
        return
    signs = _all_signs(n) if group == "signed_permutations" else torch.ones(1, n, dtype=torch.long)
    perms_iter = itertools.permutations(range(n))
    per_perm = signs.shape[0]
    perms_per_batch = max(1, batch_size // per_perm)
    while True:
        chunk = list(itertools.islice(perms_iter, perms_per_batch))
        if not chunk:
            return
        perms = torch.tensor(chunk, dtype=torch.long)
        # Every permutation of the chunk with every sign vector.
        yield (perms.repeat_interleave(per_perm, dim=0),
               signs.repeat(len(chunk), 1))


def sample_group(n: int, count: int, group: str = "signed_permutations",
                 seed: SeedLike = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` i.i.d. uniform elements of ``group``, as ``(permutations, signs)`` of shape ``(count, n)``.

    A uniform permutation is the argsort of n i.i.d. uniform numbers; signs are i.i.d. ±1.
    1 <= n <= 4096, 1 <= count <= 10**8 and ``count * n`` within the tensor byte cap
    (2**27 entries by default); ``seed`` an int in [0, 2**62] or a ``torch.Generator``.
    """
    n = check_n(n)
    count = check_int(count, "count", low=1, high=10**8)
    group = check_choice(group, "group", GROUPS)
    gen = make_generator(seed)
    check_size({"count": count, "n": n}, what="the sampled elements")
    if group == "sign_flips":
        perms = torch.arange(n).expand(count, n).clone()
    else:
        perms = torch.rand(count, n, generator=gen, dtype=torch.float64).argsort(dim=1)
    if group == "permutations":
        signs = torch.ones(count, n, dtype=torch.long)
    else:
        signs = 1 - 2 * torch.randint(0, 2, (count, n), generator=gen)
    return perms, signs


def table_index_maps(permutations: torch.Tensor, signs: torch.Tensor) -> torch.Tensor:
    r"""For each g in a batch, the map :math:`\iota_g` on truth-table indices with :math:`x(\iota_g(i)) = g\,x(i)`.

    Bit j of :math:`\iota_g(i)` is bit :math:`\pi(j)` of i, flipped when :math:`s_j=-1`, so
    ``table[index_maps[b]]`` is the truth table of :math:`f\circ g_b`.

    Parameters
    ----------
    permutations, signs : int tensors of shape ``(B, n)``
        Integer dtypes only (floats are refused), B >= 1, 1 <= n <= 24 and ``B * 2**n``
        within the tensor byte cap (2**27 entries by default).

    Returns
    -------
    torch.Tensor of shape ``(B, 2**n)`` (int64).
    """
    permutations = _integer_tensor(permutations, "permutations")
    signs = _integer_tensor(signs, "signs")
    if permutations.ndim != 2 or signs.shape != permutations.shape:
        raise ValueError(f"permutations and signs must both have shape (B, n), got "
                         f"{tuple(permutations.shape)} and {tuple(signs.shape)}")
    if permutations.shape[0] == 0:
        raise ValueError("permutations must have at least one row (B >= 1), got shape "
                         f"{tuple(permutations.shape)}")
    n = check_n(permutations.shape[1], "permutations.shape[1]", enumerate_all=True)
    check_size({"B": permutations.shape[0], "2^n": 2**n}, what="the index maps")
    if not bool((permutations.sort(dim=1).values == torch.arange(n)).all()):
        raise ValueError("every row of permutations must be a permutation of range(n)")
    if not bool(((signs == 1) | (signs == -1)).all()):
        raise ValueError("signs must contain only +1 and -1")
    return _index_maps(permutations.long(), signs).long()


def _integer_tensor(values, name: str) -> torch.Tensor:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be an integer tensor, got str")
    try:
        t = torch.as_tensor(values)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{name} must be an integer tensor, got {type(values).__name__}") from err
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must be an integer tensor, got dtype {t.dtype}")
    return t


#: Above this n the index maps are built bit by bit instead of by one matrix product with
#: the (n, 2^n) bit table (which is 369 MB at n = 22; the results are the same integers).
_MATMUL_MAX_N = 20


@functools.lru_cache(maxsize=4)
def _input_bits(n: int) -> torch.Tensor:
    """Bits of every index, shape (n, 2^n), float32 (exact: 0 and 1)."""
    return ((torch.arange(2**n).unsqueeze(0) >> torch.arange(n).unsqueeze(1)) & 1).float()


def _index_maps(permutations: torch.Tensor, signs: torch.Tensor) -> torch.Tensor:
    """:func:`table_index_maps` without the checks, as int32 (the hot loop of the orbit sums)."""
    batch, n = permutations.shape
    if n > _MATMUL_MAX_N:
        index = torch.arange(2**n, dtype=torch.int32)
        permuted = torch.zeros(batch, 2**n, dtype=torch.int32)
        for j in range(n):
            source = permutations[:, j].to(torch.int32).unsqueeze(1)     # bit pi(j) -> bit j
            permuted |= ((index.unsqueeze(0) >> source) & 1) << j
    else:
        permuted = None
    # sum_j bit_{pi(j)}(i) 2^j is a matrix product W (B, n) @ bits (n, 2^n) with
    # W[b, pi_b(j)] = 2^j; exact in float32 because every sum is an integer below 2^24.
    powers = (2.0 ** torch.arange(n, dtype=torch.float32)).expand(batch, n)
    if permuted is None:
        weights = torch.zeros(batch, n, dtype=torch.float32).scatter_(1, permutations, powers)
        permuted = (weights @ _input_bits(n)).to(torch.int32)            # (B, 2^n)
    flips = ((signs < 0).to(torch.int32) << torch.arange(n, dtype=torch.int32)).sum(
        dim=1, dtype=torch.int32)
    return permuted ^ flips.unsqueeze(1)


# ---------------------------------------------------------------------------
# Action on networks and the equivariance of gradient descent
# ---------------------------------------------------------------------------


def act_on_first_layer(network: MLPEnsemble, g: SignedPermutation) -> MLPEnsemble:
    r"""A copy of ``network`` whose first layer is acted on by g: :math:`W\mapsto WP_g^\top`.

    Column j of the new first-layer weights (for every model and neuron) is
    :math:`s_j` times column :math:`\pi(j)` of the old ones, and the input mask is
    permuted alike, so the copy computes :math:`y\mapsto\mathrm{NN}(g^{-1}y)`; equivalently
    ``copy(g(x)) == network(x)``. Every other parameter is copied unchanged. The
    original network is not modified.
    """
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    if not isinstance(g, SignedPermutation):
        raise TypeError(f"g must be a SignedPermutation, got {type(g).__name__}")
    if g.n != network.n_inputs:
        raise ValueError(f"g acts on {g.n} coordinates but the network has n_inputs="
                         f"{network.n_inputs}")
    clone = copy.deepcopy(network)
    perm = list(g.permutation)
    w = network.weights[0].detach()
    signs = torch.tensor(g.signs, dtype=w.dtype, device=w.device)
    with torch.no_grad():
        clone.weights[0].copy_(w[..., perm] * signs)
        clone.input_mask.copy_(network.input_mask[perm])
    return clone


@dataclass
class GDTrajectory:
    r"""Parameters and losses along full-batch gradient descent.

    Attributes
    ----------
    weights : list of tensors
        One per layer, shape ``(steps + 1, M, width_out, width_in)``: entry t is
        :math:`\theta_t` (entry 0 the initialization).
    biases : list of tensors or None
        One per layer, shape ``(steps + 1, M, width_out)``, None for a layer without bias.
    loss : torch.Tensor
        Shape ``(steps + 1, M)``: the square loss :math:`L(\theta_t)` of each model.
    lr : float
    """

    weights: list[torch.Tensor]
    biases: list[torch.Tensor | None]
    loss: torch.Tensor
    lr: float

    @property
    def steps(self) -> int:
        """Number of gradient steps taken."""
        return self.loss.shape[0] - 1


def gradient_descent_trajectory(network: MLPEnsemble, target: BooleanTarget, *, steps: int = 20,
                                lr: float = 0.1) -> GDTrajectory:
    r"""Full-batch gradient descent on the square loss over all :math:`2^n` inputs.

    Runs :math:`\theta_{t+1}=\theta_t-\gamma\nabla L(\theta_t)` with
    :math:`L(\theta) = 2^{-n}\sum_x(\mathrm{NN}_\theta(x)-f(x))^2`, the gradient by
    autograd, for each of the ensemble's M models independently (their losses are
    summed, and the models share no parameter). A deliberately minimal trainer for
    exact checks such as :func:`equivariance_check`: no noise, no clipping, no batches
    (the book's general training loops live in :mod:`inal_tutorial.training`).

    Parameters
    ----------
    network : MLPEnsemble
        The initialization (not modified: training runs on a copy). Use float64 for
        checks at machine precision.
    target : BooleanTarget
        With ``target.n == network.n_inputs <= 16``.
    steps : int
        Number of gradient steps (0..10000).
    lr : float
        Step size :math:`\gamma>0`.

    Returns
    -------
    GDTrajectory
    """
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    if target.n != network.n_inputs:
        raise ValueError(f"target has n={target.n} but the network has n_inputs="
                         f"{network.n_inputs}")
    if target.n > min(16, MAX_ENUMERATION_N):
        raise ValueError(f"full-batch descent enumerates all 2^n inputs: n must be at most 16, "
                         f"got {target.n}")
    steps = check_int(steps, "steps", low=0, high=10_000)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    n_params = sum(p.numel() for p in network.parameters())
    check_size({"steps + 1": steps + 1, "parameters": n_params},
               bytes_per_entry=network.weights[0].element_size(), what="the stored trajectory")
    model = copy.deepcopy(network)
    dtype, device = model.weights[0].dtype, model.weights[0].device
    x = all_inputs(target.n, dtype=dtype, device=device)
    y = target(x).to(dtype)
    params = [p for p in model.parameters() if p.requires_grad]
    weights = [[w.detach().clone()] for w in model.weights]
    biases = [None if b is None else [b.detach().clone()] for b in model.biases]
    losses = []
    for step in range(steps + 1):
        per_model = (model(x) - y).square().mean(dim=1)          # (M,)
        losses.append(per_model.detach().clone())
        if step == steps:
            break
        grads = torch.autograd.grad(per_model.sum(), params)
        with torch.no_grad():
            for p, grad in zip(params, grads, strict=True):
                p.sub_(lr * grad)
        for layer, w in enumerate(model.weights):
            weights[layer].append(w.detach().clone())
            if biases[layer] is not None:
                biases[layer].append(model.biases[layer].detach().clone())
    return GDTrajectory(weights=[torch.stack(w) for w in weights],
                        biases=[None if b is None else torch.stack(b) for b in biases],
                        loss=torch.stack(losses), lr=lr)


@dataclass
class EquivarianceCheck:
    r"""Result of :func:`equivariance_check`.

    Attributes
    ----------
    parameter_gap : float
        :math:`\max_t\max_p|(g\cdot\theta_t^{f\circ g})_p-(\theta_t^{f})_p|` over all
        parameters p and steps t: zero in exact arithmetic.
    function_gap : float
        :math:`\max_x|\mathrm{NN}_{\theta_T^{f\circ g}}(x)-\mathrm{NN}_{\theta_T^{f}}(gx)|` after the
        last step, over all inputs and models.
    baseline_gap : float
        The same parameter distance between the run on :math:`f\circ g` and the run on f
        from the *same* initialization :math:`\theta^0` (no group action): how far apart
        the trajectories would be without the symmetry, so that ``parameter_gap`` is not
        small by accident.
    loss_drop : float
        Mean over models of :math:`L(\theta_0)-L(\theta_T)` on :math:`f\circ g`: training did move.
    steps : int
    """

    parameter_gap: float
    function_gap: float
    baseline_gap: float
    loss_drop: float
    steps: int


def _act_on_trajectory(traj: GDTrajectory, g: SignedPermutation) -> list[torch.Tensor]:
    first = traj.weights[0]
    signs = torch.tensor(g.signs, dtype=first.dtype, device=first.device)
    return [first[..., list(g.permutation)] * signs] + traj.weights[1:]


def _max_gap(a: list[torch.Tensor | None], b: list[torch.Tensor | None]) -> float:
    return max(float((u - v).abs().max()) for u, v in zip(a, b, strict=True) if u is not None)


def equivariance_check(network: MLPEnsemble, target: BooleanTarget, g: SignedPermutation, *,
                       steps: int = 20, lr: float = 0.1) -> EquivarianceCheck:
    r"""Train on :math:`f\circ g` from :math:`\theta^0` and on f from :math:`g\cdot\theta^0`, and compare.

    Runs :func:`gradient_descent_trajectory` twice and measures
    :math:`\max_t|g\cdot\theta_t^{f\circ g}-\theta_t^{f}|`. By the equivariance of
    full-batch gradient descent for a fully connected network (module docstring) this is
    zero in exact arithmetic; in float64 it is a few multiples of :math:`10^{-16}` times the
    parameter scale (the sums over inputs run in a different order), as long as training
    is stable (a diverging run amplifies rounding like any chaotic map).

    One caveat: if a pre-activation is exactly 0 in exact arithmetic (Rademacher weights
    and no bias give :math:`w\cdot x=0` for many inputs when n is even), rounding in the
    permuted sum decides on which side of a kink (ReLU, sign) it falls, and the two
    float trajectories can part although the exact ones coincide.
    """
    if not isinstance(g, SignedPermutation):
        raise TypeError(f"g must be a SignedPermutation, got {type(g).__name__}")
    moved = g.on_target(target)
    on_moved = gradient_descent_trajectory(network, moved, steps=steps, lr=lr)
    on_target = gradient_descent_trajectory(act_on_first_layer(network, g), target, steps=steps,
                                            lr=lr)
    on_target_same_init = gradient_descent_trajectory(network, target, steps=steps, lr=lr)
    mapped = _act_on_trajectory(on_moved, g)
    parameter_gap = max(_max_gap(mapped, on_target.weights),
                        _max_gap(on_moved.biases, on_target.biases)
                        if any(b is not None for b in on_moved.biases) else 0.0)
    baseline_gap = _max_gap(on_moved.weights, on_target_same_init.weights)

    final_moved = _network_at(network, on_moved, on_moved.steps)
    final_target = _network_at(act_on_first_layer(network, g), on_target, on_target.steps)
    x = all_inputs(target.n, dtype=network.weights[0].dtype, device=network.weights[0].device)
    with torch.no_grad():
        function_gap = float((final_moved(x) - final_target(g(x))).abs().max())
    loss_drop = float((on_moved.loss[0] - on_moved.loss[-1]).mean())
    return EquivarianceCheck(parameter_gap=parameter_gap, function_gap=function_gap,
                             baseline_gap=baseline_gap, loss_drop=loss_drop, steps=steps)


def _network_at(network: MLPEnsemble, traj: GDTrajectory, step: int) -> MLPEnsemble:
    """A copy of ``network`` holding the parameters of ``traj`` at ``step``."""
    clone = copy.deepcopy(network)
    with torch.no_grad():
        for layer, w in enumerate(traj.weights):
            clone.weights[layer].copy_(w[step])
            if traj.biases[layer] is not None:
                clone.biases[layer].copy_(traj.biases[layer][step])
    return clone


# ===========================================================================
# The cost of symmetry: how long a network takes to learn a target
# ---------------------------------------------------------------------------
# Appended for the chapter "The cost of symmetry" (book/cost_of_symmetry.ipynb).
# Everything above this banner is the module's core; the functions below only
# use it, the training loop (inal_tutorial.training) and the ensembles.
# ===========================================================================

# Section imports (kept here so the section stays self-contained; E402 is deliberate).
import numpy as np  # noqa: E402

from ._progress import progress_bar  # noqa: E402
from .boolean import Parity  # noqa: E402
from .random import spawn_seeds  # noqa: E402
from .training import train  # noqa: E402

__all__ += [
    "steps_to_learn",
    "parity_steps_experiment",
    "depth_experiment",
    "SCALING_ARCHITECTURES",
    "memorizer_accuracy",
    "bootstrap_median_interval",
    "median_ratio_interval",
    "scaling_slope_interval",
    "slope_difference_interval",
]


def steps_to_learn(target: BooleanTarget, *, first_layer_mask: Sequence[int] | None = None,
                   first_layer_fan_in: int | None = None,
                   hidden: Sequence[int] = (64,), n_models: int = 8, lr: float = 0.1,
                   batch_size: int = 64, loss: str = "hinge", threshold: float = 0.95,
                   max_steps: int = 20_000, eval_every: int = 25, test_size: int = 2048,
                   activation: str = "relu", dtype: torch.dtype = torch.float32, seed: int = 0,
                   progress: bool = False) -> np.ndarray:
    r"""Online SGD steps until each of ``n_models`` networks reaches test accuracy ``threshold``.

    Trains an :class:`~inal_tutorial.networks.MLPEnsemble` (Gaussian init and biases,
    optionally a masked first layer) with :func:`~inal_tutorial.training.train`: every
    step draws ``batch_size`` fresh uniform inputs per model; the accuracy
    :math:`\Pr[\mathrm{sign}\,\mathrm{NN}(x)=f(x)]` is measured every ``eval_every`` steps on
    ``test_size`` uniform inputs drawn independently of the training inputs, and training
    stops once every model has reached ``threshold``.

    Parameters
    ----------
    first_layer_mask : sequence of int, optional
        Coordinates V the first layer sees (the other columns are 0 and stay 0).
    first_layer_fan_in : int, optional
        Normalize the first layer by this fan-in: its visible weights get variance
        ``1 / first_layer_fan_in`` instead of the default ``1 / |V|`` (``1 / n`` without a
        mask). The draws are the same standard normals for every choice, so with
        ``first_layer_fan_in = n`` and the same seed the masked network *is* the fully
        connected one with the columns outside V set to 0 (and frozen there).
    dtype : torch.float32 or torch.float64
        Of the parameters and of the training (float64 makes step counts reproducible
        across CPUs and BLAS builds).

    Returns
    -------
    numpy array ``(n_models,)`` of float: the first evaluation step at which each model's
    accuracy was >= ``threshold`` (a multiple of ``eval_every``); ``inf`` when it did not
    happen within ``max_steps``.
    """
    if not isinstance(target, BooleanTarget):
        raise TypeError(f"target must be a BooleanTarget, got {type(target).__name__}")
    threshold = check_float(threshold, "threshold", low=0.5, high=1.0, low_open=True)
    max_steps = check_int(max_steps, "max_steps", low=1, high=10**8)
    seed = check_seed(seed, allow_generator=False)
    if first_layer_fan_in is not None:
        first_layer_fan_in = check_int(first_layer_fan_in, "first_layer_fan_in", low=1,
                                       high=10**8)
    net_seed, train_seed = spawn_seeds(seed, 2)
    network = MLPEnsemble(target.n, tuple(hidden), n_models, activation=activation,
                          first_layer_mask=first_layer_mask, seed=net_seed, dtype=dtype)
    if first_layer_fan_in is not None:
        visible = int(network.input_mask.sum())
        with torch.no_grad():
            network.weights[0].mul_(math.sqrt(visible / first_layer_fan_in))
    history = train(network, target, steps=max_steps, lr=lr, loss=loss, batch_size=batch_size,
                    seed=train_seed, data_seed=seed, test_size=test_size, eval_every=eval_every,
                    stop_accuracy=threshold, progress=progress)
    return history.steps_to("accuracy", threshold)


#: The architectures compared by :func:`parity_steps_experiment`: a fully connected first
#: layer (weight variance 1/n); one that sees only the k relevant coordinates with the same
#: variance 1/n (only the support changes); and one that sees them with variance 1/k, the
#: fan-in of the mask (the support and the scale change).
SCALING_ARCHITECTURES = ("fully connected", "masked, variance 1/n", "masked")


def parity_steps_experiment(ns: Sequence[int], k: int = 3, *,
                              architectures: Sequence[str] = SCALING_ARCHITECTURES,
                              depths: Sequence[int] | None = None,
                              n_models: int = 8, hidden: Sequence[int] = (64,), lr: float = 0.1,
                              batch_size: int = 64, threshold: float = 0.95,
                              max_steps: int = 20_000, eval_every: int = 25,
                              test_size: int = 2048, dtype: torch.dtype = torch.float32,
                              seed: int = 0, progress: bool = True) -> list[dict]:
    r"""Steps to learn the parity :math:`\chi_{\{0,\dots,k-1\}}` on n bits, per n, architecture and depth.

    ``"fully connected"``: every first-layer neuron sees all n bits, weights of variance
    1/n (the architecture is symmetric under signed permutations, so it cannot prefer the
    k relevant bits); ``"masked, variance 1/n"``: the first layer sees only the k relevant
    coordinates, with the same variance 1/n (it is the fully connected network with the
    other columns set to 0 and frozen); ``"masked"``: it sees only them, with variance
    1/k (the fan-in of the mask). All are trained by :func:`steps_to_learn` with the same
    settings and, for a given n, the same seed: the same standard normal draws for the
    first layer, the same biases and read-out, the same minibatches and test set. The
    arms are therefore *paired* seed by seed.

    ``depths``: None uses ``hidden`` as given; otherwise one network per depth L with
    L - 1 hidden layers of width ``hidden[0]``. The first layer and the minibatches do not
    depend on the depth, so the depths are paired too.

    Book setting: ``ns=(16, 32, 64)``, k = 3, float64, ``eval_every=5`` and the other
    defaults. Larger documented setting: ``ns=(16, 32, 64, 128)``, ``n_models=16``,
    ``max_steps=100_000``. A count is the first *evaluation* step at or above
    ``threshold``, so it overstates the first crossing by 0 to ``eval_every - 1`` steps;
    the trajectories themselves do not depend on ``eval_every`` (the test set is fixed
    and evaluating draws no random numbers).

    Returns
    -------
    list of dict
        One record per (n, architecture, depth): ``n``, ``k``, ``architecture``, ``depth``,
        ``steps`` (list, one per model in seed order, ``inf`` if not learned),
        ``median_steps``, ``learned`` (fraction of models that reached the threshold).
    """
    k = check_int(k, "k", low=1)
    if isinstance(ns, (str, bytes)) or not hasattr(ns, "__iter__"):
        raise TypeError(f"ns must be a sequence of integers, got {type(ns).__name__}")
    ns = [check_int(n, "ns entry", low=k, high=4096) for n in ns]
    if not ns:
        raise ValueError("ns must not be empty")
    seed = check_seed(seed, allow_generator=False)
    if isinstance(architectures, str):
        raise TypeError("architectures must be a sequence of names, got a single string")
    architectures = [check_choice(a, "architecture", SCALING_ARCHITECTURES)
                     for a in architectures]
    if not architectures:
        raise ValueError("architectures must not be empty")
    hidden = tuple(hidden)
    if depths is None:
        shapes = [(len(hidden) + 1, hidden)]
    else:
        if isinstance(depths, (str, bytes)) or not hasattr(depths, "__iter__"):
            raise TypeError(f"depths must be a sequence of integers, got {type(depths).__name__}")
        depths = [check_int(d, "depth", low=2, high=20) for d in depths]
        if not depths:
            raise ValueError("depths must not be empty")
        if not hidden:
            raise ValueError("hidden must give the width of the hidden layers")
        shapes = [(d, (hidden[0],) * (d - 1)) for d in depths]
    records = []
    cells = [(n, a, shape) for n in ns for a in architectures for shape in shapes]
    for n, architecture, (depth, layers) in progress_bar(cells, desc="parity scaling",
                                                         enabled=progress):
        mask = None if architecture == "fully connected" else tuple(range(k))
        fan_in = n if architecture == "masked, variance 1/n" else None
        steps = steps_to_learn(Parity(n, k=k), first_layer_mask=mask, first_layer_fan_in=fan_in,
                               hidden=layers, n_models=n_models, lr=lr, batch_size=batch_size,
                               threshold=threshold, max_steps=max_steps, eval_every=eval_every,
                               test_size=test_size, dtype=dtype, seed=offset_seed(seed, n))
        records.append({"n": n, "k": k, "architecture": architecture, "depth": depth,
                        "steps": steps.tolist(), "median_steps": float(np.median(steps)),
                        "learned": float(np.isfinite(steps).mean())})
    return records


# ---------------------------------------------------------------------------
# Statistics of step counts: bootstrap intervals over seeds
# ---------------------------------------------------------------------------


def memorizer_accuracy(n: int, samples: float) -> float:
    r"""Expected accuracy of a memorizer on a fresh input after ``samples`` uniform draws.

    A learner that recalls the label of every input it has seen and guesses a balanced
    target at random elsewhere is right with probability :math:`(1+p)/2`, where
    :math:`p = 1-(1-2^{-n})^{N}` is the chance that a fresh uniform input was among the
    N training draws. An accuracy well above this cannot come from memorization.
    """
    n = check_n(n)
    samples = check_float(samples, "samples", low=0.0)
    seen = -math.expm1(samples * math.log1p(-(2.0**-n)))
    return (1.0 + seen) / 2.0


def _steps_array(values, name: str) -> np.ndarray:
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of step counts, got str")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a sequence of step counts") from err
    if array.ndim != 1 or array.size < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 step counts, got shape "
                         f"{array.shape}")
    if np.isnan(array).any() or (array <= 0).any():
        raise ValueError(f"{name} must hold positive step counts (inf for 'not learned')")
    return array


def _bootstrap_setup(level: float, n_boot: int, seed: int):
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=100, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    return level, n_boot, np.random.default_rng(seed)


def _percentiles(draws: np.ndarray, level: float) -> tuple[float, float]:
    alpha = (1.0 - level) / 2.0
    # "lower"/"higher" pick actual bootstrap values, so infinite draws stay infinite.
    return (float(np.quantile(draws, alpha, method="lower")),
            float(np.quantile(draws, 1.0 - alpha, method="higher")))


def bootstrap_median_interval(steps, *, level: float = 0.95, n_boot: int = 4000,
                              seed: int = 0) -> tuple[float, float, float]:
    r"""Median of per-seed step counts with a percentile-bootstrap interval.

    Resamples the M seeds with replacement ``n_boot`` times and returns
    ``(median, low, high)``, low and high the :math:`(1\mp\mathrm{level})/2` quantiles of
    the resampled medians. ``inf`` entries (not learned) are allowed and may make the
    median or the upper end infinite.
    """
    steps = _steps_array(steps, "steps")
    level, n_boot, rng = _bootstrap_setup(level, n_boot, seed)
    index = rng.integers(0, steps.size, size=(n_boot, steps.size))
    low, high = _percentiles(np.median(steps[index], axis=1), level)
    return float(np.median(steps)), low, high


def median_ratio_interval(a, b, *, paired: bool, level: float = 0.95, n_boot: int = 4000,
                          seed: int = 0) -> tuple[float, float, float]:
    r"""Ratio :math:`\mathrm{med}(a)/\mathrm{med}(b)` of median step counts, with a bootstrap interval.

    ``paired=True`` (a and b from the same seeds, same length): the seeds are resampled
    together, so each resample keeps the pairs; ``paired=False``: a and b are resampled
    independently. Returns ``(ratio, low, high)``.
    """
    a, b = _steps_array(a, "a"), _steps_array(b, "b")
    if not isinstance(paired, bool):
        raise TypeError(f"paired must be True or False, got {type(paired).__name__}")
    if paired and a.shape != b.shape:
        raise ValueError(f"paired samples must have the same length, got {a.size} and {b.size}")
    level, n_boot, rng = _bootstrap_setup(level, n_boot, seed)
    index_a = rng.integers(0, a.size, size=(n_boot, a.size))
    index_b = index_a if paired else rng.integers(0, b.size, size=(n_boot, b.size))
    with np.errstate(invalid="ignore"):
        ratios = np.median(a[index_a], axis=1) / np.median(b[index_b], axis=1)
    ratios = np.where(np.isnan(ratios), np.inf, ratios)
    low, high = _percentiles(ratios, level)
    return float(np.median(a) / np.median(b)), low, high


def _log_slope(ns: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """Least-squares slopes of log(medians) on log(ns), over the last axis (closed form)."""
    u = np.log(ns) - np.log(ns).mean()
    with np.errstate(invalid="ignore"):
        logs = np.log(medians)
        return (logs * u).sum(axis=-1) / (u * u).sum()


def _arm_rows(records: list[dict], architecture: str, depth: int | None) -> list[dict]:
    if not isinstance(records, list) or not records:
        raise TypeError("records must be a non-empty list of parity_steps_experiment records")
    rows = [r for r in records if r["architecture"] == architecture
            and (depth is None or r.get("depth", 2) == depth)]
    rows.sort(key=lambda r: r["n"])
    if len({r["n"] for r in rows}) != len(rows) or len(rows) < 2:
        raise ValueError(f"need one record per n, at two n at least, for architecture "
                         f"{architecture!r} and depth {depth}; got {len(rows)} records")
    return rows


def _resampled_slopes(arms: list[list[dict]], n_boot: int, rng) -> list[np.ndarray]:
    """Bootstrap slopes of several arms, the seeds resampled jointly across arms at each n."""
    ns = np.array([r["n"] for r in arms[0]], dtype=float)
    per_n = []
    for i in range(len(ns)):
        sizes = {len(arm[i]["steps"]) for arm in arms}
        if len(sizes) != 1:
            raise ValueError("paired arms must have the same number of seeds at every n")
        size = sizes.pop()
        per_n.append(rng.integers(0, size, size=(n_boot, size)))
    out = []
    for arm in arms:
        medians = np.stack([np.median(np.asarray(arm[i]["steps"], dtype=float)[per_n[i]], axis=1)
                            for i in range(len(ns))], axis=1)        # (n_boot, len(ns))
        out.append(_log_slope(ns, medians))
    return out


def scaling_slope_interval(records: list[dict], architecture: str, *, depth: int | None = None,
                           level: float = 0.95, n_boot: int = 4000,
                           seed: int = 0) -> tuple[float, float, float]:
    r"""Slope a of :math:`\log(\text{median steps}) = \log c + a\log n`, with a bootstrap interval.

    The fit is least squares over the n of one architecture (and depth); the interval
    resamples the seeds within each n (``n_boot`` times) and refits. Returns
    ``(slope, low, high)``; a median of ``inf`` (most seeds not learned) gives an infinite
    slope.
    """
    rows = _arm_rows(records, architecture, depth)
    level, n_boot, rng = _bootstrap_setup(level, n_boot, seed)
    ns = np.array([r["n"] for r in rows], dtype=float)
    slope = float(_log_slope(ns, np.array([r["median_steps"] for r in rows])))
    draws = _resampled_slopes([rows], n_boot, rng)[0]
    draws = np.where(np.isnan(draws), np.inf, draws)
    low, high = _percentiles(draws, level)
    return slope, low, high


def slope_difference_interval(records: list[dict], first: tuple[str, int | None],
                              second: tuple[str, int | None], *, level: float = 0.95,
                              n_boot: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    r"""Difference of the fitted slopes of two *paired* arms, with a paired bootstrap interval.

    ``first`` and ``second`` are ``(architecture, depth)`` (depth None: any). The arms must
    share the seeds at every n, as the arms of :func:`parity_steps_experiment` do: each
    resample draws one set of seed indices per n and uses it for both arms. Returns
    ``(slope_first - slope_second, low, high)``.
    """
    rows_a = _arm_rows(records, *first)
    rows_b = _arm_rows(records, *second)
    if [r["n"] for r in rows_a] != [r["n"] for r in rows_b]:
        raise ValueError("the two arms must be measured at the same n")
    level, n_boot, rng = _bootstrap_setup(level, n_boot, seed)
    ns = np.array([r["n"] for r in rows_a], dtype=float)
    slope = float(_log_slope(ns, np.array([r["median_steps"] for r in rows_a]))
                  - _log_slope(ns, np.array([r["median_steps"] for r in rows_b])))
    draws_a, draws_b = _resampled_slopes([rows_a, rows_b], n_boot, rng)
    with np.errstate(invalid="ignore"):
        draws = draws_a - draws_b
    draws = np.where(np.isnan(draws), np.inf, draws)
    low, high = _percentiles(draws, level)
    return slope, low, high


def depth_experiment(targets: dict[str, BooleanTarget], depths: Sequence[int] = (2, 3, 4), *,
                     width: int = 64, n_models: int = 4, steps: int = 2000, lr: float = 0.05,
                     batch_size: int = 64, stop_accuracy: float | None = 0.99,
                     test_size: int = 2048, eval_every: int = 100, seed: int = 0,
                     progress: bool = True) -> list[dict]:
    r"""Test accuracy reached by fully connected networks of several depths on several targets.

    A depth-L network has L - 1 hidden layers of ``width`` ReLU neurons and a linear
    read-out (Gaussian init and biases), trained by online SGD with the hinge loss
    (:func:`~inal_tutorial.training.train`) for ``steps`` steps, or until every model's
    test accuracy reaches ``stop_accuracy``.

    Book setting: n = 31 with the 5-parity and majority, the defaults. Larger documented
    setting: ``n_models=16``, ``steps=20_000``.

    Returns
    -------
    list of dict
        One record per (target, depth): ``target`` (the key), ``depth``, ``accuracy``
        (mean final test accuracy over models), ``accuracy_se``, ``best_accuracy`` (the
        best accuracy any model reached at an evaluation), ``steps_run``.
    """
    if not isinstance(targets, dict) or not targets:
        raise TypeError("targets must be a non-empty dict {name: BooleanTarget}")
    for name, target in targets.items():
        if not isinstance(target, BooleanTarget):
            raise TypeError(f"targets[{name!r}] must be a BooleanTarget, got "
                            f"{type(target).__name__}")
    depths = [check_int(d, "depth", low=2, high=20) for d in depths]
    if not depths:
        raise ValueError("depths must not be empty")
    n_models = check_int(n_models, "n_models", low=2, high=100_000)
    width = check_int(width, "width", low=1)
    for target in targets.values():
        check_size({"n_models": n_models, "width": width, "max(width, n)": max(width, target.n)},
                   what="a layer's weights")
    seed = check_seed(seed, allow_generator=False)
    records = []
    cells = [(name, depth) for name in targets for depth in depths]
    for name, depth in progress_bar(cells, desc="depths", enabled=progress):
        target = targets[name]
        net_seed, train_seed = spawn_seeds(offset_seed(seed, depth), 2)
        network = MLPEnsemble(target.n, (width,) * (depth - 1), n_models, seed=net_seed)
        history = train(network, target, steps=steps, lr=lr, loss="hinge",
                        batch_size=batch_size, seed=train_seed, data_seed=seed,
                        test_size=test_size, eval_every=eval_every,
                        stop_accuracy=stop_accuracy, progress=progress)
        final = history.final("accuracy")
        records.append({"target": name, "depth": depth, "accuracy": float(final.mean()),
                        "accuracy_se": float(final.std(ddof=1) / math.sqrt(n_models)),
                        "best_accuracy": float(history["accuracy"].max()),
                        "steps_run": int(history.steps[-1])})
    return records
