r"""Random teacher networks with natural weights, and the input laws they are learned under.

A *teacher* is a depth-2 network

.. math:: f_\theta(x) = \sum_{j=1}^{m} a_j\,\sigma(w_j\cdot x + b_j),\qquad x\in\mathbb{R}^n,

whose parameters are drawn i.i.d. from a *natural* law, Gaussian or uniform, with
the normalized scale of :class:`~inal_tutorial.networks.MLPEnsemble`
(:math:`w_{ji}` of variance :math:`1/n`, :math:`a_j` of variance :math:`1/m`, biases of
standard deviation ``bias_std``). Daniely and Vardi (2020) prove that under an
assumption on random K-SAT, *most* such networks are hard to learn for *some* input
law; the chapter *Natural weights* trains students on them under three fixed laws
(:data:`INPUT_DISTRIBUTIONS`), all isotropic, :math:`\mathbb{E}[xx^\top]=I_n`, none of
them one of the theorem's hard laws:

* ``"gaussian"``: :math:`x\sim N(0, I_n)`;
* ``"hypercube"``: :math:`x` uniform on :math:`\{-1,+1\}^n`;
* ``"sparse"``: a random K-clause written as a vector: K distinct coordinates chosen
  uniformly, each set to an independent uniform sign, all others 0, then scaled by
  :math:`\sqrt{n/K}` (so :math:`\mathbb{E}[x_i^2] = (K/n)(n/K) = 1` and the
  coordinates are uncorrelated). With K = n it is the hypercube again. It is a
  uniform law over clause-shaped vectors with no formula behind it, fixed in advance:
  a robustness check of the student (discrete inputs with only
  :math:`\binom nK 2^K` atoms and heavy-tailed coordinates), not a test of the hardness
  theorem.

Because the three laws share their first two moments, a teacher's pre-activations
:math:`w_j\cdot x` have the same variance :math:`\|w_j\|^2` under each of them; what
changes is their shape. Heavy tails of the *coordinates* (:math:`\mathbb{E}[x_i^4]=n/K`)
do not make the *pre-activations* heavy-tailed: with :math:`r=\sum_iw_i^4/\|w\|^4`, the
kurtosis :math:`\mathbb{E}[(w\cdot x)^4]/\mathbb{E}[(w\cdot x)^2]^2` is 3 for Gaussian
inputs, :math:`3-2r` on the hypercube and
:math:`\frac nK r+\frac{3n(K-1)}{K(n-1)}(1-r)` for the sparse law
(:func:`preactivation_kurtosis`), below 3 for typical Gaussian weights
(:math:`r\approx3/n`).

The student experiment (:func:`teacher_student_experiment`) draws several teachers per
weight law, fits students to all of them at once (:func:`fit_students_to_teachers`, one
batched SGD run) and reports, per teacher, the fraction of the teacher's variance a
student explains on test inputs that do not occur in the training set
(:func:`explained_variance`), next to the affine least-squares fit; the spread over
teachers is summarized by :func:`teacher_interval`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ._validation import (
    DivergenceError,
    as_tensor,
    check_choice,
    check_dtype,
    check_float,
    check_int,
    check_n,
    check_seed,
    check_size,
    offset_seed,
)
from .boolean import FunctionTarget, input_chunks, sample_inputs
from .fourier import degree_profile
from .networks import ACTIVATIONS, MLPEnsemble
from .random import SeedLike, make_generator, spawn_seeds
from .training import ArrayDataset, ensemble_parameters, train

__all__ = [
    "INPUT_DISTRIBUTIONS",
    "TEACHER_LAWS",
    "sample_teacher_inputs",
    "preactivation_kurtosis",
    "TeacherNetwork",
    "explained_variance",
    "linear_fit_explained_variance",
    "StudentResult",
    "fit_student",
    "unseen_rows",
    "TeacherFits",
    "fit_students_to_teachers",
    "teacher_interval",
    "teacher_student_experiment",
]

#: Input laws of the natural-weights chapter (all with identity covariance).
INPUT_DISTRIBUTIONS = ("gaussian", "hypercube", "sparse")
#: Natural laws of a teacher's parameters.
TEACHER_LAWS = ("gaussian", "uniform")


def _check_sequence(values, name: str) -> list:
    """A non-empty sequence (not a string) as a list, else TypeError/ValueError naming it."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, set, frozenset,
                                                                   np.ndarray)):
        raise TypeError(f"{name} must be a sequence, got {type(values).__name__} {values!r}")
    values = list(values)
    if not values:
        raise ValueError(f"{name} must not be empty, got []")
    return values


