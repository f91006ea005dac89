r"""A small real data set: scikit-learn's 8×8 handwritten digits as a binary task.

The digits (1797 images of 8×8 pixels with grey levels 0..16, UCI "Optical
Recognition of Handwritten Digits") ship inside scikit-learn, so nothing is
downloaded. :func:`load_digits_task` turns them into a balanced binary task with
labels :math:`y\in\{-1,+1\}` (one group of digits against another) and
standardizes every pixel with the training set's mean and standard deviation.
:meth:`DigitsTask.permuted` applies one fixed random permutation to the pixels of
every image: the control experiment for architectures that rely on pixel
neighbourhoods.

On a data set the correlation of the label with a neuron is the empirical mean

.. math:: \langle y,\mathrm{NN}_v\rangle_{\mathcal D}=\frac1N\sum_{i=1}^N y_i\,\mathrm{NN}_v(x_i),

the inner product of :mod:`inal_tutorial.alignment` with the uniform
distribution on the hypercube replaced by the empirical distribution of the data
set. :func:`estimate_inal_on_data` estimates
:math:`\max_{\text{layers}}\ \text{mean}_{v\in\text{layer}}\ \mathbb{E}_{\theta}\langle y,\mathrm{NN}_v\rangle_{\mathcal D}^2`
exactly as :func:`~inal_tutorial.alignment.estimate_inal` does on the cube (the
sum over the data set is exact; only the initialization is random).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch

from ._validation import (
    as_tensor,
    check_bool,
    check_choice,
    check_device,
    check_dtype,
    check_float,
    check_int,
    check_seed,
    check_size,
)
from .alignment import INALResult, inal_result_from_squares, unbiased_squared_mean
from .networks import MLPEnsemble
from .random import SeedLike, make_generator
from .training import ArrayDataset

__all__ = [
    "DigitsTask",
    "load_digits_task",
    "random_pixel_permutation",
    "permute_first_layer",
    "data_correlations",
    "estimate_inal_on_data",
    "estimate_inal_many",
    "block_shuffle_permutation",
    "linear_residual",
    "NeuronINAL",
    "inal_by_definition",
]

#: Shape of one image of scikit-learn's digits.
DIGITS_IMAGE_SHAPE = (8, 8)


@dataclass(frozen=True)
class DigitsTask:
    r"""A binary classification task on 8×8 digit images, inputs flattened to 64 features.

    Attributes
    ----------
    x_train, x_test : torch.Tensor of shape ``(N, 64)``
        Standardized pixels (row-major order of the 8×8 image, then permuted if
        ``permutation`` is set).
    y_train, y_test : torch.Tensor of shape ``(N,)``
        Labels +1 (digit in ``positive``) and -1 (digit in ``negative``).
    digits_train, digits_test : torch.Tensor of shape ``(N,)``
        The original digit of each image (0..9), for inspection.
    positive, negative : tuple of int
        The two groups of digits.
    pixel_mean, pixel_std : torch.Tensor of shape ``(64,)``
        The training set's per-pixel mean and standard deviation used to standardize
        (in the same pixel order as ``x_train``), kept to draw the images.
    permutation : torch.Tensor or None
        ``x[:, j]`` holds original pixel ``permutation[j]``; None for the original images.
    image_shape : tuple of int
        ``(8, 8)``.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    digits_train: torch.Tensor
    digits_test: torch.Tensor
    positive: tuple[int, ...]
    negative: tuple[int, ...]
    pixel_mean: torch.Tensor
    pixel_std: torch.Tensor
    permutation: torch.Tensor | None = None
    image_shape: tuple[int, int] = DIGITS_IMAGE_SHAPE

    @property
    def n_features(self) -> int:
        """Number of input features (64 pixels)."""
        return int(self.x_train.shape[1])

    @property
    def name(self) -> str:
        """Short description, e.g. ``"{0, 2, 4, 6, 8} vs {1, 3, 5, 7, 9}"``."""
        pos = ", ".join(map(str, self.positive))
        neg = ", ".join(map(str, self.negative))
        suffix = ", pixels permuted" if self.permutation is not None else ""
        return f"{{{pos}}} vs {{{neg}}}{suffix}"

    def permuted(self, permutation: Sequence[int] | torch.Tensor | None = None,
                 seed: SeedLike = 0) -> DigitsTask:
        """The same task with the pixels of every image reordered by one fixed permutation.

        ``x_new[:, j] = x[:, permutation[j]]`` for train and test alike. Without
        ``permutation``, a uniformly random one is drawn from ``seed``. Permuting an
        already permuted task composes the permutations (``permutation`` then always
        refers to the original pixel order).
        """
        if permutation is None:
            perm = random_pixel_permutation(self.n_features, check_seed(seed))
        else:
            perm = _check_permutation(permutation, self.n_features)
        total = perm if self.permutation is None else self.permutation[perm]
        return replace(self, x_train=self.x_train[:, perm], x_test=self.x_test[:, perm],
                       pixel_mean=self.pixel_mean[perm], pixel_std=self.pixel_std[perm],
                       permutation=total)

    def to(self, dtype: torch.dtype | None = None,
           device: str | torch.device | None = None) -> DigitsTask:
        """A copy with the inputs and labels moved to ``dtype`` / ``device``.

        Parameters
        ----------
        dtype : torch.float32, torch.float64 or None
            None keeps the current dtype.
        device : "cpu", "cuda[:i]" (an existing CUDA device), a torch.device or None
            None keeps the current device.
        """
        dtype = None if dtype is None else check_dtype(dtype)
        device = None if device is None else check_device(device)

        def move(t):
            return t.to(dtype=dtype, device=device)

        return replace(self, x_train=move(self.x_train), y_train=move(self.y_train),
                       x_test=move(self.x_test), y_test=move(self.y_test))

    def dataset(self) -> ArrayDataset:
        """The task as an :class:`~inal_tutorial.training.ArrayDataset` (train and test sets)."""
        return ArrayDataset(self.x_train, self.y_train, self.x_test, self.y_test)

    def images(self, split: str = "train", *, raw: bool = False) -> torch.Tensor:
        """The inputs of ``split`` ("train" or "test") as ``(N, 8, 8)`` images.

        ``raw=True`` undoes the standardization: grey levels 0..16 as in the data set
        (constant pixels get their constant value back).
        """
        split = check_choice(split, "split", ("train", "test"))
        x = self.x_train if split == "train" else self.x_test
        if raw:
            x = x.double() * self.pixel_std + self.pixel_mean
        return x.reshape(-1, *self.image_shape)

    def __repr__(self) -> str:
        return (f"DigitsTask({self.name}: {len(self.y_train)} train, {len(self.y_test)} test, "
                f"{self.n_features} features)")


