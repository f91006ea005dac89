r"""A small convolutional network in ensemble form, for images such as the 8×8 digits.

:class:`CNNEnsemble` holds ``M`` independent initializations of

.. code-block:: text

    image (1 channel, H×W)
      -> [conv k×k, zero padding "same", activation] × len(channels)
      -> average pooling pool×pool
      -> [fully connected, activation] × len(hidden)
      -> linear read-out (1 output)

in one set of tensors. The ``M`` models are run together by *grouped*
convolutions: the channels of all models are stacked, ``M·C`` of them, and
``groups=M`` keeps model m's filters reading only model m's channels, so a
forward pass is one convolution per layer whatever ``M`` is. The fully connected
part is a batched matrix multiply, as in :class:`~inal_tutorial.networks.MLPEnsemble`.

Normalized i.i.d. initialization, as for the fully connected ensemble: every
weight is drawn from ``init`` (gaussian, rademacher or uniform) with mean 0 and
variance 1/fan-in (fan-in ``C_in·k²`` for a convolution), every bias from ``bias``
with standard deviation ``bias_std``.

Inputs are flattened images, shape ``(N, H·W)`` (row-major), so the same data
tensors feed this network and a fully connected one.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence

import torch
import torch.nn.functional as F  # noqa: N812  (the usual alias)
from torch import nn

from ._validation import (
    as_tensor,
    check_choice,
    check_device,
    check_dtype,
    check_float,
    check_int,
    check_seed,
    check_size,
)
from .networks import ACTIVATIONS, BIAS_LAWS, INITIALIZATIONS, sample_law
from .random import SeedLike, make_generator

__all__ = ["CNNEnsemble", "LocallyConnectedEnsemble"]


def _check_widths(values, name: str, *, allow_empty: bool) -> tuple[int, ...]:
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = (values,)
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a sequence of positive integers, got {values!r}")
    if not values and not allow_empty:
        raise ValueError(f"{name} must not be empty")
    return tuple(check_int(v, f"{name} entry", low=1, high=100_000) for v in values)


class CNNEnsemble(nn.Module):
    r"""``M`` independent small CNNs :math:`\mathbb{R}^{H\times W}\to\mathbb{R}` run as one.

    Parameters
    ----------
    image_shape : (int, int)
        Height and width H, W of the input images (inputs are flattened to H·W), each in
        [1, 4096].
    channels : sequence of int
        Output channels of each convolution (at least one layer), each in [1, 100 000].
    hidden : sequence of int
        Widths of the fully connected hidden layers after pooling (may be empty), each in
        [1, 100 000].
    n_models : int
        Number M of independent initializations, 1 <= M <= 10**7. Every parameter tensor
        (e.g. ``M x C_out x C_in x k x k`` for a convolution, ``M x width x fan-in`` for a
        fully connected layer, 8 bytes an entry) must fit the size cap of
        the package's tensor-size check (1 GiB by default, environment
        variable ``INAL_MAX_TENSOR_BYTES``); so must ``N x M x C x H x W``, a layer's
        outputs on N inputs, at every forward pass.
    kernel_size : int
        Odd side k of the square filters (zero padding k//2 keeps H×W), 1 <= k <= 99.
    pool : int
        Side of the average pooling after the last convolution (1: none); must divide H and W.
    activation, init, bias, bias_std, output_bias
        As in :class:`~inal_tutorial.networks.MLPEnsemble`.
    seed : int in [0, 2**62] or torch.Generator
    dtype : torch.float32 or torch.float64
    device : None, "cpu", "cuda[:i]" (an existing CUDA device) or a torch.device

    Notes
    -----
    ``forward(x)`` takes ``(N, H·W)`` (the same images for every model) or
    ``(M, N, H·W)`` and returns ``(M, N)``. :meth:`neuron_outputs` returns every neuron's
    output layer by layer: a convolutional layer with C channels has C·H·W neurons
    (one per channel and position, flattened channel-major), a hidden layer its width,
    the read-out 1.
    """

    def __init__(self, image_shape: tuple[int, int] = (8, 8), channels: Sequence[int] = (8, 16),
                 hidden: Sequence[int] = (64,), n_models: int = 1, *, kernel_size: int = 3,
                 pool: int = 2, activation: str = "relu", init: str = "gaussian",
                 bias: str = "gaussian", bias_std: float = 1.0, output_bias: bool = False,
                 seed: SeedLike = 0, dtype: torch.dtype = torch.float32,
                 device: str | torch.device | None = None):
        super().__init__()
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, Sequence) \
                or len(image_shape) != 2:
            raise TypeError(f"image_shape must be a pair (height, width), got {image_shape!r}")
        self.image_shape = tuple(check_int(s, "image_shape entry", low=1, high=4096)
                                 for s in image_shape)
        self.channels = _check_widths(channels, "channels", allow_empty=False)
        self.hidden = _check_widths(hidden, "hidden", allow_empty=True)
        self.n_models = check_int(n_models, "n_models", low=1, high=10_000_000)
        self.kernel_size = check_int(kernel_size, "kernel_size", low=1, high=99)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (for 'same' padding), got {kernel_size}")
        self.pool = check_int(pool, "pool", low=1, high=max(self.image_shape))
        height, width = self.image_shape
        if height % self.pool or width % self.pool:
            raise ValueError(f"pool must divide the image shape {self.image_shape}, got {pool}")
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        self.init = check_choice(init, "init", INITIALIZATIONS)
        self.bias_law = check_choice(bias, "bias", BIAS_LAWS)
        self.bias_std = check_float(bias_std, "bias_std", low=0.0)
        self.output_bias = bool(output_bias)
        self.n_inputs = height * width
        dtype = check_dtype(dtype)
        device = check_device(device)
        seed = check_seed(seed)
        m, k = self.n_models, self.kernel_size
        c_in = 1
        for c_out in self.channels:
            check_size({"n_models": m, "channels entry": c_out, "C_in": c_in,
                        "kernel_size^2": k * k}, what="a convolution's weights")
            c_in = c_out
        n_pooled = c_in * (height // self.pool) * (width // self.pool)
        sizes = (n_pooled, *self.hidden, 1)
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            check_size({"n_models": m, "width": fan_out, "fan-in": fan_in},
                       what="a fully connected layer's weights")
        gen = make_generator(seed)

        def draw_bias(shape, is_output=False):
            if self.bias_law == "none" or (is_output and not self.output_bias):
                return None
            b = sample_law(self.bias_law, shape, self.bias_std, gen)
            return nn.Parameter(b.to(dtype=dtype, device=device))

        self.conv_weights = nn.ParameterList()
        self.conv_biases = nn.ParameterList()
        c_in = 1
        for c_out in self.channels:
            w = sample_law(self.init, (m, c_out, c_in, k, k), (c_in * k * k) ** -0.5, gen)
            self.conv_weights.append(nn.Parameter(w.to(dtype=dtype, device=device)))
            self.conv_biases.append(draw_bias((m, c_out)))
            c_in = c_out
        self.n_pooled = c_in * (height // self.pool) * (width // self.pool)
        sizes = (self.n_pooled, *self.hidden, 1)
        self.fc_weights = nn.ParameterList()
        self.fc_biases = nn.ParameterList()
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            w = sample_law(self.init, (m, fan_out, fan_in), fan_in**-0.5, gen)
            self.fc_weights.append(nn.Parameter(w.to(dtype=dtype, device=device)))
            self.fc_biases.append(draw_bias((m, fan_out), is_output=layer == len(sizes) - 2))
        self._act = ACTIVATIONS[self.activation]

    # -- shape bookkeeping -------------------------------------------------------------

    @property
    def n_layers(self) -> int:
        """Layers with parameters: convolutions, hidden fully connected layers, read-out."""
        return len(self.channels) + len(self.hidden) + 1

    @property
    def widths(self) -> tuple[int, ...]:
        """Number of neurons per layer (C·H·W for a convolution), the read-out last."""
        height, width = self.image_shape
        return (*(c * height * width for c in self.channels), *self.hidden, 1)

    def _check_input(self, x) -> tuple[torch.Tensor, bool]:
        x = as_tensor(x, "x")
        if x.ndim not in (2, 3) or x.shape[-1] != self.n_inputs:
            raise ValueError(f"x must have shape (N, {self.n_inputs}) or (M, N, {self.n_inputs}) "
                             f"(flattened {self.image_shape[0]}x{self.image_shape[1]} images), "
                             f"got {tuple(x.shape)}")
        if x.ndim == 3 and x.shape[0] != self.n_models:
            raise ValueError(f"x of shape (M, N, d) must have M = n_models = {self.n_models}, "
                             f"got {x.shape[0]}")
        height, width = self.image_shape
        check_size({"N": x.shape[-2], "n_models": self.n_models,
                    "channels": max(self.channels), "H x W": height * width},
                   what="a convolution's outputs")
        p = self.conv_weights[0]
        return x.to(dtype=p.dtype, device=p.device), x.ndim == 2

    # -- the layers ----------------------------------------------------------------------

    def _conv(self, layer: int, h: torch.Tensor, shared: bool) -> torch.Tensor:
        """Pre-activation of convolution ``layer``; ``h`` is (N, M·C_in, H, W), or (N, 1, H, W) shared."""
        w = self.conv_weights[layer]
        m, c_out, c_in, k, _ = w.shape
        b = self.conv_biases[layer]
        bias = None if b is None else b.reshape(m * c_out)
        # Shared input (first layer only): all M·C_out filters read the same channel, groups=1.
        groups = 1 if shared else m
        return F.conv2d(h, w.reshape(m * c_out, c_in, k, k), bias, padding=k // 2, groups=groups)

    def _fc(self, layer: int, h: torch.Tensor) -> torch.Tensor:
        """Pre-activation of fully connected ``layer`` from ``h`` of shape (M, N, d)."""
        w, b = self.fc_weights[layer], self.fc_biases[layer]
        if b is None:
            return torch.bmm(h, w.transpose(1, 2))
        return torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))

    def _run(self, x, keep: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x, shared = self._check_input(x)
        m = self.n_models
        height, width = self.image_shape
        if shared:
            h = x.reshape(-1, 1, height, width)
        else:  # (M, N, H·W) -> (N, M, H, W): model m's image is channel m, read by group m
            h = x.transpose(0, 1).reshape(-1, m, height, width)
        n = h.shape[0]
        kept = []
        for layer in range(len(self.channels)):
            h = self._act(self._conv(layer, h, shared and layer == 0))
            if keep:
                kept.append(h.reshape(n, m, -1).transpose(0, 1))  # (M, N, C·H·W)
        if self.pool > 1:
            h = F.avg_pool2d(h, self.pool)
        h = h.reshape(n, m, -1).transpose(0, 1)  # (M, N, C·H'·W'), channel-major per model
        n_fc = len(self.fc_weights)
        for layer in range(n_fc):
            h = self._fc(layer, h)
            if layer < n_fc - 1:
                h = self._act(h)
            if keep:
                kept.append(h)
        return h.squeeze(-1), kept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network outputs, shape ``(M, N)``."""
        return self._run(x, keep=False)[0]

    def neuron_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every neuron's output: one ``(M, N, units_l)`` tensor per layer (see :attr:`widths`).

        Convolutional and hidden layers give post-activations; the last entry is the
        read-out ``(M, N, 1)``.
        """
        return self._run(x, keep=True)[1]

    def member(self, index: int) -> CNNEnsemble:
        """A copy of model ``index`` as an ensemble of one (parameters copied, not shared)."""
        index = check_int(index, "index", low=0, high=self.n_models - 1)
        clone = copy.deepcopy(self)
        clone.n_models = 1
        with torch.no_grad():
            for param in clone.parameters():
                param.data = param.data[index:index + 1].clone()
        return clone

    def extra_repr(self) -> str:
        return (f"image_shape={self.image_shape}, channels={self.channels}, hidden={self.hidden}, "
                f"n_models={self.n_models}, kernel_size={self.kernel_size}, pool={self.pool}, "
                f"activation={self.activation!r}, init={self.init!r}, bias={self.bias_law!r}, "
                f"bias_std={self.bias_std:g}")


class LocallyConnectedEnsemble(nn.Module):
    r"""``M`` independent locally connected networks: a CNN without weight sharing.

    .. code-block:: text

        image (1 channel, H×W)
          -> locally connected k×k layer with C channels (zero padding "same"), activation
          -> average pooling pool×pool
          -> [fully connected, activation] × len(hidden)
          -> linear read-out (1 output)

    Neuron (c, p) of the first layer computes
    :math:`\sigma(\sum_{j\in N_k(p)}w_{c,p,j}x_j+b_{c,p})` over the k×k window
    :math:`N_k(p)` around pixel p: the receptive fields of a k×k convolution, but every
    position has its own weights. It has the convolution's locality and not its
    translation equivariance, the control between a CNN and a fully connected network.
    Normalized i.i.d. initialization: weights of variance :math:`1/k^2`, biases from
    ``bias`` with standard deviation ``bias_std`` (zero-padded inputs count in the
    fan-in, as in :class:`CNNEnsemble`).

    Parameters
    ----------
    image_shape : (int, int)
        H, W, each in [1, 4096].
    channels : int
        C >= 1 (``self.channels`` is ``(C,)``, as for a one-layer CNN).
    hidden : sequence of int
        Fully connected widths after pooling (may be empty).
    n_models : int
        M in [1, 10**7]; ``M x C x H·W x k²`` weights must fit the tensor-size cap.
    kernel_size : int
        Odd k in [1, 99].
    pool : int
        Must divide H and W.
    activation, init, bias, bias_std, output_bias, seed, dtype, device
        As in :class:`CNNEnsemble`.

    Notes
    -----
    ``forward`` and ``neuron_outputs`` take ``(N, H·W)`` or ``(M, N, H·W)`` like
    :class:`CNNEnsemble`; the first layer's C·H·W neurons are flattened channel-major.
    """

    def __init__(self, image_shape: tuple[int, int] = (8, 8), channels: int = 8,
                 hidden: Sequence[int] = (64,), n_models: int = 1, *, kernel_size: int = 3,
                 pool: int = 2, activation: str = "relu", init: str = "gaussian",
                 bias: str = "gaussian", bias_std: float = 1.0, output_bias: bool = False,
                 seed: SeedLike = 0, dtype: torch.dtype = torch.float32,
                 device: str | torch.device | None = None):
        super().__init__()
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, Sequence) \
                or len(image_shape) != 2:
            raise TypeError(f"image_shape must be a pair (height, width), got {image_shape!r}")
        self.image_shape = tuple(check_int(s, "image_shape entry", low=1, high=4096)
                                 for s in image_shape)
        self.channels = (check_int(channels, "channels", low=1, high=100_000),)
        self.hidden = _check_widths(hidden, "hidden", allow_empty=True)
        self.n_models = check_int(n_models, "n_models", low=1, high=10_000_000)
        self.kernel_size = check_int(kernel_size, "kernel_size", low=1, high=99)
        if self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (for 'same' padding), got {kernel_size}")
        self.pool = check_int(pool, "pool", low=1, high=max(self.image_shape))
        height, width = self.image_shape
        if height % self.pool or width % self.pool:
            raise ValueError(f"pool must divide the image shape {self.image_shape}, got {pool}")
        self.activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
        self.init = check_choice(init, "init", INITIALIZATIONS)
        self.bias_law = check_choice(bias, "bias", BIAS_LAWS)
        self.bias_std = check_float(bias_std, "bias_std", low=0.0)
        self.output_bias = bool(output_bias)
        self.n_inputs = height * width
        dtype = check_dtype(dtype)
        device = check_device(device)
        seed = check_seed(seed)
        m, k, c = self.n_models, self.kernel_size, self.channels[0]
        check_size({"n_models": m, "channels": c, "H x W": height * width,
                    "kernel_size^2": k * k}, what="the locally connected weights")
        self.n_pooled = c * (height // self.pool) * (width // self.pool)
        sizes = (self.n_pooled, *self.hidden, 1)
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
            check_size({"n_models": m, "width": fan_out, "fan-in": fan_in},
                       what="a fully connected layer's weights")
        gen = make_generator(seed)
        w = sample_law(self.init, (m, c, height * width, k * k), (k * k) ** -0.5, gen)
        self.lc_weight = nn.Parameter(w.to(dtype=dtype, device=device))
        self.lc_bias = None
        if self.bias_law != "none":
            b = sample_law(self.bias_law, (m, c, height * width), self.bias_std, gen)
            self.lc_bias = nn.Parameter(b.to(dtype=dtype, device=device))
        self.fc_weights = nn.ParameterList()
        self.fc_biases = nn.ParameterList()
        for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            wf = sample_law(self.init, (m, fan_out, fan_in), fan_in**-0.5, gen)
            self.fc_weights.append(nn.Parameter(wf.to(dtype=dtype, device=device)))
            is_output = layer == len(sizes) - 2
            if self.bias_law == "none" or (is_output and not self.output_bias):
                self.fc_biases.append(None)
            else:
                bf = sample_law(self.bias_law, (m, fan_out), self.bias_std, gen)
                self.fc_biases.append(nn.Parameter(bf.to(dtype=dtype, device=device)))
        self._act = ACTIVATIONS[self.activation]

    @property
    def n_layers(self) -> int:
        """Layers with parameters: the locally connected one, the hidden ones, the read-out."""
        return 2 + len(self.hidden)

    @property
    def widths(self) -> tuple[int, ...]:
        """Neurons per layer (C·H·W first), the read-out last."""
        height, width = self.image_shape
        return (self.channels[0] * height * width, *self.hidden, 1)

    def _run(self, x, keep: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        x = as_tensor(x, "x")
        if x.ndim not in (2, 3) or x.shape[-1] != self.n_inputs:
            raise ValueError(f"x must have shape (N, {self.n_inputs}) or (M, N, {self.n_inputs})"
                             f", got {tuple(x.shape)}")
        if x.ndim == 3 and x.shape[0] != self.n_models:
            raise ValueError(f"x of shape (M, N, d) must have M = n_models = {self.n_models}, "
                             f"got {x.shape[0]}")
        height, width = self.image_shape
        m, k, c = self.n_models, self.kernel_size, self.channels[0]
        check_size({"N": x.shape[-2], "n_models": m, "H x W": height * width,
                    "max(channels, kernel_size^2)": max(c, k * k)},
                   what="the locally connected patches and outputs")
        x = x.to(dtype=self.lc_weight.dtype, device=self.lc_weight.device)
        n = x.shape[-2]
        patches = F.unfold(x.reshape(-1, 1, height, width), k, padding=k // 2)  # (B, k², P)
        if x.ndim == 2:
            pre = torch.einsum("njp,mcpj->mncp", patches, self.lc_weight)
        else:
            pre = torch.einsum("mnjp,mcpj->mncp",
                               patches.reshape(m, n, k * k, height * width), self.lc_weight)
        if self.lc_bias is not None:
            pre = pre + self.lc_bias.unsqueeze(1)
        h = self._act(pre)  # (M, N, C, P)
        kept = [h.reshape(m, n, -1)] if keep else []
        if self.pool > 1:
            h = F.avg_pool2d(h.reshape(m * n, c, height, width), self.pool)
        h = h.reshape(m, n, -1)
        n_fc = len(self.fc_weights)
        for layer in range(n_fc):
            w, b = self.fc_weights[layer], self.fc_biases[layer]
            h = torch.bmm(h, w.transpose(1, 2)) if b is None else torch.baddbmm(
                b.unsqueeze(1), h, w.transpose(1, 2))
            if layer < n_fc - 1:
                h = self._act(h)
            if keep:
                kept.append(h)
        return h.squeeze(-1), kept

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Network outputs, shape ``(M, N)``."""
        return self._run(x, keep=False)[0]

    def neuron_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every neuron's output: one ``(M, N, units_l)`` tensor per layer (see :attr:`widths`)."""
        return self._run(x, keep=True)[1]

    def extra_repr(self) -> str:
        return (f"image_shape={self.image_shape}, channels={self.channels[0]}, "
                f"hidden={self.hidden}, n_models={self.n_models}, "
                f"kernel_size={self.kernel_size}, pool={self.pool}")
