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
    (PNG, PDF or SVG by the file's suffix). ``figure --list`` lists the figures with
    their CPU time; ``--style paper`` draws them on an opaque white background with
    black text.
``sweep NAME``
    Run one of the book's sweeps (:data:`SWEEPS`) at ``--scale small`` or ``large`` and
    print its records as JSON.
``info``
    Versions, the available devices and the Walsh–Hadamard backend.

``figure`` and ``sweep`` take ``--workers N`` (N local worker processes) or
``--scheduler ADDRESS`` (``dask`` for a Dask ``LocalCluster``, or a scheduler's address)
for the sweeps' independent tasks (:func:`~inal_tutorial.executors.run_tasks`); the
results are those of the serial run. ``--help`` and argument errors import neither torch
nor numpy, so they answer at once; progress bars are drawn only when stderr is a
terminal (and never with ``TQDM_DISABLE=1``).

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

__all__ = ["main", "build_parser", "TRAINING_CONFIGS", "TrainingConfig", "TARGETS", "SWEEPS"]

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


_DEVICE_PATTERN = r"cpu|cuda(:[0-9]+)?"


def _device(text: str):
    """``--device``: ``cpu`` or an existing ``cuda[:index]`` (:func:`check_device`).

    The spelling is checked first, without torch, so that a misspelt device is an
    argument error that does not pay for importing torch.
    """
    import re

    if not re.fullmatch(_DEVICE_PATTERN, text.strip()):
        raise argparse.ArgumentTypeError(f"device must be 'cpu' or 'cuda[:index]', got {text!r}")
    from ._validation import check_device

    try:
        return check_device(text)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


_DTYPES = ("float32", "float64")


def _torch_dtype(name: str):
    import torch

    return {"float32": torch.float32, "float64": torch.float64}[name]


def _progress_enabled(requested: bool = True) -> bool:
    """Progress bars only when asked, on a terminal, and not silenced by ``TQDM_DISABLE``."""
    from ._progress import progress_disabled_by_environment

    return requested and sys.stderr.isatty() and not progress_disabled_by_environment()


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


#: The choices of :class:`~inal_tutorial.networks.MLPEnsemble`, spelt out here so that
#: building the parser does not import torch (a test checks they are the same).
ACTIVATIONS = ("abs", "gelu", "linear", "quadratic", "relu", "sigmoid", "sign", "tanh")
INITIALIZATIONS = ("gaussian", "rademacher", "uniform")
BIAS_LAWS = ("gaussian", "rademacher", "uniform", "zero", "none")


def _add_architecture_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("architecture (fully connected, i.i.d. initialization)")
    group.add_argument("--hidden", type=_int_in(1, 1_000_000), nargs="+", default=[256],
                       metavar="WIDTH", help="hidden layer widths (default: 256)")
    group.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                       help="activation of the hidden layers (default: relu)")
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
    import torch

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
                          bias_std=args.bias_std, seed=args.seed,
                          dtype=_torch_dtype(args.dtype), device=args.device or "cpu")
    if not all(bool(torch.isfinite(p).all()) for p in network.parameters()):
        raise ValueError(f"--bias-std must be small enough for the biases to be finite in "
                         f"{args.dtype}, got {args.bias_std:g}")
    hint = "the network's outputs overflowed: lower --bias-std or the widths, or use --dtype " \
        "float64"
    try:
        result = estimate_inal(target, network, n_samples=samples,
                               seed=offset_seed(args.seed, 1),
                               progress=_progress_enabled(not args.json))
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
    warning = None
    if result.n_samples is not None and lo <= 0.0 <= hi:
        warning = (f"the 95% confidence interval [{lo:.3g}, {hi:.3g}] contains 0: "
                   f"{result.n_samples} sampled inputs do not resolve this INAL from 0; "
                   f"raise --samples (the interval shrinks like 1/sqrt(samples)), e.g. "
                   f"--samples {min(10**9, 16 * result.n_samples)}")
        print(f"warning: {warning}", file=sys.stderr)
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
            "warning": warning,
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
    import numpy as np

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
    say = (lambda *a, **k: None) if args.json else print
    say(f"configuration: {args.config}: {config.description}")
    say(f"target {target.name} on n = {target.n} bits; {args.seeds} seed(s) trained as one "
        f"ensemble of width {hidden}; device {network.weights[0].device}")
    start = time.perf_counter()
    history = train(network, target, seed=args.seed, device=args.device,
                    progress=_progress_enabled(not args.no_progress and not args.json),
                    **options)
    seconds = time.perf_counter() - start
    last_step = int(history.steps[-1])
    hint = f"training diverged: lower --lr, got {options['lr']:g}"
    metrics = {name: history.final(name) for name in ("accuracy", "correlation")
               if name in history}
    _check_finite({f"final {name} of seed {i}": float(v) for name, values in metrics.items()
                   for i, v in enumerate(np.asarray(values).ravel())},
                  hint=hint, divergence=True)
    if args.json:
        report = {"config": args.config, "target": target.name, "n": target.n,
                  "hidden": list(hidden), "seeds": args.seeds, "seed": args.seed,
                  "options": options, "steps": last_step, "seconds": seconds,
                  "curve_steps": [int(v) for v in history.steps]}
        if "accuracy" in history:
            threshold = options.get("stop_accuracy") or 0.99
            reached = history.steps_to("accuracy", threshold)
            report["final_accuracy"] = [float(v) for v in history.final("accuracy")]
            report["accuracy_threshold"] = threshold
            report["steps_to_threshold"] = [int(v) if np.isfinite(v) else None
                                            for v in reached]
        report["final_correlation"] = [float(v) for v in
                                       np.asarray(history.final("correlation")).ravel()]
        print(_dumps(report))
        return 0
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


