r"""The command line: ``python -m inal_tutorial`` or the console script ``inal-tutorial``.

Sub-commands
------------
``estimate``
    INAL of a named target under a fully connected architecture, with its 95 %
    confidence interval (:func:`~inal_tutorial.alignment.estimate_inal`): exact over
    all :math:`2^n` inputs for n <= 20, else the unbiased estimator on sampled inputs.
``train``
    Train a named configuration (:data:`TRAINING_CONFIGS`, e.g. the sparse-parity setting
    n = 40, k = 3 of the book) with a progress bar, and print a summary per seed.
``figure NAME``
    Regenerate any figure of the book through
    :func:`~inal_tutorial.plotting.make_figure` at ``--scale small`` (the chapter's
    setting) or ``large`` (the documented crisp one) and write it to ``--output``
    (PNG, PDF or SVG by the file's suffix). ``figure --list`` lists the figures.
``info``
    Versions, the available devices and the Walsh–Hadamard backend.

Bad arguments end with a message naming the argument and exit status 2, never a
traceback: argparse's own errors print the usage and ``inal-tutorial COMMAND: error: …``;
errors the package's validation finds (``ValueError``, ``TypeError``, including a
:class:`~inal_tutorial._validation.DivergenceError` from a diverging run, and
``MemoryError``) print the single line ``error: …`` on stderr. A result that is not
finite (NaN or infinity) is never printed, as text or as JSON: it is such an error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

__all__ = ["main", "build_parser", "TRAINING_CONFIGS", "TrainingConfig", "TARGETS"]

#: Target names accepted by ``estimate`` (and used by the training configurations).
TARGETS = ("parity", "majority", "staircase", "random")
#: Largest n for which ``estimate`` enumerates all inputs unless ``--samples`` is given.
EXACT_DEFAULT_MAX_N = 20
#: Sampled inputs used by ``estimate`` above :data:`EXACT_DEFAULT_MAX_N`.
DEFAULT_SAMPLES = 100_000
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")


# ---------------------------------------------------------------------------
# Argument types: each raises ArgumentTypeError, which argparse turns into exit status 2
# ---------------------------------------------------------------------------


def _int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            hi = "inf" if high is None else str(high)
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {hi}], got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _float_in(low: float, *, low_open: bool = False) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (low_open and value == low):
            bound = f"> {low:g}" if low_open else f">= {low:g}"
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text}")
        return value

    parse.__name__ = "number"
    return parse


def _device(text: str) -> torch.device:
    """``--device``: ``cpu`` or an existing ``cuda[:index]`` (:func:`check_device`)."""
    from ._validation import check_device

    try:
        return check_device(text)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


_DTYPES = {"float32": torch.float32, "float64": torch.float64}


# ---------------------------------------------------------------------------
# Targets and architectures
# ---------------------------------------------------------------------------


def make_target(name: str, n: int, k: int | None = None, seed: int = 0):
    """The target ``name`` (one of :data:`TARGETS`) on ``n`` bits; ``k`` for parity/staircase.

    ``n`` and ``k`` are checked by the target's class (e.g. 0 <= k <= n for a parity, and
    n <= 24 for the random function, whose truth table is stored); ``seed`` (random
    function only) is an int in [0, 2**62].
    """
    from ._validation import check_choice
    from .boolean import Majority, Parity, RandomFunction, Staircase

    check_choice(name, "target", TARGETS)

    if name == "parity":
        return Parity(n, k=3 if k is None else k)
    if name == "staircase":
        return Staircase(n, 3 if k is None else k)
    if name == "majority":
        return Majority(n)
    if name == "random":
        return RandomFunction(n, seed=seed)
    raise ValueError(f"unknown target {name!r}: expected one of {list(TARGETS)}")


def _add_architecture_arguments(parser: argparse.ArgumentParser) -> None:
    from .networks import ACTIVATIONS, BIAS_LAWS, INITIALIZATIONS

    group = parser.add_argument_group("architecture (fully connected, i.i.d. initialization)")
    group.add_argument("--hidden", type=_int_in(1, 1_000_000), nargs="+", default=[256],
                       metavar="WIDTH", help="hidden layer widths (default: 256)")
    group.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    group.add_argument("--init", choices=INITIALIZATIONS, default="gaussian",
                       help="law of the weights, variance 1/fan-in (default: gaussian)")
    group.add_argument("--bias", choices=BIAS_LAWS, default="gaussian",
                       help="law of the biases (default: gaussian)")
    group.add_argument("--bias-std", type=_float_in(0.0), default=1.0,
                       help="standard deviation of the biases (default: 1)")


def _describe_architecture(hidden: Sequence[int], activation: str, init: str, bias: str,
                           bias_std: float) -> str:
    bias_text = "no bias" if bias in ("none", "zero") or bias_std == 0 else \
        f"{bias} bias (std {bias_std:g})"
    return (f"{len(hidden)} hidden layer(s) {tuple(hidden)}, {activation}, {init} weights, "
            f"{bias_text}")


# ---------------------------------------------------------------------------
# Checks shared by the sub-commands
# ---------------------------------------------------------------------------


def _check_network_size(models: int, models_name: str, n: int, hidden: Sequence[int]) -> None:
    """Refuse, before allocating, a network whose weights ``models x width x fan-in`` (one
    layer, 8 bytes an entry) exceed the size cap of :func:`check_size`."""
    from ._validation import check_size

    sizes = (n, *hidden)
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        check_size({models_name: models, f"--hidden[{layer}]": fan_out,
                    "n" if layer == 0 else f"--hidden[{layer - 1}]": fan_in},
                   what="a layer's weights")


def _check_finite(values: dict[str, float], *, hint: str, divergence: bool = False) -> None:
    """Raise (``DivergenceError`` if ``divergence``) naming the first non-finite value."""
    from ._validation import DivergenceError

    for name, value in values.items():
        if not math.isfinite(float(value)):
            error = DivergenceError if divergence else ValueError
            raise error(f"{name} must be finite, got {float(value)} ({hint})")


def _dumps(report: dict) -> str:
    """The report as strict JSON (NaN and infinity are refused, never printed)."""
    try:
        return json.dumps(report, indent=2, allow_nan=False)
    except ValueError as err:
        raise ValueError(f"the JSON report must hold finite numbers only, got NaN or infinity "
                         f"({err})") from None


# ---------------------------------------------------------------------------
# estimate
# ---------------------------------------------------------------------------


def _run_estimate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ._validation import offset_seed
    from .alignment import estimate_inal
    from .boolean import Embedded
    from .networks import MLPEnsemble

    target = make_target(args.target, args.n, args.k, args.seed)
    if args.embed is not None:
        if args.embed < target.n:
            raise ValueError(f"--embed must be an integer in [{target.n}, 4096] (at least "
                             f"--n = {target.n}), got {args.embed}")
        target = Embedded(target, args.embed)
    n_total = target.n
    samples = args.samples
    if samples is None and n_total > EXACT_DEFAULT_MAX_N:
        samples = DEFAULT_SAMPLES
    _check_network_size(args.n_init, "--n-init", n_total, args.hidden)
    network = MLPEnsemble(n_total, tuple(args.hidden), n_models=args.n_init,
                          activation=args.activation, init=args.init, bias=args.bias,
                          bias_std=args.bias_std, seed=args.seed, dtype=_DTYPES[args.dtype],
                          device=args.device)
    if not all(bool(torch.isfinite(p).all()) for p in network.parameters()):
        raise ValueError(f"--bias-std must be small enough for the biases to be finite in "
                         f"{args.dtype}, got {args.bias_std:g}")
    hint = "the network's outputs overflowed: lower --bias-std or the widths, or use --dtype " \
        "float64"
    try:
        result = estimate_inal(target, network, n_samples=samples,
                               seed=offset_seed(args.seed, 1), progress=not args.json)
    except ValueError as err:
        if "NaN" not in str(err) and "infinite" not in str(err):
            raise
        raise ValueError(f"the estimate must be finite, got NaN or infinity ({err}): "
                         f"{hint}") from err
    layer_names = [f"hidden {i + 1}" for i in range(len(args.hidden))] + ["read-out"]
    lo, hi = result.ci
    _check_finite({"inal": result.value, "stderr": result.stderr, "ci95 low": lo,
                   "ci95 high": hi,
                   **{f"per-layer {name}": float(v) for name, v in zip(
                       layer_names, result.per_layer, strict=True)},
                   **{f"per-layer stderr {name}": float(v) for name, v in zip(
                       layer_names, result.per_layer_stderr, strict=True)}},
                  hint=hint)
    if args.json:
        print(_dumps({
            "target": target.name, "n": n_total, "hidden": list(args.hidden),
            "activation": args.activation, "init": args.init, "bias": args.bias,
            "bias_std": args.bias_std, "n_init": result.n_init, "method": result.method,
            "n_samples": result.n_samples, "inal": result.value, "stderr": result.stderr,
            "ci95": [lo, hi], "layer": layer_names[result.layer],
            "per_layer": dict(zip(layer_names, map(float, result.per_layer), strict=True)),
            "per_layer_stderr": dict(zip(layer_names, map(float, result.per_layer_stderr),
                                         strict=True)),
        }))
        return 0
    inputs = (f"exact over all 2^{n_total} inputs" if result.n_samples is None
              else f"unbiased estimator on {result.n_samples} sampled inputs")
    print(f"target:        {target.name} on n = {n_total} bits")
    print("architecture:  " + _describe_architecture(args.hidden, args.activation, args.init,
                                                      args.bias, args.bias_std))
    print(f"method:        {inputs}, {result.n_init} initializations")
    print(f"INAL = {result.value:.4g} ± {result.stderr:.2g} (standard error), "
          f"95% CI [{lo:.4g}, {hi:.4g}], attained at {layer_names[result.layer]}")
    print("per layer (mean over neurons and initializations of <f, NN_v>^2):")
    for name, value, se in zip(layer_names, result.per_layer, result.per_layer_stderr,
                               strict=True):
        print(f"  {name:<10} {value:.4g} ± {se:.2g}")
    return 0


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingConfig:
    """A named training run: target, architecture and :func:`~inal_tutorial.training.train` options."""

    description: str
    target: str
    n: int
    k: int | None
    hidden: tuple[int, ...]
    train_options: dict = field(default_factory=dict)
    activation: str = "relu"
    output_bias: bool = True


#: Named configurations of ``inal-tutorial train``. ``steps`` is a cap: runs with a
#: ``stop_accuracy`` stop as soon as every seed reaches it.
TRAINING_CONFIGS: dict[str, TrainingConfig] = {
    "sparse-parity": TrainingConfig(
        "3-parity on n = 40 bits, 1000 training samples, width 1000, hinge loss, SGD "
        "(lr 0.1, weight decay 0.01, batch 32) until 99% test accuracy: a long plateau, "
        "then a sudden jump (Barak et al. 2022)",
        "parity", 40, 3, (1000,),
        dict(steps=100_000, lr=0.1, loss="hinge", batch_size=32, train_size=1000,
             weight_decay=0.01, stop_accuracy=0.99, eval_every=250)),
    "sparse-parity-small": TrainingConfig(
        "3-parity on n = 20 bits, fresh samples, width 256, hinge loss, SGD (lr 0.1, "
        "batch 32) until 99% test accuracy: the same phenomenon in seconds",
        "parity", 20, 3, (256,),
        dict(steps=20_000, lr=0.1, loss="hinge", batch_size=32, stop_accuracy=0.99,
             eval_every=100)),
    "majority": TrainingConfig(
        "majority of n = 41 bits, fresh samples, width 256, hinge loss, SGD (lr 0.1, batch "
        "32): INAL of order 1/n, learned almost at once",
        "majority", 41, None, (256,),
        dict(steps=2_000, lr=0.1, loss="hinge", batch_size=32, stop_accuracy=0.95,
             eval_every=50)),
    "noisy-gd-parity": TrainingConfig(
        "noisy GD (population gradient, clip 1, sigma 0.2, lr 0.5) on a 4-parity of n = 12 "
        "bits with the square loss: small INAL, no progress",
        "parity", 12, 4, (128,),
        dict(steps=300, lr=0.5, loss="square", noise_std=0.2, clip=1.0, eval_every=10)),
}


def _run_train(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .networks import MLPEnsemble
    from .training import train

    config = TRAINING_CONFIGS[args.config]
    options = dict(config.train_options)
    for key in ("steps", "lr", "eval_every"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    hidden = tuple(args.hidden) if args.hidden else config.hidden
    target = make_target(config.target, config.n, config.k, args.seed)
    _check_network_size(args.seeds, "--seeds", target.n, hidden)
    network = MLPEnsemble(target.n, hidden, n_models=args.seeds, activation=config.activation,
                          output_bias=config.output_bias, seed=args.seed, device=args.device)
    print(f"configuration: {args.config}: {config.description}")
    print(f"target {target.name} on n = {target.n} bits; {args.seeds} seed(s) trained as one "
          f"ensemble of width {hidden}; device {network.weights[0].device}")
    start = time.perf_counter()
    history = train(network, target, seed=args.seed, device=args.device,
                    progress=not args.no_progress, **options)
    seconds = time.perf_counter() - start
    last_step = int(history.steps[-1])
    hint = f"training diverged: lower --lr, got {options['lr']:g}"
    metrics = {name: history.final(name) for name in ("accuracy", "correlation")
               if name in history}
    _check_finite({f"final {name} of seed {i}": float(v) for name, values in metrics.items()
                   for i, v in enumerate(np.asarray(values).ravel())},
                  hint=hint, divergence=True)
    print(f"ran {last_step} steps in {seconds:.1f} s ({seconds / max(last_step, 1) * 1e3:.2f} ms "
          f"per step for all seeds)")
    if "accuracy" in history:
        accuracy = history.final("accuracy")
        print(f"final test accuracy: mean {accuracy.mean():.3f}, min {accuracy.min():.3f}, "
              f"max {accuracy.max():.3f}")
        threshold = options.get("stop_accuracy") or 0.99
        reached = history.steps_to("accuracy", threshold)
        text = ", ".join("-" if not np.isfinite(s) else str(int(s)) for s in reached)
        print(f"steps to {threshold:.0%} test accuracy per seed: {text}")
    correlation = history.final("correlation")
    print(f"final correlation E[y NN(x)]: mean {correlation.mean():.3f}")
    return 0


# ---------------------------------------------------------------------------
# figure
# ---------------------------------------------------------------------------


def _run_figure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .plotting import registry

    figures = registry()
    if args.list:
        width = max((len(name) for name in figures), default=0)
        for name, spec in sorted(figures.items()):
            print(f"{name:<{width}}  [{spec.chapter}] {spec.description}")
        return 0
    if args.name is None:
        parser.error("give a figure NAME, or --list to list them")
    if args.name not in figures:
        close = difflib.get_close_matches(args.name, list(figures), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            "; run 'inal-tutorial figure --list' to list them"
        parser.error(f"unknown figure {args.name!r}{hint}")
    output = Path(args.output) if args.output else Path(f"{args.name}.png")
    if output.suffix.lower() not in FIGURE_SUFFIXES:
        parser.error(f"--output must end in one of {', '.join(FIGURE_SUFFIXES)}, got {str(output)!r}")
    if not output.parent.exists():
        parser.error(f"--output: directory {str(output.parent)!r} does not exist")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import make_figure

    start = time.perf_counter()
    fig = make_figure(args.name, scale=args.scale, seed=args.seed)
    fig.savefig(output, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {output} (figure {args.name!r}, scale {args.scale}, seed {args.seed}, "
          f"{time.perf_counter() - start:.1f} s)")
    return 0


# ---------------------------------------------------------------------------
# info
# ---------------------------------------------------------------------------


def _run_info(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import __version__
    from .fourier import _fht_cpu

    print(f"inal_tutorial {__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"python {sys.version.split()[0]}")
    print(f"CPU threads used by torch: {torch.get_num_threads()}")
    if torch.cuda.is_available():
        names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        print(f"CUDA devices: {', '.join(names)} (pass --device cuda)")
    else:
        print("CUDA devices: none (everything runs on the CPU)")
    backend = "fht-cpu (SIMD C library)" if _fht_cpu is not None else "pure PyTorch butterflies"
    print(f"Walsh-Hadamard transform on the CPU: {backend}")
    return 0


# ---------------------------------------------------------------------------
# The parser
# ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``inal-tutorial`` (one sub-parser per sub-command)."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="inal-tutorial",
        description="Initial alignment (INAL) tutorial: estimate INAL, train the book's "
                    "configurations, regenerate the book's figures.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    est = commands.add_parser(
        "estimate", help="INAL of a target under an architecture, with a 95%% CI",
        description="Estimate INAL(f, NN) = max over layers of the mean over neurons v of "
                    "E_theta <f, NN_v>^2: exact over all 2^n inputs for n <= "
                    f"{EXACT_DEFAULT_MAX_N} (only the initialization is random), else the "
                    f"unbiased U-statistic on --samples inputs (default {DEFAULT_SAMPLES}).",
        epilog="example: inal-tutorial estimate --target parity --n 12 --k 2 --hidden 256")
    est.add_argument("--target", choices=TARGETS, default="parity")
    est.add_argument("--n", type=_int_in(1, 4096), default=12, help="input bits (default 12)")
    est.add_argument("--k", type=_int_in(0, 4096), default=None,
                     help="degree of the parity / length of the staircase (default 3)")
    est.add_argument("--embed", type=_int_in(1, 4096), default=None, metavar="N_TOTAL",
                     help="read the target from the first n of N_TOTAL input bits")
    _add_architecture_arguments(est)
    est.add_argument("--n-init", type=_int_in(2, 10**7), default=64,
                     help="initializations averaged over (default 64)")
    est.add_argument("--samples", type=_int_in(2, 10**9), default=None,
                     help="sample this many inputs instead of enumerating all 2^n")
    est.add_argument("--seed", type=_int_in(0, 2**62), default=0)
    est.add_argument("--dtype", choices=sorted(_DTYPES), default="float32")
    est.add_argument("--device", type=_device, default=torch.device("cpu"))
    est.add_argument("--json", action="store_true", help="print the result as JSON")
    est.set_defaults(run=_run_estimate)

    names = ", ".join(TRAINING_CONFIGS)
    tr = commands.add_parser(
        "train", help="train a named configuration (progress bar and summary)",
        description="Train a named configuration; several seeds are trained as one ensemble. "
                    "Configurations: " + "; ".join(f"{k}: {v.description}"
                                                   for k, v in TRAINING_CONFIGS.items()),
        epilog="example: inal-tutorial train sparse-parity-small --seeds 4")
    tr.add_argument("config", choices=list(TRAINING_CONFIGS), metavar="CONFIG",
                    help=f"one of: {names}")
    tr.add_argument("--seeds", type=_int_in(1, 4096), default=1,
                    help="independent seeds trained together as one ensemble (default 1)")
    tr.add_argument("--seed", type=_int_in(0, 2**62), default=0)
    tr.add_argument("--steps", type=_int_in(0, 10**9), default=None,
                    help="number of SGD/GD steps (cap; default from the configuration)")
    tr.add_argument("--lr", type=_float_in(0.0, low_open=True), default=None)
    tr.add_argument("--hidden", type=_int_in(1, 1_000_000), nargs="+", default=None,
                    metavar="WIDTH", help="hidden widths (default from the configuration)")
    tr.add_argument("--eval-every", type=_int_in(1, 10**9), default=None)
    tr.add_argument("--device", type=_device, default=None)
    tr.add_argument("--no-progress", action="store_true", help="no progress bar")
    tr.set_defaults(run=_run_train)

    fig = commands.add_parser(
        "figure", help="regenerate a figure of the book",
        description="Regenerate a figure of the book by name and write it to a file.",
        epilog="example: inal-tutorial figure fourier-majority --scale large "
               "--output majority.pdf")
    fig.add_argument("name", nargs="?", metavar="NAME", help="figure name (see --list)")
    fig.add_argument("--list", action="store_true", help="list the figures and exit")
    fig.add_argument("--scale", choices=("small", "large"), default="small",
                     help="small: the chapter's setting; large: the crisp documented one")
    fig.add_argument("--output", "-o", default=None,
                     help="output file, .png/.pdf/.svg (default NAME.png)")
    fig.add_argument("--seed", type=_int_in(0, 2**62), default=0)
    fig.set_defaults(run=_run_figure)

    info = commands.add_parser("info", help="versions, devices and kernels in use")
    info.set_defaults(run=_run_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``inal-tutorial`` / ``python -m inal_tutorial``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]  # for sub-command errors
    try:
        return args.run(args, sub)
    except (ValueError, TypeError, MemoryError) as err:  # DivergenceError is a ValueError
        return _report_error(err)
    except RuntimeError as err:  # torch's failed allocations (CPU or CUDA) are RuntimeErrors
        if isinstance(err, getattr(torch, "OutOfMemoryError", ())) or any(
                phrase in str(err) for phrase in ("can't allocate memory", "out of memory")):
            return _report_error(err)
        raise


def _report_error(err: BaseException) -> int:
    """Print ``err`` as the single line ``error: …`` on stderr; return exit status 2."""
    if isinstance(err, (MemoryError, RuntimeError)):
        text = f"out of memory ({type(err).__name__}: {err}); lower the sizes"
    else:
        text = str(err)
    text = " ".join(text.split())  # one line, whatever the message holds
    print(f"error: {text}", file=sys.stderr)
    return 2
