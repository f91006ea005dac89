r"""Hand-written forward and backward passes of :class:`~inal_tutorial.networks.MLPEnsemble`
for the training loop (private).

:func:`~inal_tutorial.training.train` calls :func:`loss_gradient` here instead of
``torch.autograd.grad`` when :func:`supports` accepts the model and the loss; autograd
stays for every other network and is the reference the tests compare with (agreement to
float64 rounding on every combination accepted here).

The forward pass keeps every layer's activations in the layout ``(M, width, N)`` (model,
neuron, input), so that each layer is one contiguous batched product and the backward
pass needs no transposed copy:

.. math:: a_0 = x,\qquad z_\ell = W_\ell a_{\ell-1} + b_\ell,\qquad
          a_\ell = \sigma(z_\ell)\ (\ell < L),\qquad f = z_L .

With :math:`\delta_L = \partial_f\big[\tfrac1N\sum_i\ell(f_i, y_i)\big]` (one row per
model) the backward pass is

.. math:: \nabla_{W_\ell} = \delta_\ell a_{\ell-1}^\top,\qquad
          \nabla_{b_\ell} = \delta_\ell\mathbf 1,\qquad
          \delta_{\ell-1} = (W_\ell^\top\delta_\ell)\odot\sigma'(z_{\ell-1}).

Inputs shared by all models (``(N, n)``: the population gradient, a full training set, or
one minibatch stream for every model) make the first layer one wide GEMM
``(M·width, n) x (n, N)``, forward and backward.

Derivatives follow PyTorch's own backward formulas, including their choices at the kinks:
relu'(0) = 0, abs'(0) = 0, hinge'(1) = 0, and the softplus threshold of the logistic loss
(derivative exactly 1 once the argument exceeds 20).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .networks import MLPEnsemble

#: Activations with a hand-written derivative ("sign" has no gradient: autograd decides).
SUPPORTED_ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu", "abs", "quadratic", "linear")
#: Losses with a hand-written derivative.
SUPPORTED_LOSSES = ("square", "hinge", "logistic")

_SOFTPLUS_THRESHOLD = 20.0   # torch.nn.functional.softplus's default
# A one of each dtype and device, for 1 - y f in one pass (a 0-dim tensor of the
# operands' device: no host-device mixing on a GPU).
_ONES: dict[tuple[torch.dtype, torch.device], torch.Tensor] = {}
# Step workspaces kept per Plan (one per input shape: a run has one or two).
_MAX_WORKSPACES = 2


def supports(model: nn.Module, loss: str) -> bool:
    """Whether the hand-written pass computes exactly what autograd would for ``model``.

    Only a plain :class:`MLPEnsemble` (not a subclass, no hooks, every parameter trainable)
    with a supported activation and loss.
    """
    if type(model) is not MLPEnsemble or loss not in SUPPORTED_LOSSES:
        return False
    if model.activation not in SUPPORTED_ACTIVATIONS:
        return False
    if model._forward_hooks or model._forward_pre_hooks or "forward" in model.__dict__:
        return False
    if getattr(model, "_backward_hooks", None):
        return False
    return all(p.requires_grad for p in model.parameters())


def _activation_and_slope(name: str, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """sigma(z) and sigma'(z), as PyTorch's backward computes the derivative."""
    if name == "relu":
        a = torch.relu(z)
        return a, a
    if name == "tanh":
        a = torch.tanh(z)
        return a, 1 - a * a
    if name == "sigmoid":
        a = torch.sigmoid(z)
        return a, (1 - a) * a
    if name == "gelu":
        cdf = 0.5 * (1 + torch.erf(z * math.sqrt(0.5)))
        pdf = torch.exp(-0.5 * z * z) * (0.5 * math.sqrt(2 / math.pi))
        return z * cdf, cdf + z * pdf
    if name == "abs":
        return z.abs(), z.sign()
    if name == "quadratic":
        return z.square(), 2 * z
    return z, torch.ones((), dtype=z.dtype, device=z.device)   # linear


def _activation(name: str, z: torch.Tensor) -> torch.Tensor:
    """sigma(z) in place where that is safe (evaluation: ``z`` is not needed afterwards)."""
    if name == "relu":
        return z.relu_()
    if name == "tanh":
        return z.tanh_()
    if name == "sigmoid":
        return z.sigmoid_()
    if name == "gelu":
        return nn.functional.gelu(z)
    if name == "abs":
        return z.abs_()
    if name == "quadratic":
        return z.square_()
    return z


def _loss_and_slope(loss: str, out: torch.Tensor, y: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Pointwise loss l(f, y) ``(M, N)``, and dl/df as ``c * s``: the tensor ``s`` and the
    constant ``c`` (so that a caller can fold ``c`` into a later product's scale)."""
    if loss == "square":
        r = out - y
        return r.square(), r, 2.0
    if loss == "hinge":
        key = (out.dtype, out.device)
        one = _ONES.get(key)
        if one is None:
            one = _ONES[key] = torch.ones((), dtype=out.dtype, device=out.device)
        margin = torch.addcmul(one, y, out, value=-1)   # 1 - y f, in one pass
        return torch.relu(margin), torch.where(margin > 0, y, 0.0), -1.0
    z = -y * out   # logistic: softplus(z), with softplus's threshold
    slope = torch.where(z > _SOFTPLUS_THRESHOLD, 1.0, torch.sigmoid(z))
    return nn.functional.softplus(z), slope.mul_(y), -1.0


