r"""Random teacher networks with natural weights, and the input laws they are learned under.

A *teacher* is a depth-2 network

.. math:: f_\theta(x) = \sum_{j=1}^{m} a_j\,\sigma(w_j\cdot x + b_j),\qquad x\in\mathbb{R}^n,

whose parameters are drawn i.i.d. from a *natural* law, Gaussian or uniform, with
the normalized scale of :class:`~inal_tutorial.networks.MLPEnsemble`
(:math:`w_{ji}` of variance :math:`1/n`, :math:`a_j` of variance :math:`1/m`, biases of
standard deviation ``bias_std``). Daniely and Vardi (2020) prove that under an
assumption on random K-SAT, *most* such networks are hard to learn for *some* input
law; the chapter *Natural weights* trains students on them under three laws
(:data:`INPUT_DISTRIBUTIONS`), all isotropic, :math:`\mathbb{E}[xx^\top]=I_n`:

* ``"gaussian"``: :math:`x\sim N(0, I_n)`;
* ``"hypercube"``: :math:`x` uniform on :math:`\{-1,+1\}^n`;
* ``"sparse"``: a random K-clause written as a vector: K distinct coordinates chosen
  uniformly, each set to an independent uniform sign, all others 0, then scaled by
  :math:`\sqrt{n/K}` (so :math:`\mathbb{E}[x_i^2] = (K/n)(n/K) = 1` and the
  coordinates are uncorrelated). With K = n it is the hypercube again.

Because the three laws share their first two moments, a teacher's pre-activations
:math:`w_j\cdot x` have the same variance :math:`\|w_j\|^2` under each of them; what
changes is their shape: for the sparse law :math:`w_j\cdot x` is a sum of only K terms.

The student experiment (:func:`teacher_student_experiment`) fits a wider student to each
teacher with :func:`~inal_tutorial.training.train` and reports the fraction of the
teacher's variance it explains on fresh inputs (:func:`explained_variance`).
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
from .training import ArrayDataset, train

__all__ = [
    "INPUT_DISTRIBUTIONS",
    "TEACHER_LAWS",
    "sample_teacher_inputs",
    "TeacherNetwork",
    "explained_variance",
    "linear_fit_explained_variance",
    "StudentResult",
    "fit_student",
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


def teacher_student_experiment(n: int = 20, *, teacher_width: int = 32,
                               laws: Sequence[str] = TEACHER_LAWS,
                               distributions: Sequence[str] = INPUT_DISTRIBUTIONS,
                               train_sizes: Sequence[int] = (500, 4000), n_test: int = 2000,
                               sparsity: int = 3, n_students: int = 3, student_width: int = 64,
                               steps: int = 2500, lr: float = 0.02, batch_size: int = 64,
                               seed: int = 0, progress: bool = True) -> list[dict]:
    r"""Fit students to random natural-weight teachers under each input law; tidy records.

    For every teacher law and every input law, one teacher (seeded from ``seed`` and the
    law, the same teacher under every input law) labels ``max(train_sizes) + n_test``
    inputs; for each training size the first ``N`` of them train ``n_students``
    students (:func:`fit_student`), which are scored on the same ``n_test`` held-out
    inputs.

    Book setting (``scale="small"``): the defaults (about 20 s on one core). Larger
    documented setting (:data:`inal_tutorial.figures.natural_weights.STUDENT_SETTINGS`):
    n = 40, ``teacher_width=64``, ``train_sizes=(1000, 4000, 16000)``, ``steps=10_000``,
    ``student_width=128``, ``n_students=8``.

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
        In [1, 10**8].
    sparsity : int
        In [1, n].
    n_students : int
        In [2, 10 000].
    steps, lr, batch_size
        As in :func:`fit_student` (batch_size <= 10**7).
    seed : int
        In [0, 2**62]; the seeds derived from it (``seed + 1000``, ...) wrap around
        modulo 2**62 + 1 at the top of the range.
    progress : bool

    The sizes ``(max(train_sizes) + n_test) x n`` and ``n_students x student_width x n``
    and ``n_students x (max(train_sizes) + n_test) x student_width`` must fit the size
    cap of the package's tensor-size check.

    Returns
    -------
    list of dict
        One record per (law, distribution, train size) with keys ``law``, ``distribution``,
        ``n_train``, ``test_r2`` (mean over students), ``test_r2_se``, ``train_r2``,
        ``linear_r2``.
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
    n_test = check_int(n_test, "n_test", low=1, high=10**8)
    sparsity = check_int(sparsity, "sparsity", low=1, high=n)
    n_students = check_int(n_students, "n_students", low=2, high=10_000)
    steps = check_int(steps, "steps", low=0, high=10**9)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    seed = check_seed(seed, allow_generator=False)
    rows = max(sizes) + n_test
    check_size({"max(train_sizes) + n_test": rows, "n": n}, what="the teacher's inputs")
    check_size({"n_students": n_students, "student_width": student_width, "n": n},
               what="the students' first-layer weights")
    check_size({"n_students": n_students, "max(train_sizes) + n_test": rows,
                "student_width": student_width}, what="the students' activations")
    records = []
    cells = [(law, d) for law in laws for d in distributions]
    for law, distribution in progress_bar(cells, desc="teachers", enabled=progress):
        law_seed = offset_seed(seed, 1000 * TEACHER_LAWS.index(law))
        teacher = TeacherNetwork(n, teacher_width, law=law, seed=law_seed)
        data_seed = offset_seed(law_seed, 1 + INPUT_DISTRIBUTIONS.index(distribution))
        full = teacher.dataset(distribution, max(sizes), n_test, sparsity=sparsity, seed=data_seed)
        for size in sizes:
            data = ArrayDataset(full.X_train[:size], full.y_train[:size], full.X_test, full.y_test)
            result = fit_student(data, width=student_width, n_students=n_students, steps=steps,
                                 lr=lr, batch_size=batch_size, seed=offset_seed(data_seed, size))
            records.append({
                "law": law, "distribution": distribution, "n_train": size,
                "test_r2": result.mean_test_r2,
                "test_r2_se": float(result.test_r2.std(ddof=1) / math.sqrt(n_students)),
                "train_r2": float(result.train_r2.mean()), "linear_r2": result.linear_r2,
            })
    return records