def _executor_of(args: argparse.Namespace):
    """``--workers N`` -> N local processes, ``--scheduler ADDRESS`` -> Dask; else None."""
    if getattr(args, "scheduler", None):
        return args.scheduler
    workers = getattr(args, "workers", None)
    return workers if workers and workers > 1 else None


class _Heartbeat:
    """A bar of elapsed against estimated seconds while a figure computes (on a terminal)."""

    def __init__(self, label: str, estimate: float | None, enabled: bool):
        self.label, self.estimate, self.enabled = label, estimate, enabled

    def __enter__(self):
        import threading

        self._stop = threading.Event()
        self._thread = None
        if self.enabled:
            from ._progress import progress_bar

            total = max(1, round(self.estimate)) if self.estimate else None
            self._bar = progress_bar(iter(()), total=total, desc=self.label, enabled=True)
            self._thread = threading.Thread(target=self._tick, daemon=True)
            self._thread.start()
        return self

    def _tick(self) -> None:
        start = time.perf_counter()
        done = 0
        while not self._stop.wait(1.0):
            elapsed = int(time.perf_counter() - start)
            if self.estimate is None or elapsed <= self._bar.total:
                self._bar.update(elapsed - done)
                done = elapsed

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._bar.close()


def _run_figure(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .executors import describe_executor, use_executor
    from .figures import FIGURE_ALIASES, apply_style, describe_cost
    from .plotting import registry

    figures = registry()
    if args.list:
        width = max((len(name) for name in figures), default=0)
        print(f"{'NAME':<{width}}  {'SMALL':>7}  {'LARGE':>8}  [CHAPTER] DESCRIPTION "
              f"(CPU time on one core)")
        for name, spec in sorted(figures.items()):
            print(f"{name:<{width}}  {describe_cost(name, 'small'):>7}  "
                  f"{describe_cost(name, 'large'):>8}  [{spec.chapter}] {spec.description}")
        return 0
    if args.name is None:
        parser.error("give a figure NAME, or --list to list them")
    name = args.name
    if name not in figures and name in FIGURE_ALIASES:
        name = FIGURE_ALIASES[name]
        print(f"note: figure {args.name!r} is now called {name!r}", file=sys.stderr)
    if name not in figures:
        close = difflib.get_close_matches(name, list(figures), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            "; run 'inal-tutorial figure --list' to list them"
        parser.error(f"unknown figure {name!r}{hint}")
    output = Path(args.output) if args.output else Path(f"{name}.png")
    if output.suffix.lower() not in FIGURE_SUFFIXES:
        parser.error(f"--output must end in one of {', '.join(FIGURE_SUFFIXES)}, got {str(output)!r}")
    if not output.parent.exists():
        parser.error(f"--output: directory {str(output.parent)!r} does not exist")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import make_figure

    executor = _executor_of(args)
    from .figures import figure_cost

    estimate = figure_cost(name, args.scale)
    print(f"computing figure {name!r} at scale {args.scale} (seed {args.seed}): "
          f"{describe_cost(name, args.scale)} of CPU time on one core "
          f"(? = not measured); running on {describe_executor(executor)}", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    with use_executor(executor), _Heartbeat(name, estimate, _progress_enabled()):
        fig = make_figure(name, scale=args.scale, seed=args.seed)
    apply_style(fig, args.style)
    paper = args.style == "paper"
    fig.savefig(output, bbox_inches="tight", transparent=False if paper else None,
                **({"facecolor": "white"} if paper else {}))
    plt.close(fig)
    print(f"wrote {output} (figure {name!r}, scale {args.scale}, seed {args.seed}, "
          f"style {args.style}, {time.perf_counter() - start:.1f} s)")
    return 0


# ---------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------

#: Sweeps of ``inal-tutorial sweep``: name -> (module, function, settings dict, one line).
SWEEPS: dict[str, tuple[str, str, str, str]] = {
    "inal-vs-accuracy": ("experiments", "inal_vs_accuracy", "HEADLINE_SETTINGS",
                         "INAL against accuracy after a fixed SGD budget, 13 targets on 15 "
                         "bits (one task per target)"),
    "heldout": ("experiments", "heldout_sweep", "HELDOUT_SETTINGS",
                "held-out accuracy against exact INAL over n (one task per n)"),
    "digits": ("digits_experiments", "digits_experiment", "DIGITS_SETTINGS",
               "8x8 digits, MLP vs CNN on original and permuted pixels (one task per cell)"),
    "digits-grid": ("digits_experiments", "digits_grid", "DIGITS_GRID_SETTINGS",
                    "8x8 digits, five architectures under graded pixel shuffles (one task "
                    "per architecture)"),
}


def _run_sweep(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import importlib

    from .executors import describe_executor
    from .experiments import as_rows

    module_name, function, settings_name, _ = SWEEPS[args.name]
    output = Path(args.output) if args.output else None
    if output is not None and not output.parent.exists():
        parser.error(f"--output: directory {str(output.parent)!r} does not exist")
    module = importlib.import_module(f".{module_name}", __package__)
    settings = dict(getattr(module, settings_name)[args.scale])
    executor = _executor_of(args)
    print(f"sweep {args.name} at scale {args.scale} (seed {args.seed}) on "
          f"{describe_executor(executor)}: {function}({settings})", file=sys.stderr,
          flush=True)
    start = time.perf_counter()
    records = getattr(module, function)(**settings, seed=args.seed,
                                        progress=_progress_enabled(), executor=executor)
    text = _dumps({"sweep": args.name, "function": function, "scale": args.scale,
                   "seed": args.seed, "settings": {k: list(v) if isinstance(v, tuple) else v
                                                   for k, v in settings.items()},
                   "records": as_rows(records)})
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n")
        print(f"wrote {output} ({len(records)} records, "
              f"{time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------
# info
# ---------------------------------------------------------------------------


def _run_info(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import numpy as np
    import torch

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


def _add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "parallel runs (the sweeps' independent tasks; results are the same as serial)")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_int_in(1, 4096), default=None, metavar="N",
                       help="run the independent tasks on N local worker processes "
                            "(default: serially, in this process)")
    where.add_argument("--scheduler", type=_scheduler, default=None, metavar="ADDRESS",
                       help="run them on Dask: 'dask' for a LocalCluster on this machine, or "
                            "a scheduler address such as tcp://10.0.0.5:8786 (needs the "
                            "'dask' extra: pip install \"inal-tutorial[dask]\")")


def _scheduler(text: str) -> str:
    if text != "dask" and "://" not in text:
        raise argparse.ArgumentTypeError(f"expected 'dask' or an address like "
                                         f"tcp://host:8786, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``inal-tutorial`` (one sub-parser per sub-command).

    Building and using it imports neither torch nor numpy: ``--help`` and argument
    errors answer at once; the sub-commands import what they need when they run.
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="inal-tutorial",
        description="Initial alignment (INAL) tutorial: estimate INAL, train the book's "
                    "configurations, regenerate the book's figures.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    est = commands.add_parser(
        "estimate", help="INAL of a target under an architecture, with a 95%% CI",
        description="Estimate INAL(f, NN) = max over layers of the mean over neurons v of "
                    "E_theta <f, NN_v>^2: exact over all 2^n inputs for n <= "
                    f"{EXACT_DEFAULT_MAX_N} (only the initialization is random), else the "
                    f"unbiased U-statistic on --samples inputs (default {DEFAULT_SAMPLES}). "
                    "A sampled estimate whose interval contains 0 prints a warning.",
        epilog="example: inal-tutorial estimate --target parity --n 12 --k 2 --hidden 256")
    est.add_argument("--target", choices=TARGETS, default="parity",
                     help="the target function (default: parity)")
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
    est.add_argument("--seed", type=_int_in(0, 2**62), default=0,
                     help="seed of the initializations and the sampled inputs (default 0)")
    est.add_argument("--dtype", choices=_DTYPES, default="float32",
                     help="floating-point type of the networks (default: float32)")
    est.add_argument("--device", type=_device, default=None,
                     help="cpu or cuda[:index] (default: cpu)")
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
    tr.add_argument("--seed", type=_int_in(0, 2**62), default=0,
                    help="master seed of the initializations and the data (default 0)")
    tr.add_argument("--steps", type=_int_in(0, 10**9), default=None,
                    help="number of SGD/GD steps (cap; default from the configuration)")
    tr.add_argument("--lr", type=_float_in(0.0, low_open=True), default=None,
                    help="learning rate > 0 (default from the configuration)")
    tr.add_argument("--hidden", type=_int_in(1, 1_000_000), nargs="+", default=None,
                    metavar="WIDTH", help="hidden widths (default from the configuration)")
    tr.add_argument("--eval-every", type=_int_in(1, 10**9), default=None,
                    help="steps between evaluations (default from the configuration)")
    tr.add_argument("--device", type=_device, default=None,
                    help="cpu or cuda[:index] (default: cpu)")
    tr.add_argument("--no-progress", action="store_true",
                    help="no progress bar (there is none anyway when stderr is not a "
                         "terminal, or with TQDM_DISABLE=1)")
    tr.add_argument("--json", action="store_true",
                    help="print the result as JSON (per-seed accuracies, steps to the "
                         "threshold), without the text summary or a progress bar")
    tr.set_defaults(run=_run_train)

    fig = commands.add_parser(
        "figure", help="regenerate a figure of the book",
        description="Regenerate a figure of the book by name and write it to a file. The "
                    "CPU time it takes is printed before it starts (and listed by --list); "
                    "on a terminal a bar shows the time elapsed against that estimate.",
        epilog="example: inal-tutorial figure fourier-majority --scale large "
               "--style paper --output majority.pdf")
    fig.add_argument("name", nargs="?", metavar="NAME", help="figure name (see --list)")
    fig.add_argument("--list", action="store_true",
                     help="list the figures with their CPU time at each scale, and exit")
    fig.add_argument("--scale", choices=("small", "large"), default="small",
                     help="small: the chapter's setting; large: the crisp documented one")
    fig.add_argument("--output", "-o", default=None,
                     help="output file, .png/.pdf/.svg (default NAME.png)")
    fig.add_argument("--seed", type=_int_in(0, 2**62), default=0,
                     help="master seed of the figure's experiment (default 0)")
    fig.add_argument("--style", choices=("book", "paper"), default="book",
                     help="book: as the chapters show it; paper: opaque white background, "
                          "pure black text, ticks and axes (for papers and slides)")
    _add_executor_arguments(fig)
    fig.set_defaults(run=_run_figure)

    sw = commands.add_parser(
        "sweep", help="run one of the book's sweeps and print its records as JSON",
        description="Run a sweep of the book at its small (the chapter's) or large setting "
                    "and print its records as JSON (or write them to --output). The "
                    "independent tasks run serially, on --workers local processes or on "
                    "Dask (--scheduler); the records are the same. Sweeps: "
                    + "; ".join(f"{k}: {v[3]}" for k, v in SWEEPS.items()),
        epilog="example: inal-tutorial sweep heldout --scale large --workers 2 "
               "--output heldout.json")
    sw.add_argument("name", choices=list(SWEEPS), metavar="NAME",
                    help="one of: " + ", ".join(SWEEPS))
    sw.add_argument("--scale", choices=("small", "large"), default="small",
                    help="small: the chapter's setting; large: the documented larger one")
    sw.add_argument("--seed", type=_int_in(0, 2**62), default=0,
                    help="master seed of the sweep (default 0)")
    sw.add_argument("--output", "-o", default=None,
                    help="write the JSON records to this file (default: standard output)")
    _add_executor_arguments(sw)
    sw.set_defaults(run=_run_sweep)

    info = commands.add_parser("info", help="versions, devices and kernels in use",
                               description="Print the versions, the devices and the "
                                           "Walsh-Hadamard backend in use.")
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
    except ImportError as err:  # an optional extra that is missing (e.g. Dask)
        if "pip install" not in str(err):
            raise
        return _report_error(err)
    except RuntimeError as err:  # torch's failed allocations (CPU or CUDA) are RuntimeErrors
        import torch

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