def _first_layer(w: torch.Tensor, b: torch.Tensor | None, x: torch.Tensor,
                 out: torch.Tensor | None = None) -> torch.Tensor:
    """Pre-activations ``(M, width, N)`` of the first layer; ``x`` ``(N, n)`` or ``(M, N, n)``,
    ``b`` the biases as columns ``(M, width, 1)`` (written into ``out`` when given: the
    same products, no allocation)."""
    m, width, n = w.shape
    if x.ndim == 2:   # shared inputs: one wide GEMM
        flat = w.view(m * width, n)
        flat_out = None if out is None else out.view(m * width, x.shape[0])
        pre = (torch.mm(flat, x.T, out=flat_out) if b is None
               else torch.addmm(b.view(m * width, 1), flat, x.T, out=flat_out))
        return pre.view(m, width, x.shape[0])
    return _layer(w, b, x.transpose(1, 2), out)


def _layer(w: torch.Tensor, b: torch.Tensor | None, a: torch.Tensor,
           out: torch.Tensor | None = None) -> torch.Tensor:
    if b is None:
        return torch.bmm(w, a, out=out)
    return torch.baddbmm(b, w, a, out=out)


class _Workspace:
    """Buffers of one step's products for inputs of one shape, reused at every step (a
    fresh ``(M, width, N)`` tensor per product and step costs page faults and allocator
    work comparable to the product itself at the book's sizes)."""

    def __init__(self, weights: list[torch.Tensor], n_rows: int):
        m, dtype, device = weights[0].shape[0], weights[0].dtype, weights[0].device
        self._shapes = [(m, w.shape[1], n_rows) for w in weights]   # the last is (M, 1, N)
        self._like = {"dtype": dtype, "device": device}
        self.pre = [torch.empty(shape, **self._like) for shape in self._shapes]
        self._delta: list[torch.Tensor] | None = None
        self.ones = torch.ones(n_rows, **self._like)

    @property
    def delta(self) -> list[torch.Tensor]:
        """The hidden layers' backward buffers (made at the first backward pass: an
        evaluation never needs them)."""
        if self._delta is None:
            self._delta = [torch.empty(shape, **self._like) for shape in self._shapes[:-1]]
            self.flat_delta = [d.view(-1, d.shape[2]) for d in self._delta]
        return self._delta