def _check_digit_group(group, name: str) -> tuple[int, ...]:
    if isinstance(group, (str, bytes)) or not isinstance(group, (Sequence, set, frozenset, range,
                                                                np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a sequence of digits 0..9, got {type(group).__name__}")
    digits = [check_int(d, f"{name} entry", low=0, high=9) for d in group]
    if not digits:
        raise ValueError(f"{name} must contain at least one digit")
    if len(set(digits)) != len(digits):
        raise ValueError(f"{name} has repeated digits: {sorted(digits)}")
    return tuple(sorted(digits))


def _check_permutation(permutation, size: int) -> torch.Tensor:
    if isinstance(permutation, (str, bytes)) or not isinstance(
            permutation, (Sequence, range, np.ndarray, torch.Tensor)):
        raise TypeError(f"permutation must be a sequence of {size} integer indices, got "
                        f"{type(permutation).__name__}")
    try:
        perm = torch.as_tensor(np.asarray(permutation) if isinstance(permutation, range)
                               else permutation)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"permutation must be a sequence of {size} integer indices, got "
                        f"{type(permutation).__name__}") from err
    if perm.ndim != 1 or perm.shape[0] != size or perm.is_floating_point() or perm.dtype == torch.bool:
        raise ValueError(f"permutation must be {size} integer indices, got shape "
                         f"{tuple(perm.shape)} and dtype {perm.dtype}")
    perm = perm.long()
    if not torch.equal(torch.sort(perm).values, torch.arange(size)):
        raise ValueError(f"permutation must be a permutation of range({size})")
    return perm


def random_pixel_permutation(size: int = 64, seed: SeedLike = 0) -> torch.Tensor:
    """A uniformly random permutation of ``range(size)`` drawn from ``seed`` (a LongTensor).

    Parameters
    ----------
    size : int
        1 <= size <= 10**7.
    seed : int in [0, 2**62] or torch.Generator
    """
    size = check_int(size, "size", low=1, high=10**7)
    return torch.randperm(size, generator=make_generator(check_seed(seed)))


def load_digits_task(positive: Sequence[int] = (0, 2, 4, 6, 8),
                     negative: Sequence[int] = (1, 3, 5, 7, 9), *, test_fraction: float = 0.25,
                     seed: SeedLike = 0, dtype: torch.dtype = torch.float32) -> DigitsTask:
    r"""scikit-learn's 8×8 digits as a balanced ±1 task: ``positive`` digits vs ``negative``.

    Construction (all random choices from ``seed``):

    1. The class with more images is subsampled at random so that both labels have
       the same number ``m`` of images.
    2. Each label's images are split at random into ``round(test_fraction * m)``
       test images and the rest for training, so both splits are exactly balanced:
       :math:`\sum_i y_i = 0` on train and on test.
    3. Each pixel j is standardized with the training set's statistics,
       :math:`x_j\mapsto (x_j-\mu_j)/s_j`; pixels constant on the training set
       (:math:`s_j=0`, e.g. some corners) are set to 0 everywhere.

    Parameters
    ----------
    positive, negative : sequences of distinct digits in 0..9, disjoint
        Default: even against odd digits (891 images per label after balancing).
    test_fraction : float in (0, 1)
        It must leave at least one train and one test image per label.
    seed : int in [0, 2**62] or torch.Generator
    dtype : torch.float32 or torch.float64
        Of inputs and labels (use ``torch.float64`` for exact comparisons).

    References
    ----------
    Alpaydin & Kaynak (1998), UCI; Pedregosa et al. (2011), scikit-learn.
    """
    positive = _check_digit_group(positive, "positive")
    negative = _check_digit_group(negative, "negative")
    if set(positive) & set(negative):
        raise ValueError(f"positive and negative must be disjoint, both contain "
                         f"{sorted(set(positive) & set(negative))}")
    test_fraction = check_float(test_fraction, "test_fraction", low=0.0, high=1.0,
                                low_open=True, high_open=True)
    dtype = check_dtype(dtype)
    seed = check_seed(seed)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = torch.as_tensor(bunch.data, dtype=torch.float64)
    digits = torch.as_tensor(bunch.target, dtype=torch.long)
    gen = make_generator(seed)
    groups = [torch.nonzero(torch.isin(digits, torch.tensor(g))).squeeze(1)
              for g in (positive, negative)]
    per_label = min(len(g) for g in groups)
    n_test = round(test_fraction * per_label)
    if not 1 <= n_test <= per_label - 1:
        raise ValueError(f"test_fraction={test_fraction:g} leaves no train or no test image "
                         f"({per_label} images per label)")
    train_idx, test_idx = [], []
    for g in groups:
        chosen = g[torch.randperm(len(g), generator=gen)[:per_label]]
        test_idx.append(chosen[:n_test])
        train_idx.append(chosen[n_test:])
    train_idx, test_idx = torch.cat(train_idx), torch.cat(test_idx)
    # Shuffle so that the labels are not sorted (matters for anyone taking a prefix).
    train_idx = train_idx[torch.randperm(len(train_idx), generator=gen)]
    test_idx = test_idx[torch.randperm(len(test_idx), generator=gen)]

    mean = pixels[train_idx].mean(0)
    std = pixels[train_idx].std(0, correction=0)
    scale = torch.where(std > 0, std, torch.full_like(std, math.inf))  # constant pixels -> 0

    def features(idx):
        return ((pixels[idx] - mean) / scale).to(dtype)

    def labels(idx):
        return torch.where(torch.isin(digits[idx], torch.tensor(positive)), 1.0, -1.0).to(dtype)

    return DigitsTask(x_train=features(train_idx), y_train=labels(train_idx),
                      x_test=features(test_idx), y_test=labels(test_idx),
                      digits_train=digits[train_idx], digits_test=digits[test_idx],
                      positive=positive, negative=negative, pixel_mean=mean, pixel_std=std)


def permute_first_layer(network: MLPEnsemble, permutation: Sequence[int] | torch.Tensor
                        ) -> MLPEnsemble:
    r"""A copy of a fully connected ensemble whose first layer reads permuted inputs.

    With ``x'_j = x_{\pi(j)}`` (``x' = x[..., permutation]``) and first-layer weights
    :math:`W'_{:,j}=W_{:,\pi(j)}`, :math:`W'x'=Wx`: the copy computes on permuted
    inputs exactly what ``network`` computes on the original ones. Because the
    weights are i.i.d., :math:`W'` has the same law as :math:`W`; this is the
    permutation equivariance of fully connected networks with i.i.d. initialization.
    """
    if not isinstance(network, MLPEnsemble):
        raise TypeError(f"network must be an MLPEnsemble, got {type(network).__name__}")
    perm = _check_permutation(permutation, network.n_inputs)
    clone = copy.deepcopy(network)
    with torch.no_grad():
        clone.weights[0].copy_(network.weights[0][:, :, perm.to(network.weights[0].device)])
        clone.input_mask.copy_(network.input_mask[perm.to(network.input_mask.device)])
    return clone


def _network_dtype_device(network) -> tuple[torch.dtype, torch.device]:
    try:
        p = next(network.parameters())
    except (AttributeError, StopIteration) as err:
        raise TypeError("network must be a torch module with parameters") from err
    return p.dtype, p.device


def _check_xy(x, y, network, *, many: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    x = as_tensor(x, "x")
    name = "labels" if many else "y"
    y = as_tensor(y, name)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, d), got {tuple(x.shape)}")
    if x.shape[0] < 1:
        raise ValueError(f"x must hold at least one data point (N >= 1), got shape "
                         f"{tuple(x.shape)}")
    want = f"(N, T) = ({x.shape[0]}, T)" if many else f"(N,) = ({x.shape[0]},)"
    if y.shape[0:1] != x.shape[0:1] or y.ndim != (2 if many else 1) or (many and y.shape[1] < 1):
        raise ValueError(f"{name} must have shape {want} to match x, got {tuple(y.shape)}")
    if not hasattr(network, "neuron_outputs") or not hasattr(network, "n_models"):
        raise TypeError("network must be an ensemble with n_models and neuron_outputs(x), got "
                        f"{type(network).__name__}")
    n_inputs = getattr(network, "n_inputs", x.shape[1])
    if x.shape[1] != n_inputs:
        raise ValueError(f"x must have {n_inputs} columns (the network's n_inputs), got "
                         f"{x.shape[1]}")
    return x, y


def _check_pass_size(network, rows: int, n_labels: int) -> None:
    """Refuse a pass whose largest tensors (one layer's outputs on a chunk, or the sums over
    labels) would exceed the size cap, before any forward pass."""
    widths = getattr(network, "widths", None)
    if not widths:
        return
    units = max(int(w) for w in widths)
    models = int(network.n_models)
    check_size({"n_models": models, "chunk_size rows": rows, "layer width": units},
               what="one layer's outputs on a chunk")
    check_size({"labels columns T": n_labels, "n_models": models, "layer width": units},
               what="the correlation sums")


def data_correlations(x, labels, network, *, chunk_size: int = 512, squares: bool = True
                      ) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    r"""Sums :math:`\sum_i y_{it}\mathrm{NN}_v(x_i)` and :math:`\sum_i (y_{it}\mathrm{NN}_v(x_i))^2` for every neuron v and label vector t.

    Parameters
    ----------
    x : tensor ``(N, d)``
    labels : tensor ``(N, T)``
        T label vectors for the same inputs (e.g. the truth tables of T targets on all
        :math:`2^n` inputs): one forward pass serves them all.
    network : an ensemble (e.g. :class:`~inal_tutorial.networks.MLPEnsemble` or
        :class:`~inal_tutorial.convnets.CNNEnsemble`) whose ``neuron_outputs(x)``
        returns one ``(M, N, units)`` tensor per layer.
    chunk_size : int
        Rows of ``x`` per forward pass (bounds memory), >= 1. The largest tensors,
        ``n_models x min(chunk_size, N) x width`` and ``T x n_models x width`` (8 bytes an
        entry), must fit the size cap of the package's tensor-size check
        (1 GiB by default, environment variable ``INAL_MAX_TENSOR_BYTES``).
    squares : bool
        Also accumulate the sums of squares (needed by the unbiased estimator only);
        without them ``sums_of_squares`` is None and the pass costs half as much.

    Returns
    -------
    (sums, sums_of_squares) : lists of float64 tensors ``(T, M, units_l)``, one per layer.
    """
    x, labels = _check_xy(x, labels, network, many=True)
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    dtype, device = _network_dtype_device(network)
    _check_pass_size(network, min(chunk_size, x.shape[0]), labels.shape[1])
    sums: list[torch.Tensor] = []
    sums_sq: list[torch.Tensor] = []
    with torch.no_grad():
        for start in range(0, x.shape[0], chunk_size):
            xb = x[start:start + chunk_size].to(dtype=dtype, device=device)
            yb = labels[start:start + chunk_size].to(dtype=torch.float64, device=device).T
            outputs = network.neuron_outputs(xb)
            if not sums:
                sums = [torch.zeros(labels.shape[1], o.shape[0], o.shape[2], dtype=torch.float64,
                                    device=device) for o in outputs]
                sums_sq = [torch.zeros_like(s) for s in sums] if squares else []
            for layer, out in enumerate(outputs):
                out = out.double()  # (M, rows, units); float64 so tiny alignments stay exact
                # (T, rows) @ (M, rows, units) -> (M, T, units)
                sums[layer] += torch.matmul(yb, out).transpose(0, 1)
                if squares:
                    sums_sq[layer] += torch.matmul(yb.square(), out.square()).transpose(0, 1)
    return sums, (sums_sq if squares else None)


def estimate_inal_many(x, labels, network, *, estimator: str = "empirical",
                       chunk_size: int = 512) -> list[INALResult]:
    r"""INAL of a network at initialization with each of T label vectors of a data set.

    :func:`estimate_inal_on_data` for the columns of ``labels`` ``(N, T)`` at the cost of
    one pass over the data. With ``x = all_inputs(n)`` and the columns the truth tables
    of T targets, the empirical mean over x *is* the uniform inner product on the cube,
    so this gives :func:`~inal_tutorial.alignment.estimate_inal` (exact mode) for T
    targets at once.

    Parameters
    ----------
    x : tensor ``(N, d)``, N >= 1 (N >= 2 for ``"unbiased"``), real and finite
    labels : tensor ``(N, T)``, T >= 1, real and finite
    network : ensemble with ``n_models >= 2`` and ``neuron_outputs``
    estimator : {"empirical", "unbiased"}
    chunk_size : int
        As in :func:`data_correlations`.

    Returns
    -------
    list of T :class:`~inal_tutorial.alignment.INALResult`.
    """
    estimator = check_choice(estimator, "estimator", ("empirical", "unbiased"))
    x, labels = _check_xy(x, labels, network, many=True)
    if network.n_models < 2:
        raise ValueError("network.n_models must be at least 2 (initializations, to give a "
                         f"standard error), got {network.n_models}")
    n = x.shape[0]
    if estimator == "unbiased" and n < 2:
        raise ValueError(f"x must hold at least 2 data points for the unbiased estimator, got "
                         f"{n}")
    sums, sums_sq = data_correlations(x, labels, network, chunk_size=chunk_size,
                                      squares=estimator == "unbiased")
    results = []
    for t in range(labels.shape[1]):
        if estimator == "empirical":
            squares = [(s[t] / n).square() for s in sums]
            results.append(inal_result_from_squares(squares, "dataset", n))
        else:
            squares = [unbiased_squared_mean(s[t], q[t], n)
                       for s, q in zip(sums, sums_sq, strict=True)]
            results.append(inal_result_from_squares(squares, "dataset (unbiased)", n))
    return results


def estimate_inal_on_data(x, y, network, *, estimator: str = "empirical",
                          chunk_size: int = 512) -> INALResult:
    r"""INAL of a network at initialization with the labels of a data set.

    With :math:`\langle y,g\rangle_{\mathcal D}=\frac1N\sum_i y_i g(x_i)` (the empirical
    mean over the data set), computes for every layer the average over its neurons of
    :math:`\mathbb{E}_\theta\langle y,\mathrm{NN}_v\rangle_{\mathcal D}^2`, the
    expectation taken as the mean over the ensemble's ``M`` initializations, and
    returns the largest layer with its standard error over initializations, as
    :func:`~inal_tutorial.alignment.estimate_inal` does on the hypercube.

    Parameters
    ----------
    x : tensor ``(N, d)``; y : tensor ``(N,)``
        The data set (usually the training set) and its labels: real, finite, N >= 1
        (N >= 2 for ``"unbiased"``), ``d`` equal to the network's ``n_inputs``.
    network : ensemble with ``n_models >= 2`` and ``neuron_outputs``
    estimator : {"empirical", "unbiased"}
        ``"empirical"``: the data set *is* the distribution; the sum over it is exact
        and only the initialization is random. ``"unbiased"``: treat the data as N
        i.i.d. draws from a population and estimate the population
        :math:`\mathbb{E}[yg]^2` by the U-statistic
        :math:`((\sum_i a_i)^2-\sum_i a_i^2)/(N(N-1))`, :math:`a_i=y_ig(x_i)`; the
        empirical value exceeds it on average by :math:`\mathrm{Var}(yg)/N`.
    chunk_size : int

    Notes
    -----
    Neurons of one layer of a fully connected network are exchangeable under i.i.d.
    initialization, so the layer average is the alignment of every neuron. In a
    convolutional layer the neurons at different positions are *not* exchangeable
    (only channels are); there the layer average is a lower bound on the largest
    neuron's alignment, which ``max_neuron`` reports (biased upward).
    """
    x, y = _check_xy(x, y, network)
    return estimate_inal_many(x, y.unsqueeze(1), network, estimator=estimator,
                              chunk_size=chunk_size)[0]


# ---------------------------------------------------------------------------
# Graded input transforms, the linear residual, INAL by the definition
# ---------------------------------------------------------------------------


def block_shuffle_permutation(image_shape: tuple[int, int] = DIGITS_IMAGE_SHAPE,
                              block: int = 2, seed: SeedLike = 0) -> torch.Tensor:
    r"""A pixel permutation that shuffles the ``block``×``block`` tiles of an image.

    The image is cut into :math:`(H/b)\cdot(W/b)` tiles of side b; the tiles are put in
    a uniformly random order (drawn from ``seed``) and each keeps its own pixel order.
    ``block = H = W`` is the identity; ``block = 1`` a uniformly random permutation of
    all pixels. In between, locality survives inside tiles and is destroyed across
    them: a graded family of transforms. Use it as ``task.permuted(permutation)``
    (``x_new[:, j] = x[:, permutation[j]]``, row-major pixels).

    Parameters
    ----------
    image_shape : (int, int)
        H, W, each in [1, 4096].
    block : int
        Side b >= 1 of the tiles; must divide H and W.
    seed : int in [0, 2**62] or torch.Generator
    """
    if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, Sequence) \
            or len(image_shape) != 2:
        raise TypeError(f"image_shape must be a pair (height, width), got {image_shape!r}")
    height, width = (check_int(s, "image_shape entry", low=1, high=4096) for s in image_shape)
    block = check_int(block, "block", low=1, high=max(height, width))
    if height % block or width % block:
        raise ValueError(f"block must divide the image shape {(height, width)}, got {block}")
    gen = make_generator(check_seed(seed))
    rows, cols = height // block, width // block
    order = torch.randperm(rows * cols, generator=gen)
    pixels = torch.arange(height * width).reshape(rows, block, cols, block)
    tiles = pixels.permute(0, 2, 1, 3).reshape(rows * cols, block, block)[order]
    return tiles.reshape(rows, cols, block, block).permute(0, 2, 1, 3).reshape(-1)


