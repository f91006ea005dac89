r"""Fully connected networks with normalized i.i.d. initialization, in ensemble form.

An :class:`MLPEnsemble` holds ``M`` independent initializations of the same
architecture in one set of tensors: layer :math:`\ell` has weights of shape
``(M, width_l, width_{l-1})`` and biases of shape ``(M, width_l)``. A forward
pass is one batched matrix multiply per layer, so Monte Carlo estimates over
initializations and training runs over seeds need no Python loop over ``M``.

Normalized initialization: every weight is drawn i.i.d. from a law with mean 0
and variance :math:`1/\text{fan-in}`

* ``"gaussian"``:   :math:`N(0, 1/d)`
* ``"rademacher"``: :math:`\pm 1/\sqrt d` with probability 1/2 each
* ``"uniform"``:    :math:`U[-\sqrt{3/d}, \sqrt{3/d}]`

and every bias i.i.d. from one of those laws (or zero) with standard deviation
``bias_std``. Hidden layers apply the activation; the last layer is a linear
read-out with one output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._validation import (
    as_tensor,
    check_choice,
    check_device,
    check_dtype,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
    check_support,
)
from .random import SeedLike, make_generator

__all__ = ["ACTIVATIONS", "INITIALIZATIONS", "BIAS_LAWS", "MLPEnsemble", "activation_function",
           "sample_law"]


def _sign(z: torch.Tensor) -> torch.Tensor:
    # sign(0) = +1, so the activation is +-1 valued everywhere. A pre-activation that is 0
    # in exact arithmetic (e.g. Rademacher weights +-1/sqrt(n) on a balanced input) comes
    # out as +-(a few ulps) after rounding, so "0" means |z| <= 64 machine epsilons: ties
    # then go to +1 whatever the summation order (float32 errors measured <= 3e-7).
    tol = 64 * torch.finfo(z.dtype).eps if z.is_floating_point() else 0
    return torch.where(z >= -tol, 1.0, -1.0).to(z.dtype)


#: Activation functions by name.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "sign": _sign,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": nn.functional.gelu,
    "abs": torch.abs,
    "quadratic": torch.square,
    "linear": lambda z: z,
}
#: Laws of the weights (all scaled to variance 1/fan-in).
INITIALIZATIONS = ("gaussian", "rademacher", "uniform")
#: Laws of the biases (scaled to standard deviation ``bias_std``); "none" means no bias parameters.
BIAS_LAWS = ("gaussian", "rademacher", "uniform", "zero", "none")


def activation_function(name: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """The activation called ``name`` (one of :data:`ACTIVATIONS`)."""
    return ACTIVATIONS[check_choice(name, "activation", tuple(ACTIVATIONS))]


def sample_law(law: str, shape: Sequence[int], std: float, generator: torch.Generator,
               dtype: torch.dtype = torch.float64,
               device: str | torch.device | None = None) -> torch.Tensor:
    """I.i.d. draws with mean 0 and standard deviation ``std`` from ``law``.

    Drawn on the CPU from ``generator`` (so a seed gives the same numbers everywhere), then
    moved to ``device``.

    Parameters
    ----------
    law : {"gaussian", "rademacher", "uniform", "zero"}
    shape : sequence of int
        Each entry >= 0; the product is refused before allocation when it would exceed the
        tensor-size cap (1 GiB of float64 by default, see
        the package's tensor-size check).
    std : float
        Finite, >= 0.
    generator : torch.Generator
    dtype : torch.float32 or torch.float64
    device : None, "cpu" or an available "cuda[:i]"
    """
    law = check_choice(law, "law", INITIALIZATIONS + ("zero",))
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, torch.Size)):
        raise TypeError(f"shape must be a sequence of non-negative integers, got "
                        f"{type(shape).__name__} {shape!r}")
    shape = tuple(check_int(s, "shape entry", low=0) for s in shape)
    std = check_float(std, "std", low=0.0)
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    dtype = check_dtype(dtype)
    if device is not None:
        device = check_device(device)
    check_size({f"shape[{i}]": s for i, s in enumerate(shape)}, what="the draws")
    if law == "zero" or std == 0:
        draws = torch.zeros(shape, dtype=dtype)
    elif law == "gaussian":
        draws = std * torch.randn(shape, generator=generator, dtype=dtype)
    elif law == "rademacher":
        draws = std * (1 - 2 * torch.randint(0, 2, shape, generator=generator)).to(dtype)
    else:
        half_width = std * 3**0.5
        draws = half_width * (2 * torch.rand(shape, generator=generator, dtype=dtype) - 1)
    return draws if device is None else draws.to(device)


class MLPEnsemble(nn.Module):
    r"""``M`` independent fully connected networks :math:`\{-1,+1\}^n\to\mathbb{R}`.

    Parameters
    ----------
    n_inputs : int
        Input dimension n.
    hidden : sequence of int
        Widths of the hidden layers (at least one, each >= 1).
    n_models : int
        Number M of independent initializations held together.
    activation : str
        One of :data:`ACTIVATIONS`.
    init : str
        Law of the weights, one of :data:`INITIALIZATIONS` (variance 1/fan-in).
    bias : str
        Law of the biases, one of :data:`BIAS_LAWS`.
    bias_std : float
        Standard deviation of the biases (>= 0).
    output_bias : bool
        Whether the linear read-out has a bias (initialized like the others).
    first_layer_mask : sequence of int, optional
        Coordinates the first layer may see; the others get weight 0, now and during
        training (used for architectures that know the relevant coordinates). The fan-in
        is then the number of visible coordinates.
    seed : int or torch.Generator
        Seed of the initialization: an int in [0, 2**62] or a generator.
    dtype : torch.float32 or torch.float64
        Of the parameters.
    device : None, "cpu" or an available "cuda[:i]"
        Of the parameters.

    Raises
    ------
    ValueError
        Also when the largest weight tensor, ``n_models x fan_out x fan_in`` entries (drawn
        in float64), would exceed the tensor-size cap (1 GiB by default, environment
        variable ``INAL_MAX_TENSOR_BYTES``): checked before anything is allocated.

    Notes
    -----
    ``forward(x)`` takes ``x`` of shape ``(N, n)`` (the same inputs for every model)
    or ``(M, N, n)`` and returns ``(M, N)``. :meth:`neuron_outputs` returns every
    neuron's output, layer by layer.
    """

    def __init__(self, n_inputs: int, hidden: Sequence[int] = (512,), n_models: int = 1, *,
                 activation: str = "relu", init: str = "gaussian", bias: str = "gaussian",
                 bias_std: float = 1.0, output_bias: bool = False,
                 first_layer_mask: Sequence[int] | None = None, seed: SeedLike = 0,
                 dtype: torch.dtype = torch.float32, device: str | torch.device | None = None):
        super().__init__()
        self.n_inputs = check_n(n_inputs, "n_inputs")
        if isinstance(hidden, int):
            hidden = (hidden,)
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or len(hidden) == 0:
            raise TypeError(f"hidden must be a non-empty sequence of widths, got {hidden!r}")
        self.hidden = tuple(check_int(w, "width", low=1, high=1_000_000) for w in hidden)
        self.n_models = check_int(n_models, "n_models", low=1, high=10_000_000)
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        self.init = check_choice(init, "init", INITIALIZATIONS)
        self.bias_law = check_choice(bias, "bias", BIAS_LAWS)
        self.bias_std = check_float(bias_std, "bias_std", low=0.0)
        self.output_bias = bool(output_bias)
        seed = check_seed(seed)
        dtype = check_dtype(dtype)
        if device is not None:
            device = check_device(device)
        sizes = (self.n_inputs, *self.hidden, 1)
        layer = max(range(len(sizes) - 1), key=lambda i: sizes[i] * sizes[i + 1])
        fan_in_name = "n_inputs" if layer == 0 else f"hidden[{layer - 1}]"
        fan_out_name = f"hidden[{layer}]" if layer < len(self.hidden) else "read-out"
        check_size({"n_models": self.n_models, fan_out_name: sizes[layer + 1],
                    fan_in_name: sizes[layer]}, what="the weights of one layer")
        gen = make_generator(seed)

        mask = torch.ones(self.n_inputs, dtype=dtype)
        if first_layer_mask is not None:
            visible = check_support(first_layer_mask, self.n_inputs, "first_layer_mask",
                                    allow_empty=False)
            mask = torch.zeros(self.n_inputs, dtype=dtype)
            mask[list(visible)] = 1.0
        self.register_buffer("input_mask", mask.to(device))
        self.has_mask = first_layer_mask is not None

        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            effective_fan_in = int(mask.sum()) if layer == 0 else fan_in
            w = sample_law(self.init, (self.n_models, fan_out, fan_in), effective_fan_in**-0.5, gen)
            if layer == 0:
                w = w * mask.double()
            self.weights.append(nn.Parameter(w.to(dtype=dtype, device=device)))
            is_output = layer == len(sizes) - 2
            if self.bias_law == "none" or (is_output and not self.output_bias):
                self.biases.append(None)
            else:
                b = sample_law(self.bias_law, (self.n_models, fan_out), self.bias_std, gen)
                self.biases.append(nn.Parameter(b.to(dtype=dtype, device=device)))
        self._act = ACTIVATIONS[self.activation]

    @property
    def n_layers(self) -> int:
        """Number of layers with parameters (hidden layers plus the read-out)."""
        return len(self.weights)

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of neurons in each layer, the read-out last."""
        return (*self.hidden, 1)

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            x = as_tensor(x, "x")
        if x.ndim not in (2, 3) or x.shape[-1] != self.n_inputs:
            raise ValueError(f"x must have shape (N, {self.n_inputs}) or (M, N, {self.n_inputs}),"
                             f" got {tuple(x.shape)}")
        if x.ndim == 3 and x.shape[0] != self.n_models:
            raise ValueError(f"x of shape (M, N, n) must have M = n_models = {self.n_models}, "
                             f"got {x.shape[0]}")
        return x.to(dtype=self.weights[0].dtype, device=self.weights[0].device)

    def first_layer_weights(self) -> torch.Tensor:
        """First-layer weights with the input mask applied, shape ``(M, width, n)``."""
        w = self.weights[0]
        return w * self.input_mask if self.has_mask else w

    def _layer(self, layer: int, h: torch.Tensor) -> torch.Tensor:
        """Pre-activation of ``layer`` from its input ``h`` ((N, d) shared or (M, N, d))."""
        w = self.first_layer_weights() if layer == 0 else self.weights[layer]
        b = self.biases[layer]
        if h.ndim == 2:
            # Shared inputs: one GEMM against all models' weights stacked side by side.
            m, out, d = w.shape
            pre = (h @ w.reshape(m * out, d).T).reshape(h.shape[0], m, out).transpose(0, 1)
            return pre if b is None else pre + b.unsqueeze(1)
        if b is None:
            return torch.bmm(h, w.transpose(1, 2))
        return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))

    def neuron_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every neuron's output: a list with one ``(M, N, width_l)`` tensor per layer.

        Hidden layers give post-activations; the last entry is the read-out ``(M, N, 1)``.
        """
        h = self._check_input(x)
        outputs = []
        for layer in range(self.n_layers):
            pre = self._layer(layer, h)
            h = pre if layer == self.n_layers - 1 else self._act(pre)
            outputs.append(h)
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network outputs, shape ``(M, N)``."""
        h = self._check_input(x)
        for layer in range(self.n_layers - 1):
            h = self._act(self._layer(layer, h))
        return self._layer(self.n_layers - 1, h).squeeze(-1)

    def member(self, index: int) -> MLPEnsemble:
        """A copy of model ``index`` as an ensemble of one (parameters copied, not shared)."""
        index = check_int(index, "index", low=0, high=self.n_models - 1)
        clone = MLPEnsemble.__new__(MLPEnsemble)
        nn.Module.__init__(clone)
        for key, value in self.__dict__.items():
            if not key.startswith("_") or key == "_act":
                clone.__dict__[key] = value
        clone.n_models = 1
        clone.register_buffer("input_mask", self.input_mask.clone())
        clone.weights = nn.ParameterList(
            [nn.Parameter(w.detach()[index:index + 1].clone()) for w in self.weights])
        clone.biases = nn.ParameterList(
            [None if b is None else nn.Parameter(b.detach()[index:index + 1].clone())
             for b in self.biases])
        return clone

    def extra_repr(self) -> str:
        return (f"n_inputs={self.n_inputs}, hidden={self.hidden}, n_models={self.n_models}, "
                f"activation={self.activation!r}, init={self.init!r}, bias={self.bias_law!r}, "
                f"bias_std={self.bias_std:g}")