class Plan:
    """The tensors of one :class:`MLPEnsemble`, gathered once for a training run.

    The parameters are updated in place by the training loop, so the references stay
    valid; ``order`` maps ``params`` (the loop's order) to (kind, layer).
    """

    def __init__(self, model: MLPEnsemble, params: list[torch.Tensor]):
        self.model = model
        self.weights = [w for w in model.weights]
        self.biases = [b for b in model.biases]
        self.mask = model.input_mask if model.has_mask else None
        self.activation = model.activation
        self.dtype = self.weights[0].dtype
        where = {id(w): ("w", i) for i, w in enumerate(self.weights)}
        where.update({id(b): ("b", i) for i, b in enumerate(self.biases) if b is not None})
        self.order = [where[id(p)] for p in params]
        # Detached views of the parameters, made once (they share the parameters' storage,
        # so the in-place updates go through them and no autograd graph is recorded).
        self.detached_weights = [w.detach() for w in self.weights]
        self.detached_biases = [None if b is None else b.detach() for b in self.biases]
        # ... and the views the products take, made once too (a view costs about a
        # microsecond, and a step at the book's sizes takes about 150).
        self.bias_columns = [None if b is None else b.unsqueeze(2) for b in self.detached_biases]
        self.flat_biases = [None if b is None else b.view(-1) for b in self.detached_biases]
        self.transposed_weights = [w.transpose(1, 2) for w in self.detached_weights]
        self._workspaces: dict[tuple[int, ...], _Workspace] = {}

    def _w(self, layer: int) -> torch.Tensor:
        w = self.detached_weights[layer]
        return w * self.mask if layer == 0 and self.mask is not None else w

    def _b(self, layer: int) -> torch.Tensor | None:
        return self.bias_columns[layer]

    def _forward(self, ws, bs, x, y, loss: str, work: _Workspace | None = None):
        """Forward pass: each layer's input and activation slope, the pointwise losses
        ``(M, N)``, and the slope of the mean loss at the output as ``factor * delta``
        (``delta`` ``(M, 1, N)``, ``factor`` a float).

        With ``work`` the products are written into its buffers and relu is applied in
        place (its slope is then read from the activation, as autograd's backward does)."""
        n_rows = x.shape[-2]
        inputs, slopes = [x], []
        pre = _first_layer(ws[0], bs[0], x, None if work is None else work.pre[0])
        for layer in range(1, len(ws)):
            if work is not None and self.activation == "relu":
                a = s = pre.relu_()
            else:
                a, s = _activation_and_slope(self.activation, pre)
            inputs.append(a)
            slopes.append(s)
            pre = _layer(ws[layer], bs[layer], a, None if work is None else work.pre[layer])
        values, slope, factor = _loss_and_slope(loss, pre.squeeze(1), y)
        return inputs, slopes, values, slope, factor / n_rows

    def _workspace(self, x: torch.Tensor) -> _Workspace:
        key = tuple(x.shape)
        work = self._workspaces.get(key)
        if work is None:
            if len(self._workspaces) >= _MAX_WORKSPACES:
                self._workspaces.pop(next(iter(self._workspaces)))
            work = self._workspaces[key] = _Workspace(self.detached_weights, x.shape[-2])
        return work

    def loss_gradient(self, x: torch.Tensor, y: torch.Tensor, loss: str
                      ) -> tuple[list[torch.Tensor], torch.Tensor]:
        r"""Every model's gradient of its mean loss on ``(x, y)``, in the order of ``params``.

        ``x`` ``(N, n)`` (shared) or ``(M, N, n)``; ``y`` ``(N,)`` or ``(M, N)``. Returns
        fresh gradient tensors (the caller may update them in place) and the ``(M,)`` mean
        losses.
        """
        if x.dtype != self.dtype:
            x = x.to(self.dtype)
        if y.dtype != self.dtype:
            y = y.to(self.dtype)
        n_layers = len(self.weights)
        ws = [self._w(layer) for layer in range(n_layers)]
        bs = [self._b(layer) for layer in range(n_layers)]
        n_rows = x.shape[-2]
        with torch.no_grad():
            inputs, slopes, values, slope, factor = self._forward(ws, bs, x, y, loss)
        losses = values.mean(dim=1)
        delta = slope.mul_(factor).unsqueeze(1)
        grads: dict[tuple[str, int], torch.Tensor] = {}
        for layer in range(n_layers - 1, -1, -1):
            a = inputs[layer]
            if bs[layer] is not None:
                grads["b", layer] = delta.sum(dim=2)
            if layer == 0:
                if a.ndim == 2:
                    m, width, n_in = ws[0].shape
                    g = torch.mm(delta.view(m * width, n_rows), a).view(m, width, n_in)
                else:
                    g = torch.bmm(delta, a)
                if self.mask is not None:
                    g.mul_(self.mask)
                grads["w", 0] = g
            else:
                grads["w", layer] = torch.bmm(delta, a.transpose(1, 2))
                back = ws[layer].transpose(1, 2)                    # (M, width_in, width_out)
                # A one-neuron read-out: an outer product, exact either way.
                delta = back * delta if back.shape[2] == 1 else torch.bmm(back, delta)
                delta = self._through_activation(delta, slopes[layer - 1])
        return [grads[key] for key in self.order], losses

    def _through_activation(self, delta: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:
        """delta * sigma'(z), in place; for relu ``slope`` is the activation a and
        sigma' = [a > 0], applied as autograd does (``threshold_backward``)."""
        if self.activation == "relu":
            return torch.ops.aten.threshold_backward.grad_input(delta, slope, 0,
                                                                grad_input=delta)
        return delta.mul_(slope)

    def fused_step(self, x: torch.Tensor, y: torch.Tensor, loss: str, lr: float,
                   weight_decay: float) -> torch.Tensor:
        r"""One step :math:`\theta\leftarrow(1-\gamma\lambda)\theta-\gamma\nabla L`
        without clipping or noise, each update fused into the product that computes its
        gradient: :math:`W_\ell\leftarrow\beta W_\ell-\gamma\,\delta_\ell a_{\ell-1}^\top`
        and :math:`b_\ell\leftarrow\beta b_\ell-\gamma\,\delta_\ell\mathbf 1` (a
        matrix-vector product), :math:`\beta=1-\gamma\lambda`. Returns the ``(M,)``
        *summed* losses before the step (finite exactly when the mean losses are).

        The same rule as ``p -= lr * (g + weight_decay * p)``, rounded differently. Only
        without a first-layer mask (whose masked gradient entries must stay 0). It works on
        the detached parameters, so it records no autograd graph in any grad mode (``x``
        and ``y`` must not require gradients). The activations live in a workspace reused
        from step to step.
        """
        if x.dtype != self.dtype:
            x = x.to(self.dtype)
        if y.dtype != self.dtype:
            y = y.to(self.dtype)
        n_layers = len(self.weights)
        ws = self.detached_weights
        work = self._workspace(x)
        inputs, slopes, values, slope, factor = self._forward(ws, self.bias_columns, x, y,
                                                              loss, work)
        delta, flat_delta = slope.unsqueeze(1), slope   # (M, 1, N) and (M * 1, N)
        beta = 1.0 - lr * weight_decay
        # The loss's constant factor (2/N, -1/N) rides in the products' scale: every
        # update is linear in delta (exact when N is a power of two).
        alpha = -lr * factor
        for layer in range(n_layers - 1, -1, -1):
            a, w, b = inputs[layer], ws[layer], self.flat_biases[layer]
            if b is not None:
                b.addmv_(flat_delta, work.ones, beta=beta, alpha=alpha)
            if layer == 0:
                if a.ndim == 2:
                    m, width, n_in = w.shape
                    w.view(m * width, n_in).addmm_(flat_delta, a, beta=beta, alpha=alpha)
                else:
                    w.baddbmm_(delta, a, beta=beta, alpha=alpha)
            else:
                back = self.transposed_weights[layer]
                into = work.delta[layer - 1]
                new = (torch.mul(back, delta, out=into) if back.shape[2] == 1
                       else torch.bmm(back, delta, out=into))
                new = self._through_activation(new, slopes[layer - 1])
                w.baddbmm_(delta, a.transpose(1, 2), beta=beta, alpha=alpha)
                delta, flat_delta = new, work.flat_delta[layer - 1]
        return values.sum(dim=1)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``(M, N)`` for shared inputs ``x`` ``(N, n)`` (a fresh tensor; the hidden
        activations are computed in place in a workspace reused by the next call)."""
        if x.dtype != self.dtype:
            x = x.to(self.dtype)
        work = self._workspace(x)
        pre = _first_layer(self._w(0), self._b(0), x, work.pre[0])
        for layer in range(1, len(self.weights)):
            last = layer == len(self.weights) - 1
            pre = _layer(self._w(layer), self._b(layer), _activation(self.activation, pre),
                         None if last else work.pre[layer])
        return pre.squeeze(1)


def loss_gradient(model: MLPEnsemble, params: list[torch.Tensor], x: torch.Tensor,
                  y: torch.Tensor, loss: str) -> tuple[list[torch.Tensor], torch.Tensor]:
    """:meth:`Plan.loss_gradient` for one call."""
    return Plan(model, params).loss_gradient(x, y, loss)


def forward_chunk(model: MLPEnsemble, x: torch.Tensor) -> torch.Tensor:
    """:meth:`Plan.forward` for one call."""
    return Plan(model, [p for p in model.parameters()]).forward(x)


def eval_rows(model: MLPEnsemble, budget: int = 1 << 20) -> int:
    """Rows per evaluation chunk: the first layer's ``M x width x rows`` activations stay
    near ``budget`` entries (4 MiB of float32), a multiple of 64 rows and at least 64.

    Measured at n = 40, width 1000 (10 000 inputs, one thread): a row count that is not a
    multiple of 64 costs 10-25 % (262 rows: 13.6 ms, 512 or 1024 rows: 12.3-12.9 ms for one
    model; 65 rows: 130 ms, 64 or 128 rows: 95-98 ms for eight).
    """
    widest = max(model.hidden)
    rows = budget // max(1, model.n_models * widest)
    return max(64, min(1 << 16, rows) // 64 * 64)