def linear_residual(x, y, *, fit: tuple | None = None, ridge: float = 1e-6) -> torch.Tensor:
    r"""The labels' residual after the best linear fit, scaled to mean square 1.

    Least squares on the data set: :math:`(a^*,w^*)=\arg\min\sum_i(y_i-a-w\cdot x_i)^2`
    (with a tiny ridge :math:`\lambda\lVert w\rVert^2` for constant pixels), then
    :math:`r_i=y_i-a^*-w^*\cdot x_i`, returned as :math:`r/\sqrt{\frac1N\sum_ir_i^2}`.
    Up to the ridge, r is orthogonal on the data set to the constant and to every pixel,
    so :math:`\langle r,g\rangle_{\mathcal D}=0` for every affine g: its INAL measures
    the alignment of a network with what a linear model *cannot* explain.

    With ``fit=(x_fit, y_fit)`` the linear model is fitted on that other sample and the
    residual taken on ``(x, y)`` (cross-fitting): the in-sample residual is orthogonal
    to the pixels *on the sample*, which biases an unbiased (U-statistic) estimate of its
    alignment downward; a residual fitted elsewhere does not have that artefact.

    Parameters
    ----------
    x : tensor ``(N, d)``; y : tensor ``(N,)``; real, finite
    fit : pair of tensors ``(N', d)``, ``(N',)``, optional
        Where to fit (default ``(x, y)``); N' > d + 1.
    ridge : float >= 0

    Returns
    -------
    float64 tensor ``(N,)``.
    """
    def pair(a, b, what):
        a = as_tensor(a, f"x{what}").double()
        b = as_tensor(b, f"y{what}").double()
        if a.ndim != 2 or b.ndim != 1 or b.shape[0] != a.shape[0]:
            raise ValueError(f"x{what} must be (N, d) and y{what} (N,), got {tuple(a.shape)} "
                             f"and {tuple(b.shape)}")
        return a, b

    x, y = pair(x, y, "")
    if fit is None:
        x_fit, y_fit = x, y
    else:
        if not isinstance(fit, (tuple, list)) or len(fit) != 2:
            raise TypeError("fit must be a pair (x_fit, y_fit)")
        x_fit, y_fit = pair(fit[0], fit[1], "_fit")
        if x_fit.shape[1] != x.shape[1]:
            raise ValueError(f"x_fit must have {x.shape[1]} columns, got {x_fit.shape[1]}")
    if x_fit.shape[0] <= x_fit.shape[1] + 1:
        raise ValueError(f"need more data points than features + 1 to fit, got "
                         f"N = {x_fit.shape[0]}, d = {x_fit.shape[1]}")
    ridge = check_float(ridge, "ridge", low=0.0)

    def design_of(a):
        return torch.cat([torch.ones(a.shape[0], 1, dtype=torch.float64), a], dim=1)

    design = design_of(x_fit)
    gram = design.T @ design
    gram[1:, 1:] += ridge * x_fit.shape[0] * torch.eye(x_fit.shape[1], dtype=torch.float64)
    coef = torch.linalg.solve(gram, design.T @ y_fit)
    r = y - design_of(x) @ coef
    scale = r.square().mean().sqrt()
    if not scale > 0:
        raise ValueError("y is exactly linear in x: the residual is zero")
    return r / scale