def sample_teacher_inputs(n: int, count: int, distribution: str = "gaussian", *,
                          sparsity: int = 3, seed: SeedLike = 0,
                          dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""``count`` i.i.d. inputs in :math:`\mathbb{R}^n` from one of :data:`INPUT_DISTRIBUTIONS`.

    Every law has mean 0 and covariance :math:`I_n` (module docstring).

    Parameters
    ----------
    n : int
        Dimension (1 <= n <= 4096).
    count : int
        Number of inputs (1 <= count <= 10**8), and ``count x n`` (8 bytes an entry)
        within the size cap of the package's tensor-size check (1 GiB by
        default, environment variable ``INAL_MAX_TENSOR_BYTES``).
    distribution : {"gaussian", "hypercube", "sparse"}
    sparsity : int
        K, the number of non-zero coordinates of a ``"sparse"`` input (1 <= K <= n);
        ignored by the other laws.
    seed : int in [0, 2**62] or torch.Generator
    dtype : torch.float32 or torch.float64

    Returns
    -------
    torch.Tensor of shape ``(count, n)``.
    """
    n = check_n(n)
    count = check_int(count, "count", low=1, high=10**8)
    distribution = check_choice(distribution, "distribution", INPUT_DISTRIBUTIONS)
    sparsity = check_int(sparsity, "sparsity", low=1, high=n)
    dtype = check_dtype(dtype)
    check_size({"count": count, "n": n}, what="the inputs")
    gen = make_generator(check_seed(seed))
    if distribution == "gaussian":
        return torch.randn(count, n, generator=gen, dtype=torch.float64).to(dtype)
    if distribution == "hypercube":
        return sample_inputs(n, count, gen, dtype=dtype)
    # K distinct coordinates per row: the K smallest of n i.i.d. uniform keys is a uniform
    # K-subset (a partial random permutation).
    coords = torch.rand(count, n, generator=gen).topk(sparsity, dim=1, largest=False).indices
    signs = 1.0 - 2.0 * torch.randint(0, 2, (count, sparsity), generator=gen).double()
    x = torch.zeros(count, n, dtype=torch.float64)
    x.scatter_(1, coords, signs * math.sqrt(n / sparsity))
    return x.to(dtype)


def preactivation_kurtosis(weights, distribution: str, *, sparsity: int = 3) -> np.ndarray:
    r"""Kurtosis of the pre-activation :math:`w\cdot x` under an input law, exactly.

    For each row w of ``weights``, with :math:`r=\sum_iw_i^4/\|w\|^4`,

    .. math:: \kappa(w)=\frac{\mathbb{E}[(w\cdot x)^4]}{\mathbb{E}[(w\cdot x)^2]^2}=
              \begin{cases}3 & \text{Gaussian},\\ 3-2r & \text{hypercube},\\
              \frac nK\,r+\frac{3n(K-1)}{K(n-1)}(1-r) & \text{sparse}\end{cases}

    (for the sparse law, expand :math:`(n/K)^2\mathbb{E}[(\sum_{i\in S}s_iw_i)^4]` with
    :math:`P(i\in S)=K/n` and :math:`P(i,j\in S)=K(K-1)/(n(n-1))`; for n = 1 the sparse
    law is the hypercube). A Gaussian has 3; below 3 means lighter tails.

    Parameters
    ----------
    weights : array-like ``(m, n)`` or ``(n,)``
        Real, finite; no row may be zero.
    distribution : {"gaussian", "hypercube", "sparse"}
    sparsity : int
        K, 1 <= K <= n (used by ``"sparse"`` only).

    Returns
    -------
    numpy array of shape ``weights.shape[:-1]``.
    """
    w = as_tensor(weights, "weights", dtype=torch.float64)
    if w.ndim not in (1, 2) or w.shape[-1] < 1:
        raise ValueError(f"weights must have shape (m, n) or (n,), got {tuple(w.shape)}")
    distribution = check_choice(distribution, "distribution", INPUT_DISTRIBUTIONS)
    n = int(w.shape[-1])
    sparsity = check_int(sparsity, "sparsity", low=1, high=n)
    norm2 = w.square().sum(-1)
    if not bool((norm2 > 0).all()):
        raise ValueError("every row of weights must be non-zero")
    r = w.pow(4).sum(-1) / norm2.square()
    if distribution == "gaussian":
        kappa = torch.full_like(r, 3.0)
    elif distribution == "hypercube" or n == 1:
        kappa = 3 - 2 * r
    else:
        k = sparsity
        kappa = n / k * r + 3 * n * (k - 1) / (k * (n - 1)) * (1 - r)
    return kappa.numpy()


class TeacherNetwork:
    r"""``n_teachers`` random depth-2 networks :math:`f(x)=\sum_j a_j\sigma(w_j\cdot x+b_j)` with natural weights.

    The teachers are the models of an :class:`~inal_tutorial.networks.MLPEnsemble`
    with one hidden layer, drawn once and frozen.

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096.
    width : int
        Number m of hidden neurons, 1 <= m <= 100 000.
    n_teachers : int
        Number of independent teachers drawn together, 1 <= n_teachers <= 10**7, with
        ``n_teachers x width x n`` (the first-layer weights, 8 bytes an entry) within the
        size cap of the package's tensor-size check (1 GiB by default).
    law : {"gaussian", "uniform"}
        Law of every weight and bias: :math:`N(0, v)` or the uniform law
        :math:`U[-\sqrt{3v},\sqrt{3v}]` of the same variance v (1/fan-in for weights,
        ``bias_std**2`` for biases).
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    bias_std : float
        Standard deviation of the hidden biases (0: no bias). The read-out has no bias.
    seed : int in [0, 2**62] or torch.Generator
    dtype : torch.float32 or torch.float64
    """

    def __init__(self, n: int, width: int = 32, n_teachers: int = 1, *, law: str = "gaussian",
                 activation: str = "relu", bias_std: float = 0.5, seed: SeedLike = 0,
                 dtype: torch.dtype = torch.float64):
        self.law = check_choice(law, "law", TEACHER_LAWS)
        check_choice(activation, "activation", tuple(ACTIVATIONS))
        bias_std = check_float(bias_std, "bias_std", low=0.0)
        n = check_n(n)
        width = check_int(width, "width", low=1, high=100_000)
        n_teachers = check_int(n_teachers, "n_teachers", low=1, high=10_000_000)
        dtype = check_dtype(dtype)
        seed = check_seed(seed)
        check_size({"n_teachers": n_teachers, "width": width, "n": n},
                   what="the teachers' first-layer weights")
        self.network = MLPEnsemble(n, (width,), n_teachers, activation=activation,
                                   init=self.law, bias=self.law if bias_std > 0 else "none",
                                   bias_std=bias_std, seed=seed, dtype=dtype)
        self.network.requires_grad_(False)
        self.n, self.width, self.n_teachers = self.network.n_inputs, width, n_teachers
        self.activation, self.bias_std = activation, bias_std

    def __call__(self, x) -> torch.Tensor:
        """Outputs of every teacher on inputs ``(N, n)``: shape ``(n_teachers, N)``.

        ``x`` must be real and finite, and ``n_teachers x N x width`` (the hidden
        activations) within the size cap of the package's tensor-size check.
        """
        x = as_tensor(x, "x")
        if x.ndim >= 2:
            check_size({"n_teachers": self.n_teachers, "N": x.shape[-2], "width": self.width},
                       what="the teachers' hidden activations")
        with torch.no_grad():
            return self.network(x)

    def as_target(self, index: int = 0) -> FunctionTarget:
        r"""Teacher ``index`` restricted to the hypercube, as a real-valued target.

        Lets the Fourier tools (:func:`~inal_tutorial.boolean.truth_table`,
        :func:`~inal_tutorial.fourier.degree_profile`) analyse it.
        """
        index = check_int(index, "index", low=0, high=self.n_teachers - 1)
        member = self.network.member(index)
        member.requires_grad_(False)

        def evaluate(x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                flat = x.reshape(-1, self.n)
                return member(flat)[0].reshape(x.shape[:-1]).to(x.dtype)

        return FunctionTarget(self.n, evaluate, name=f"{self.law} teacher {index}", boolean=False)

    def hypercube_degree_profile(self) -> torch.Tensor:
        r"""Fourier weight by degree of every teacher restricted to the hypercube, exact.

        Row t is :math:`(W^0(f_t),\dots,W^n(f_t))` with :math:`W^k(f)=\sum_{|S|=k}\hat f(S)^2`,
        computed from the truth tables over all :math:`2^n` inputs (n <= 20). By Parseval a
        row sums to :math:`\mathbb{E}_x[f_t(x)^2]`, and :math:`W^0=\mathbb{E}_x[f_t(x)]^2`.

        Returns
        -------
        torch.Tensor of shape ``(n_teachers, n + 1)``, float64.
        """
        if self.n > 20:
            raise ValueError(f"n must be at most 20 for the exact degree profile (it enumerates "
                             f"all 2^n inputs), got {self.n}")
        check_size({"n_teachers": self.n_teachers, "2^n": 2**self.n},
                   what="the teachers' truth tables")
        tables = torch.cat([self(x.double()) for _, x in input_chunks(self.n, 1 << 14)], dim=1)
        return degree_profile(tables)

    def dataset(self, distribution: str, n_train: int, n_test: int = 2000, *, index: int = 0,
                sparsity: int = 3, seed: SeedLike = 0,
                dtype: torch.dtype = torch.float32) -> ArrayDataset:
        """A training and a test set labelled by teacher ``index``, inputs i.i.d. from ``distribution``.

        The test inputs are drawn after the training inputs from the same generator, so
        the two sets are independent.

        Parameters
        ----------
        distribution : {"gaussian", "hypercube", "sparse"}
        n_train, n_test : int
            Each in [1, 10**8], n_train + n_test <= 10**8, with ``(n_train + n_test) x n`` (the inputs, 8 bytes an
            entry) within the size cap of the package's tensor-size check.
        index : int
            The labelling teacher, 0 <= index < n_teachers.
        sparsity : int
            As in :func:`sample_teacher_inputs`.
        seed : int in [0, 2**62] or torch.Generator
        dtype : torch.float32 or torch.float64
        """
        index = check_int(index, "index", low=0, high=self.n_teachers - 1)
        n_train = check_int(n_train, "n_train", low=1, high=10**8)
        n_test = check_int(n_test, "n_test", low=1, high=10**8)
        dtype = check_dtype(dtype)
        check_int(n_train + n_test, "n_train + n_test", low=2, high=10**8)
        check_size({"n_train + n_test": n_train + n_test, "n": self.n}, what="the inputs")
        check_size({"n_teachers": self.n_teachers, "n_train + n_test": n_train + n_test,
                    "width": self.width}, what="the teachers' hidden activations")
        gen = make_generator(check_seed(seed))
        x = sample_teacher_inputs(self.n, n_train + n_test, distribution, sparsity=sparsity,
                                  seed=gen, dtype=torch.float64)
        y = self(x)[index]
        return ArrayDataset(x[:n_train].to(dtype), y[:n_train].to(dtype), x[n_train:].to(dtype),
                            y[n_train:].to(dtype))

    def hypercube_degree_one_share(self, n_samples: int = 65_536,
                                   seed: SeedLike = 0) -> np.ndarray:
        r"""Share of each teacher's variance at Fourier degree 1 on the hypercube.

        :math:`W^1(f_t)/\mathrm{Var}(f_t)` with :math:`W^1(f)=\sum_i\hat f(\{i\})^2`,
        :math:`\hat f(\{i\})=\mathbb{E}_x[f(x)x_i]`: the population :math:`R^2` of the
        best affine predictor of :math:`f_t` under uniform hypercube inputs (the affine
        fit's ceiling). Estimated from ``n_samples`` uniform inputs without the plug-in's
        upward bias: with :math:`a_{l}=f(x_l)x_{l,i}`,
        :math:`\hat f(\{i\})^2\approx((\sum_la_l)^2-\sum_la_l^2)/(N(N-1))`, and the
        unbiased sample variance. Relative standard error about :math:`2/\sqrt N`.

        Parameters
        ----------
        n_samples : int
            N, in [2, 10**7], with ``n_teachers x N x width`` within the size cap of
            the package's tensor-size check.
        seed : int in [0, 2**62] or torch.Generator

        Returns
        -------
        numpy array of shape ``(n_teachers,)``.
        """
        n_samples = check_int(n_samples, "n_samples", low=2, high=10**7)
        x = sample_teacher_inputs(self.n, n_samples, "hypercube", seed=seed,
                                  dtype=torch.float64)
        y = self(x)                                              # (T, N)
        a = y.unsqueeze(-1) * x                                  # (T, N, n)
        n_ = float(n_samples)
        coef2 = (a.sum(1).square() - a.square().sum(1)) / (n_ * (n_ - 1))
        var = y.var(1, unbiased=True)
        if not bool((var > 0).all()):
            raise ValueError("every teacher must vary on the sampled inputs")
        return (coef2.sum(-1) / var).numpy()

    def __repr__(self) -> str:
        return (f"TeacherNetwork(n={self.n}, width={self.width}, n_teachers={self.n_teachers}, "
                f"law={self.law!r}, activation={self.activation!r}, bias_std={self.bias_std:g})")


def explained_variance(predictions, labels) -> np.ndarray:
    r"""Fraction of the labels' variance a predictor explains, :math:`R^2 = 1 - \frac{\mathrm{mean}((\hat y-y)^2)}{\mathrm{Var}(y)}`.

    1 is a perfect fit; 0 is what the constant prediction :math:`\bar y` achieves; it is
    negative for a predictor worse than that constant.

    Parameters
    ----------
    predictions : array-like ``(..., N)``
        One row per model (any leading shape); real and finite.
    labels : array-like ``(N,)``
        Real, finite, N >= 2, not constant.

    Returns
    -------
    numpy array of shape ``predictions.shape[:-1]``.
    """
    pred = as_tensor(predictions, "predictions", dtype=torch.float64)
    y = as_tensor(labels, "labels", dtype=torch.float64)
    if y.ndim != 1:
        raise ValueError(f"labels must have shape (N,), got {tuple(y.shape)}")
    if y.shape[0] < 2:
        raise ValueError(f"labels must hold at least 2 values, got {y.shape[0]}")
    if pred.ndim == 0 or pred.shape[-1] != y.shape[0]:
        raise ValueError(f"predictions must have shape (..., {y.shape[0]}) to match labels, got "
                         f"{tuple(pred.shape)}")
    var = y.var(unbiased=False)
    if not float(var) > 0:
        raise ValueError("labels must not be constant (their variance is 0)")
    return (1 - (pred - y).square().mean(-1) / var).numpy()


def linear_fit_explained_variance(dataset: ArrayDataset) -> float:
    r"""Test :math:`R^2` of the least-squares affine fit :math:`y\approx c+v\cdot x` on the training set.

    How much of the teacher an affine function captures under this input law: a
    reference point for the student.
    """
    if not isinstance(dataset, ArrayDataset):
        raise TypeError(f"dataset must be an ArrayDataset, got {type(dataset).__name__}")

    def design(x):
        x = x.reshape(x.shape[0], -1).double()
        return torch.cat([torch.ones(x.shape[0], 1, dtype=x.dtype), x], dim=1)

    coef = torch.linalg.lstsq(design(dataset.X_train), dataset.y_train.double().unsqueeze(1),
                              driver="gelsd").solution
    pred = (design(dataset.X_test) @ coef).squeeze(1)
    return float(explained_variance(pred, dataset.y_test))


@dataclass
class StudentResult:
    """Test and training :math:`R^2` of each student, from :func:`fit_student`."""

    test_r2: np.ndarray
    train_r2: np.ndarray
    linear_r2: float

    @property
    def mean_test_r2(self) -> float:
        """Average test R^2 over the students."""
        return float(self.test_r2.mean())


def fit_student(dataset: ArrayDataset, *, width: int = 64, n_students: int = 3,
                steps: int = 2500, lr: float = 0.02, batch_size: int = 64,
                activation: str = "relu", seed: SeedLike = 0,
                progress: bool = False) -> StudentResult:
    r"""Fit ``n_students`` depth-2 students (one ensemble) to a data set by minibatch SGD on the square loss.

    Students are :class:`~inal_tutorial.networks.MLPEnsemble` (Gaussian init, Gaussian
    biases) trained with :func:`~inal_tutorial.training.train`; the result holds their
    :func:`explained_variance` on the test and training sets, and that of the affine
    least-squares fit (:func:`linear_fit_explained_variance`) for reference.

    Parameters
    ----------
    dataset : ArrayDataset
        Vector inputs ``(N, n)`` and real labels, not constant on the training set.
    width : int
        Hidden width of a student, 1 <= width <= 1 000 000.
    n_students : int
        1 <= n_students <= 10**7, with ``n_students x width x n`` (the first-layer
        weights) and ``n_students x N x width`` (the activations on a split), 8 bytes an
        entry, within the size cap of the package's tensor-size check.
    steps : int
        SGD steps, 0 <= steps <= 10**9.
    lr : float
        Learning rate > 0. A rate so large that SGD diverges raises
        :class:`~inal_tutorial._validation.DivergenceError` (a ``ValueError``).
    batch_size : int
        Examples per step, >= 1.
    activation : str
    seed : int in [0, 2**62] or torch.Generator
    progress : bool

    Raises
    ------
    DivergenceError
        If training produces non-finite predictions.
    """
    if not isinstance(dataset, ArrayDataset):
        raise TypeError(f"dataset must be an ArrayDataset, got {type(dataset).__name__}")
    if dataset.X_train.ndim != 2:
        raise ValueError(f"dataset inputs must be vectors, shape (N, n); got "
                         f"{tuple(dataset.X_train.shape)}")
    width = check_int(width, "width", low=1, high=1_000_000)
    n_students = check_int(n_students, "n_students", low=1, high=10_000_000)
    steps = check_int(steps, "steps", low=0, high=10**9)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    batch_size = check_int(batch_size, "batch_size", low=1)
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    seed = check_seed(seed)
    n_inputs = int(dataset.X_train.shape[1])
    check_size({"n_students": n_students, "width": width, "n": n_inputs},
               what="the students' first-layer weights")
    rows = max(int(dataset.X_train.shape[0]), int(dataset.X_test.shape[0]))
    check_size({"n_students": n_students, "N": rows, "width": width},
               what="the students' activations on a split")
    net_seed, train_seed = spawn_seeds(seed, 2)
    # Students learn the standardized labels (y - mean) / std of the training set, so one
    # learning rate suits every teacher; R^2 is invariant under this affine change.
    mean, std = dataset.y_train.mean(), dataset.y_train.std()
    if not float(std) > 0:
        raise ValueError("dataset.y_train must not be constant (the training labels have "
                         "standard deviation 0): nothing to fit")
    scaled = ArrayDataset(dataset.X_train, (dataset.y_train - mean) / std, dataset.X_test,
                          (dataset.y_test - mean) / std)
    student = MLPEnsemble(n_inputs, (width,), n_students, activation=activation,
                          output_bias=True, seed=net_seed)
    train(student, scaled, steps=steps, lr=lr, loss="square", batch_size=batch_size,
          seed=train_seed, eval_every=steps if steps > 0 else None, progress=progress)
    with torch.no_grad():
        test_pred = student(dataset.X_test) * std + mean
        train_pred = student(dataset.X_train) * std + mean
    if not bool(torch.isfinite(test_pred).all() and torch.isfinite(train_pred).all()):
        raise DivergenceError(f"SGD diverged (non-finite predictions): lr must be smaller, got "
                              f"lr={lr:g}")
    return StudentResult(test_r2=explained_variance(test_pred, dataset.y_test),
                         train_r2=explained_variance(train_pred, dataset.y_train),
                         linear_r2=linear_fit_explained_variance(dataset))


def unseen_rows(X_train, X_test) -> np.ndarray:
    """Boolean mask of the rows of ``X_test`` that are not (exactly) rows of ``X_train``.

    Laws with finitely many points (the hypercube, the sparse law) repeat inputs; a
    score meant as generalization is computed on the test inputs the training never saw.

    Parameters
    ----------
    X_train, X_test : array-like of shape ``(N, n)`` and ``(N', n)``
        Real and finite, with the same number n of columns.

    Returns
    -------
    numpy bool array of shape ``(N',)``.
    """
    a = as_tensor(X_train, "X_train", dtype=torch.float64)
    b = as_tensor(X_test, "X_test", dtype=torch.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"X_train and X_test must have shapes (N, n) and (N', n), got "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    seen = {row.tobytes() for row in a.numpy()}
    return np.array([row.tobytes() not in seen for row in b.numpy()], dtype=bool)


@dataclass
class TeacherFits:
    r"""Per-teacher scores of :func:`fit_students_to_teachers`.

    Attributes
    ----------
    test_r2 : numpy array ``(T, s)``
        :func:`explained_variance` of student j of teacher t on the *unseen* test inputs
        (those that do not occur in the training set).
    train_r2 : numpy array ``(T, s)``
        The same on the training set.
    linear_r2 : numpy array ``(T,)``
        Unseen-test :math:`R^2` of the affine least-squares fit of teacher t on the same
        training set.
    n_unseen : int
        Number of test inputs the scores use (out of ``n_test``).
    n_test : int
    """

    test_r2: np.ndarray
    train_r2: np.ndarray
    linear_r2: np.ndarray
    n_unseen: int
    n_test: int

    @property
    def teacher_test_r2(self) -> np.ndarray:
        """Test :math:`R^2` of each teacher, averaged over its students: shape ``(T,)``."""
        return self.test_r2.mean(axis=1)

    @property
    def teacher_train_r2(self) -> np.ndarray:
        """Training :math:`R^2` of each teacher, averaged over its students: shape ``(T,)``."""
        return self.train_r2.mean(axis=1)


def _sgd_square_loss(student: MLPEnsemble, inputs: torch.Tensor, targets: torch.Tensor, *,
                     steps: int, lr: float, batch_size: int, seed: int) -> None:
    """Minibatch SGD on the square loss, model m on its own rows ``inputs[m]``, ``targets[m]``.

    ``inputs`` (M, N, n), ``targets`` (M, N); each model walks through its own random order
    of its N rows (a new order every epoch, an incomplete last batch dropped). In place.
    """
    params, n_models = ensemble_parameters(student)
    n_rows = int(inputs.shape[1])
    models = torch.arange(n_models)[:, None]
    gen = make_generator(seed)
    order, pos = None, n_rows
    for _ in range(steps):
        if pos + batch_size > n_rows:
            order = torch.rand(n_models, n_rows, generator=gen).argsort(dim=1)
            pos = 0
        idx = order[:, pos:pos + batch_size]
        pos += batch_size
        out = student(inputs[models, idx])                                   # (M, B)
        loss = (out - targets.gather(1, idx)).square().mean(1).sum()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads, strict=True):
                p.sub_(lr * g)


def fit_students_to_teachers(teachers: TeacherNetwork, X_train, X_test, *,
                             students_per_teacher: int = 1, width: int = 64,
                             steps: int = 2500, lr: float = 0.02, batch_size: int = 64,
                             activation: str = "relu", seed: SeedLike = 0,
                             dtype: torch.dtype = torch.float64) -> TeacherFits:
    r"""Fit students to every teacher of ``teachers`` at once, by minibatch SGD on the square loss.

    The T teachers label the same inputs. Student :math:`(t, j)`, :math:`j<s`, is model
    :math:`ts+j` of one :class:`~inal_tutorial.networks.MLPEnsemble` (one hidden layer,
    Gaussian init and biases, output bias) and learns the standardized labels
    :math:`(f_t(x)-\bar y_t)/s_t` of teacher t (training mean and standard deviation) by

    .. math:: \theta \leftarrow \theta - \gamma\,\nabla_\theta\,\frac1B\sum_{i\in\text{batch}}
              (\mathrm{NN}_\theta(x_i) - y_i)^2,

    each model walking through its own random order of the training set, ``batch_size``
    examples a step (a new order every epoch; an incomplete last batch is dropped). In
    float64 the run reproduces across CPUs to many more digits than the book prints.

    Parameters
    ----------
    teachers : TeacherNetwork
        T = ``teachers.n_teachers`` teachers on n inputs.
    X_train, X_test : array-like ``(N, n)`` and ``(N', n)``
        Real, finite inputs; N >= ``batch_size``. Scores on the test set use only its
        rows that do not occur in ``X_train`` (:func:`unseen_rows`); at least 2 must.
    students_per_teacher : int
        s, 1 <= s <= 1000.
    width : int
        Hidden width of a student, 1 <= width <= 1 000 000, with
        ``T x s x width x n`` (first-layer weights) and ``T x s x max(N, N') x width``
        (activations on a split), 8 bytes an entry, within the size cap of the package's
        tensor-size check.
    steps : int
        SGD steps, 0 <= steps <= 10**9.
    lr : float
        Learning rate > 0; a rate at which SGD diverges raises
        :class:`~inal_tutorial._validation.DivergenceError` (a ``ValueError``).
    batch_size : int
        1 <= batch_size <= N.
    activation : str
        One of :data:`~inal_tutorial.networks.ACTIVATIONS`.
    seed : int in [0, 2**62] or torch.Generator
        Students' initialization and minibatch orders.
    dtype : torch.float32 or torch.float64

    Returns
    -------
    TeacherFits
    """
    if not isinstance(teachers, TeacherNetwork):
        raise TypeError(f"teachers must be a TeacherNetwork, got {type(teachers).__name__}")
    x_tr = as_tensor(X_train, "X_train", dtype=torch.float64)
    x_te = as_tensor(X_test, "X_test", dtype=torch.float64)
    for x, name in ((x_tr, "X_train"), (x_te, "X_test")):
        if x.ndim != 2 or x.shape[1] != teachers.n:
            raise ValueError(f"{name} must have shape (N, {teachers.n}), got {tuple(x.shape)}")
    s = check_int(students_per_teacher, "students_per_teacher", low=1, high=1000)
    width = check_int(width, "width", low=1, high=1_000_000)
    steps = check_int(steps, "steps", low=0, high=10**9)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    n_rows = int(x_tr.shape[0])
    batch_size = check_int(batch_size, "batch_size", low=1, high=n_rows)
    check_choice(activation, "activation", tuple(ACTIVATIONS))
    dtype = check_dtype(dtype)
    seed = check_seed(seed)
    n_teachers, n = teachers.n_teachers, teachers.n
    n_models = n_teachers * s
    check_size({"n_models": n_models, "width": width, "n": n},
               what="the students' first-layer weights")
    check_size({"n_models": n_models, "N": max(n_rows, int(x_te.shape[0])), "width": width},
               what="the students' activations on a split")
    return _fit_groups([(teachers, x_tr, x_te)], students_per_teacher=s, width=width,
                       steps=steps, lr=lr, batch_size=batch_size, activation=activation,
                       seed=seed, dtype=dtype)[0]


def _fit_groups(groups, *, students_per_teacher: int, width: int, steps: int, lr: float,
                batch_size: int, activation: str, seed, dtype) -> list[TeacherFits]:
    """:func:`fit_students_to_teachers` for several (teachers, X_train, X_test) groups with
    equal shapes, trained as one ensemble (arguments already checked)."""
    s = students_per_teacher
    inputs, targets, tests, prepared = [], [], [], []
    for teachers, x_tr, x_te in groups:
        unseen = torch.from_numpy(unseen_rows(x_tr, x_te))
        n_unseen = int(unseen.sum())
        if n_unseen < 2:
            raise ValueError(f"at least 2 test inputs must not occur in X_train, got {n_unseen}")
        y_tr, y_te = teachers(x_tr), teachers(x_te)                   # (T, N), (T, N')
        mean, std = y_tr.mean(1, keepdim=True), y_tr.std(1, keepdim=True)
        if not bool((std > 0).all()):
            raise ValueError("every teacher's training labels must vary (a teacher is constant "
                             "on X_train)")
        # The affine baseline, all teachers at once: least squares with T right-hand sides.
        design_tr = torch.cat([torch.ones(x_tr.shape[0], 1, dtype=x_tr.dtype), x_tr], dim=1)
        design_te = torch.cat([torch.ones(x_te.shape[0], 1, dtype=x_te.dtype), x_te], dim=1)
        coef = torch.linalg.lstsq(design_tr, y_tr.T, driver="gelsd").solution
        linear = np.array([float(explained_variance(p, y)) for p, y in
                           zip((design_te[unseen] @ coef).T, y_te[:, unseen], strict=True)])
        m = teachers.n_teachers * s
        inputs.append(x_tr.expand(m, -1, -1))
        targets.append(((y_tr - mean) / std).repeat_interleave(s, dim=0))
        tests.append(x_te.expand(m, -1, -1))
        prepared.append((teachers.n_teachers, unseen, y_tr, y_te, mean, std, linear))
    n_models = sum(t.shape[0] for t in targets)
    n = int(inputs[0].shape[-1])
    net_seed, order_seed = spawn_seeds(seed, 2)
    student = MLPEnsemble(n, (width,), n_models, activation=activation, output_bias=True,
                          seed=net_seed, dtype=dtype)
    x_train = torch.cat(inputs).to(dtype)
    _sgd_square_loss(student, x_train, torch.cat(targets).to(dtype), steps=steps, lr=lr,
                     batch_size=batch_size, seed=order_seed)
    with torch.no_grad():
        out_tr = student(x_train).double()
        out_te = student(torch.cat(tests).to(dtype)).double()
    if not bool(torch.isfinite(out_te).all() and torch.isfinite(out_tr).all()):
        raise DivergenceError(f"SGD diverged (non-finite predictions): lr must be smaller, got "
                              f"lr={lr:g}")
    results, start = [], 0
    for n_teachers, unseen, y_tr, y_te, mean, std, linear in prepared:
        rows = slice(start, start + n_teachers * s)
        start += n_teachers * s
        which = torch.arange(n_teachers).repeat_interleave(s)
        scale_mean, scale_std = mean[which], std[which]
        pred_tr = out_tr[rows] * scale_std + scale_mean
        pred_te = (out_te[rows] * scale_std + scale_mean)[:, unseen]
        test = np.array([explained_variance(pred_te[j], y_te[which[j], unseen])
                         for j in range(n_teachers * s)])
        train_ = np.array([explained_variance(pred_tr[j], y_tr[which[j]])
                           for j in range(n_teachers * s)])
        results.append(TeacherFits(test_r2=test.reshape(n_teachers, s),
                                   train_r2=train_.reshape(n_teachers, s), linear_r2=linear,
                                   n_unseen=int(unseen.sum()), n_test=int(unseen.shape[0])))
    return results


def teacher_interval(values, *, level: float = 0.95, n_boot: int = 10_000,
                     seed: int = 0) -> tuple[float, float, float]:
    r"""Mean over teachers and its percentile-bootstrap interval.

    Resamples the T per-teacher values with replacement ``n_boot`` times; the interval is
    the :math:`(1\pm\text{level})/2` quantiles of the resampled means. The teachers are
    i.i.d. draws, so this is an interval for the mean over the law of teachers (with
    T = 8 it is rough: it cannot be narrower than the spread the 8 values allow).

    Parameters
    ----------
    values : array-like ``(T,)``
        Real, finite, T >= 2.
    level : float
        In (0, 1).
    n_boot : int
        In [100, 10**6].
    seed : int in [0, 2**62]

    Returns
    -------
    (mean, low, high) : tuple of float
    """
    v = as_tensor(values, "values", dtype=torch.float64).numpy()
    if v.ndim != 1 or v.shape[0] < 2:
        raise ValueError(f"values must have shape (T,) with T >= 2, got {v.shape}")
    level = check_float(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", low=100, high=10**6)
    seed = check_seed(seed, allow_generator=False)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.shape[0], size=(n_boot, v.shape[0]))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(v.mean()), float(low), float(high)


def teacher_student_experiment(n: int = 20, *, teacher_width: int = 32,
                               laws: Sequence[str] = TEACHER_LAWS,
                               distributions: Sequence[str] = INPUT_DISTRIBUTIONS,
                               train_sizes: Sequence[int] = (500, 4000), n_test: int = 2000,
                               sparsity: int = 3, n_teachers: int = 8,
                               students_per_teacher: int = 1, student_width: int = 64,
                               steps: int = 2500, lr: float = 0.02, batch_size: int = 64,
                               seed: int = 0, progress: bool = True) -> list[dict]:
    r"""Fit students to several random natural-weight teachers under each input law; tidy records.

    For every teacher law, ``n_teachers`` teachers (seeded from ``seed`` and the law, the
    same teachers under every input law) label ``max(train_sizes) + n_test`` inputs drawn
    from each input law; for each training size the first ``N`` of them train
    ``students_per_teacher`` students per teacher (:func:`fit_students_to_teachers`, float64),
    scored on the test inputs that do not occur among those N.

    The teachers of ``laws`` entry ``law`` are
    ``TeacherNetwork(n, teacher_width, n_teachers, law=law, seed=seed + 1000 * l)`` with l
    its index in :data:`TEACHER_LAWS`.

    Book setting (``scale="small"``): the defaults (about 20 s of CPU time on one core). Larger
    documented setting (:data:`inal_tutorial.figures.natural_weights.STUDENT_SETTINGS`).

    Parameters
    ----------
    n : int
        Input dimension, 1 <= n <= 4096.
    teacher_width, student_width : int
        In [1, 100 000] and [1, 1 000 000].
    laws, distributions : non-empty sequences of names
        From :data:`TEACHER_LAWS` and :data:`INPUT_DISTRIBUTIONS`.
    train_sizes : non-empty sequence of int
        Each in [batch_size, 10**7].
    n_test : int
        In [2, 10**8].
    sparsity : int
        In [1, n].
    n_teachers : int
        T, in [2, 10 000].
    students_per_teacher : int
        In [1, 1000].
    steps, lr, batch_size
        As in :func:`fit_students_to_teachers` (batch_size <= 10**7).
    seed : int
        In [0, 2**62]; the seeds derived from it (``seed + 1000``, ...) wrap around
        modulo 2**62 + 1 at the top of the range.
    progress : bool

    The sizes ``(max(train_sizes) + n_test) x n`` and ``T x s x student_width x n`` and
    ``T x s x (max(train_sizes) + n_test) x student_width`` must fit the size cap of the
    package's tensor-size check.

    Returns
    -------
    list of dict
        One record per (law, distribution, train size) with keys ``law``, ``distribution``,
        ``n_train``, ``n_unseen`` (test inputs scored), ``n_test``, and per-teacher arrays
        of shape ``(T,)``: ``test_r2`` and ``train_r2`` (mean over the teacher's students)
        and ``linear_r2``.
    """
    from ._progress import progress_bar

    n = check_n(n)
    laws = [check_choice(law, "laws entry", TEACHER_LAWS)
            for law in _check_sequence(laws, "laws")]
    distributions = [check_choice(d, "distributions entry", INPUT_DISTRIBUTIONS)
                     for d in _check_sequence(distributions, "distributions")]
    batch_size = check_int(batch_size, "batch_size", low=1, high=10**7)
    sizes = [check_int(s, "train_sizes entry", low=batch_size, high=10**7)
             for s in _check_sequence(train_sizes, "train_sizes")]
    teacher_width = check_int(teacher_width, "teacher_width", low=1, high=100_000)
    student_width = check_int(student_width, "student_width", low=1, high=1_000_000)
    n_test = check_int(n_test, "n_test", low=2, high=10**8)
    sparsity = check_int(sparsity, "sparsity", low=1, high=n)
    n_teachers = check_int(n_teachers, "n_teachers", low=2, high=10_000)
    per_teacher = check_int(students_per_teacher, "students_per_teacher", low=1, high=1000)
    steps = check_int(steps, "steps", low=0, high=10**9)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    seed = check_seed(seed, allow_generator=False)
    rows = max(sizes) + n_test
    n_models = n_teachers * per_teacher
    check_size({"max(train_sizes) + n_test": rows, "n": n}, what="the teacher's inputs")
    n_models *= len(laws) * len(distributions)     # one ensemble per training size
    check_size({"n_models": n_models, "student_width": student_width, "n": n},
               what="the students' first-layer weights")
    check_size({"n_models": n_models, "max(train_sizes) + n_test": rows,
                "student_width": student_width}, what="the students' activations")
    check_size({"n_models": n_models, "max(train_sizes) + n_test": rows, "n": n},
               what="the students' training and test inputs")
    check_size({"n_teachers": n_teachers, "max(train_sizes) + n_test": rows,
                "teacher_width": teacher_width}, what="the teachers' hidden activations")
    cells = [(law, d) for law in laws for d in distributions]
    data = {}
    for law in laws:
        law_seed = offset_seed(seed, 1000 * TEACHER_LAWS.index(law))
        teachers = TeacherNetwork(n, teacher_width, n_teachers, law=law, seed=law_seed)
        for distribution in distributions:
            data_seed = offset_seed(law_seed, 1 + INPUT_DISTRIBUTIONS.index(distribution))
            x = sample_teacher_inputs(n, rows, distribution, sparsity=sparsity,
                                      seed=data_seed, dtype=torch.float64)
            data[law, distribution] = teachers, x
    fits = {}
    # One ensemble per training size holds the students of every (law, input law) cell.
    for size in progress_bar(sizes, desc="training sizes", enabled=progress):
        groups = [(data[c][0], data[c][1][:size], data[c][1][max(sizes):]) for c in cells]
        for cell, fit in zip(cells, _fit_groups(
                groups, students_per_teacher=per_teacher, width=student_width, steps=steps,
                lr=lr, batch_size=batch_size, activation="relu",
                seed=offset_seed(seed, 7919 * size), dtype=torch.float64), strict=True):
            fits[cell, size] = fit
    records = []
    for law, distribution in cells:
        for size in sizes:
            fit = fits[(law, distribution), size]
            records.append({
                "law": law, "distribution": distribution, "n_train": size,
                "n_unseen": fit.n_unseen, "n_test": fit.n_test,
                "test_r2": fit.teacher_test_r2, "train_r2": fit.teacher_train_r2,
                "linear_r2": fit.linear_r2,
            })
    return records