@dataclass(frozen=True)
class NeuronINAL:
    r"""INAL by the definition, :math:`\max_v\mathbb{E}_\theta\langle y,\mathrm{NN}_v\rangle^2`.

    Attributes
    ----------
    value, stderr : float
        The largest neuron alignment and its standard error over initializations.
    layer, position : int
        Where the maximum is: layer index (0 = first), and for a convolutional or
        locally connected layer the pixel position (row-major; -1 elsewhere).
    per_layer_max, per_layer_mean : numpy arrays
        Each layer's largest and average neuron alignment.
    n_init : int
    estimator : str
    """

    value: float
    stderr: float
    layer: int
    position: int
    per_layer_max: np.ndarray
    per_layer_mean: np.ndarray
    n_init: int
    estimator: str

    def __str__(self) -> str:
        where = f"layer {self.layer}" + (f", position {self.position}"
                                         if self.position >= 0 else "")
        return (f"INAL = {self.value:.4g} ± {self.stderr:.2g} ({where}, {self.estimator}, "
                f"{self.n_init} inits)")


def _neuron_groups(network, layer: int, units: int) -> tuple[int, int]:
    """(channels, positions) of a layer: exchangeable channels at each position."""
    channels = getattr(network, "channels", ())
    if layer < len(channels):
        return int(channels[layer]), units // int(channels[layer])
    return units, 1


def inal_by_definition(x, y, network, *, estimator: str = "unbiased", split: bool = True,
                       chunk_size: int = 512) -> NeuronINAL:
    r"""INAL as defined: the largest expected squared correlation over *every* neuron.

    For each neuron v, :math:`\mathbb{E}_\theta\langle y,\mathrm{NN}_v\rangle_{\mathcal D}^2`
    is averaged over the ensemble's initializations and over the neurons that are
    exchangeable with v under the i.i.d. initialization: all neurons of a fully connected
    layer, the channels at one position of a convolutional or locally connected layer
    (positions are *not* exchangeable there, so each position is its own group). The
    maximum over groups of every layer is returned with the standard error (over
    initializations) of the group that attains it. A maximum of noisy means is biased
    upward; with ``split=True`` (default) the group is *selected* on the first half of
    the initializations and its value and standard error are *measured* on the second
    half, which removes that selection bias (the value is then an unbiased estimate for
    the selected neuron, and at most the true maximum in expectation).

    With ``estimator="unbiased"`` each squared mean is the U-statistic
    :math:`((\sum_ia_i)^2-\sum_ia_i^2)/(N(N-1))`, :math:`a_i=y_i\mathrm{NN}_v(x_i)`: the data
    are a sample and the population alignment is estimated without the upward bias
    :math:`\mathrm{Var}(a)/N` of the plug-in square (``"empirical"``).

    Parameters
    ----------
    x : tensor ``(N, d)``; y : tensor ``(N,)``
        Real, finite; N >= 2 for the unbiased estimator. y may be real-valued (e.g.
        :func:`linear_residual`).
    network : ensemble with ``n_models >= 2`` and ``neuron_outputs`` (an
        :class:`~inal_tutorial.networks.MLPEnsemble`, a
        :class:`~inal_tutorial.convnets.CNNEnsemble` or a
        :class:`~inal_tutorial.convnets.LocallyConnectedEnsemble`)
    estimator : {"unbiased", "empirical"}
    split : bool
        Select the maximizing neuron group and measure it on disjoint halves of the
        initializations (needs ``n_models >= 4``).
    chunk_size : int >= 1
    """
    estimator = check_choice(estimator, "estimator", ("unbiased", "empirical"))
    x, y = _check_xy(x, y, network)
    if network.n_models < 2:
        raise ValueError("network.n_models must be at least 2 (initializations, to give a "
                         f"standard error), got {network.n_models}")
    n = x.shape[0]
    if estimator == "unbiased" and n < 2:
        raise ValueError(f"x must hold at least 2 data points for the unbiased estimator, got "
                         f"{n}")
    sums, sums_sq = data_correlations(x, y.unsqueeze(1), network, chunk_size=chunk_size,
                                      squares=estimator == "unbiased")
    split = check_bool(split, "split")
    if split and network.n_models < 4:
        raise ValueError("split=True needs network.n_models >= 4 (two halves of at least 2), "
                         f"got {network.n_models}")
    best = (-math.inf, 0.0, 0.0, 0, -1)
    layer_max, layer_mean = [], []
    for layer, s in enumerate(sums):
        if estimator == "unbiased":
            sq = unbiased_squared_mean(s[0], sums_sq[layer][0], n)  # (M, units)
        else:
            sq = (s[0] / n).square()
        m, units = sq.shape
        channels, positions = _neuron_groups(network, layer, units)
        per_init = sq.reshape(m, channels, positions).mean(dim=1)  # (M, positions)
        half = m // 2 if split else 0
        select = per_init[:half].mean(dim=0) if split else per_init.mean(dim=0)
        rest = per_init[half:]
        means = rest.mean(dim=0)
        ses = rest.std(dim=0, unbiased=True) / math.sqrt(rest.shape[0])
        j = int(torch.argmax(select))
        layer_max.append(float(means[j]))
        layer_mean.append(float(means.mean()))
        score = float(select[j])
        if score > best[0]:
            best = (score, float(means[j]), float(ses[j]), layer, j if positions > 1 else -1)
    return NeuronINAL(value=best[1], stderr=best[2], layer=best[3], position=best[4],
                      per_layer_max=np.array(layer_max), per_layer_mean=np.array(layer_mean),
                      n_init=int(network.n_models), estimator=estimator)
