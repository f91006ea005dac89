"""The command line: every sub-command, its --help, and exit status 2 with a clear message
for bad arguments (argparse's error path, also for errors the package's validation finds)."""

import json
import math
import os
import subprocess
import sys

import matplotlib
import pytest

import inal_tutorial as it
from inal_tutorial import cli, plotting

matplotlib.use("Agg")


def run_cli(*argv):
    """main(argv) -> exit status, turning SystemExit (argparse's exits) into its code."""
    try:
        return cli.main(list(argv))
    except SystemExit as exit_:
        return exit_.code


# ---------------------------------------------------------------------------
# estimate
# ---------------------------------------------------------------------------


def test_estimate_json_matches_the_library(capsys):
    assert run_cli("estimate", "--target", "parity", "--n", "8", "--k", "2", "--hidden", "32",
                   "--n-init", "8", "--seed", "3", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    # The same computation through the library: network seeded with --seed, exact inputs.
    net = it.MLPEnsemble(8, (32,), n_models=8, seed=3)
    expected = it.estimate_inal(it.Parity(8, k=2), net)
    assert report["method"] == "exact" and report["n_samples"] is None
    assert math.isclose(report["inal"], expected.value, rel_tol=1e-9)
    assert math.isclose(report["stderr"], expected.stderr, rel_tol=1e-9)
    lo, hi = report["ci95"]
    assert lo < report["inal"] < hi
    assert math.isclose(hi - report["inal"], 1.959963984540054 * report["stderr"], rel_tol=1e-9)
    assert set(report["per_layer"]) == {"hidden 1", "read-out"}


def test_estimate_text_output_names_target_method_and_interval(capsys):
    assert run_cli("estimate", "--target", "majority", "--n", "7", "--hidden", "16",
                   "--n-init", "4") == 0
    out = capsys.readouterr().out
    assert "majority(7) on n = 7 bits" in out
    assert "exact over all 2^7 inputs, 4 initializations" in out
    assert "95% CI [" in out


def test_estimate_samples_inputs_above_the_exact_limit(capsys):
    assert run_cli("estimate", "--target", "parity", "--n", "30", "--k", "1", "--hidden", "8",
                   "--n-init", "2", "--samples", "2000", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["method"] == "sampled" and report["n_samples"] == 2000


def test_estimate_embedded_target(capsys):
    assert run_cli("estimate", "--n", "4", "--k", "2", "--embed", "8", "--hidden", "8",
                   "--n-init", "4", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 8 and "in 8 bits" in report["target"]


@pytest.mark.parametrize("argv, message", [
    (["estimate", "--n", "-3"], "argument --n: must be an integer in [1, 4096], got -3"),
    (["estimate", "--n", "ten"], "argument --n: expected an integer, got 'ten'"),
    (["estimate", "--target", "xor"], "argument --target: invalid choice: 'xor'"),
    (["estimate", "--bias-std", "-1"], "argument --bias-std: must be a finite number >= 0"),
    (["estimate", "--bias-std", "nan"], "argument --bias-std: must be a finite number >= 0"),
    (["estimate", "--n-init", "1"], "argument --n-init: must be an integer in [2, 10000000]"),
    (["estimate", "--hidden", "0"], "argument --hidden: must be an integer in [1, 1000000]"),
    (["estimate", "--samples", "1"], "argument --samples: must be an integer in [2, 1000000000]"),
    (["estimate", "--device", "quantum"],
     "argument --device: device must be 'cpu' or 'cuda[:index]', got 'quantum'"),
    (["estimate", "--target", "majority", "--n", "0"], "argument --n: must be an integer in [1"),
])
def test_estimate_bad_arguments_exit_2_with_a_message(capsys, argv, message):
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.startswith("usage: inal-tutorial estimate")


@pytest.mark.parametrize("argv, message", [
    (["estimate", "--n", "6", "--k", "9"], "k must be an integer in [0, 6], got 9"),
    (["estimate", "--n", "4", "--embed", "3"],
     "--embed must be an integer in [4, 4096] (at least --n = 4), got 3"),
    (["estimate", "--target", "random", "--n", "30"], "n must be an integer in [1, 24]"),
])
def test_estimate_errors_of_the_library_are_one_error_line(capsys, argv, message):
    # The package's own validation (not argparse's) ends in the single line "error: ...".
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err, err


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="CUDA is present here")
def test_estimate_on_a_missing_gpu_is_a_clear_error(capsys):
    assert run_cli("estimate", "--device", "cuda") == 2
    assert "device 'cuda' is not available: this machine has no CUDA device" in \
        capsys.readouterr().err


# ---------------------------------------------------------------------------
# train
# ---------------------------------------------------------------------------


def test_train_runs_a_named_configuration_and_summarizes(capsys):
    assert run_cli("train", "noisy-gd-parity", "--steps", "4", "--seeds", "2", "--eval-every",
                   "2", "--no-progress") == 0
    out = capsys.readouterr().out
    assert "configuration: noisy-gd-parity" in out
    assert "2 seed(s) trained as one ensemble" in out
    assert "ran 4 steps" in out
    assert "final test accuracy: mean" in out
    assert "steps to 99% test accuracy per seed: -, -" in out


def test_train_stops_when_every_seed_reaches_the_target_accuracy(capsys):
    # Majority is learned almost at once (INAL ~ 1/n): the run stops long before its cap.
    assert run_cli("train", "majority", "--seeds", "2", "--hidden", "64", "--no-progress") == 0
    out = capsys.readouterr().out
    steps = int(out.split("ran ")[1].split(" steps")[0])
    assert 0 < steps < cli.TRAINING_CONFIGS["majority"].train_options["steps"]
    reached = out.split("test accuracy per seed: ")[1].split()[0:2]
    assert all(s.strip(",").isdigit() for s in reached), out


def test_training_configurations_are_valid():
    for name, config in cli.TRAINING_CONFIGS.items():
        target = cli.make_target(config.target, config.n, config.k)
        assert target.n == config.n, name
        assert config.train_options["steps"] >= 1 and config.train_options["lr"] > 0
    sparse = cli.TRAINING_CONFIGS["sparse-parity"]
    assert (sparse.n, sparse.k, sparse.hidden) == (40, 3, (1000,))
    assert sparse.train_options == dict(steps=100_000, lr=0.1, loss="hinge", batch_size=32,
                                        train_size=1000, weight_decay=0.01, stop_accuracy=0.99,
                                        eval_every=250)


@pytest.mark.parametrize("argv, message", [
    (["train", "no-such-config"], "argument CONFIG: invalid choice: 'no-such-config'"),
    (["train", "majority", "--seeds", "0"], "argument --seeds: must be an integer in [1, 4096]"),
    (["train", "majority", "--lr", "0"], "argument --lr: must be a finite number > 0"),
    (["train", "majority", "--lr", "-0.1"], "argument --lr: must be a finite number > 0"),
    (["train", "majority", "--steps", "1.5"], "argument --steps: expected an integer"),
    (["train"], "the following arguments are required: CONFIG"),
])
def test_train_bad_arguments_exit_2_with_a_message(capsys, argv, message):
    assert run_cli(*argv) == 2
    assert message in capsys.readouterr().err


# ---------------------------------------------------------------------------
# figure
# ---------------------------------------------------------------------------


@pytest.fixture
def tiny_figure(monkeypatch):
    """A registered figure that draws a seeded line: the CLI's path without a costly build."""
    registry = dict(plotting.registry())
    monkeypatch.setattr(plotting, "_REGISTRY", registry)
    calls = []

    @plotting.register_figure("test-tiny-line", "tests", "a line through the seed")
    def build(scale="small", seed=0):
        import matplotlib.pyplot as plt

        calls.append((scale, seed))
        fig, ax = plt.subplots(figsize=(2, 2) if scale == "small" else (4, 4))
        ax.plot([0, 1], [seed, seed + 1])
        return fig

    return calls


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"),
                                           (".svg", b"<?xml")])
def test_figure_writes_the_file_at_the_requested_scale(tmp_path, capsys, tiny_figure, suffix,
                                                       magic):
    output = tmp_path / f"line{suffix}"
    assert run_cli("figure", "test-tiny-line", "--scale", "large", "--seed", "5",
                   "--output", str(output)) == 0
    assert output.read_bytes().startswith(magic)
    assert tiny_figure == [("large", 5)]
    assert f"wrote {output}" in capsys.readouterr().out


def test_figure_default_output_is_name_png(tmp_path, monkeypatch, tiny_figure):
    monkeypatch.chdir(tmp_path)
    assert run_cli("figure", "test-tiny-line") == 0
    assert (tmp_path / "test-tiny-line.png").read_bytes().startswith(b"\x89PNG")
    assert tiny_figure == [("small", 0)]


def test_figure_list_shows_every_registered_figure(capsys, tiny_figure):
    assert run_cli("figure", "--list") == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["NAME", "SMALL", "LARGE"]
    names = [line.split()[0] for line in lines]
    assert names == sorted(plotting.figure_names())
    assert any(line.startswith("test-tiny-line") and "[tests] a line through the seed" in line
               for line in lines)


@pytest.mark.parametrize("argv, message", [
    (["figure"], "give a figure NAME, or --list to list them"),
    (["figure", "test-tiny-lin"], "unknown figure 'test-tiny-lin'; did you mean test-tiny-line?"),
    (["figure", "zzzzzzzz"], "run 'inal-tutorial figure --list' to list them"),
    (["figure", "test-tiny-line", "--scale", "huge"], "argument --scale: invalid choice: 'huge'"),
    (["figure", "test-tiny-line", "--output", "out.jpg2"], "--output must end in one of"),
    (["figure", "test-tiny-line", "--output", "/no/such/dir/x.png"],
     "directory '/no/such/dir' does not exist"),
])
def test_figure_bad_arguments_exit_2_with_a_message(capsys, tiny_figure, argv, message):
    assert run_cli(*argv) == 2
    assert message in capsys.readouterr().err
    assert tiny_figure == []


# ---------------------------------------------------------------------------
# the program itself: python -m, --help of each sub-command, info
# ---------------------------------------------------------------------------


def test_no_command_is_an_error(capsys):
    assert run_cli() == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["estimate", "train", "figure", "sweep", "info"])
def test_every_sub_command_has_help(capsys, command):
    assert run_cli(command, "--help") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: inal-tutorial {command}")


def test_info_reports_devices_and_the_transform_backend(capsys):
    assert run_cli("info") == 0
    out = capsys.readouterr().out
    assert "Walsh-Hadamard transform on the CPU:" in out
    assert "CUDA devices:" in out


def test_version(capsys):
    assert run_cli("--version") == 0
    assert capsys.readouterr().out.strip() == f"inal-tutorial {it.__version__}"


def test_python_dash_m_runs_the_cli_and_exits_2_on_bad_arguments():
    env = dict(os.environ, TQDM_DISABLE="1", MPLBACKEND="Agg")
    bad = subprocess.run([sys.executable, "-m", "inal_tutorial", "figure", "--scale", "tiny"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert bad.stderr.startswith("usage: inal-tutorial figure")
    assert "argument --scale: invalid choice: 'tiny'" in bad.stderr


# ---------------------------------------------------------------------------
# for researchers (issue 15, item 6): a fast --help, JSON, progress, styles, executors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--help"], ["figure", "--help"], ["train", "--help"],
                                  ["estimate", "--n", "0"], ["estimate", "--device", "tpu"],
                                  ["figure", "--workers", "0"]])
def test_help_and_argument_errors_do_not_import_torch(argv):
    code = ("import sys\nfrom inal_tutorial import cli\ntry:\n    cli.main(sys.argv[1:])\n"
            "except SystemExit as e:\n    code = e.code\n"
            "print('torch' in sys.modules, 'numpy' in sys.modules, code)")
    out = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split()[-3:] == ["False", "False", "0" if "--help" in argv else "2"]


def test_import_of_the_package_is_lazy_and_complete():
    code = ("import sys; import inal_tutorial as it; assert 'torch' not in sys.modules; "
            "it.Parity; assert 'torch' in sys.modules; ns = {}; "
            "exec('from inal_tutorial import *', ns); "
            "print(sorted(set(it.__all__) - set(ns)), 'heldout_sweep' in dir(it), "
            "it.exercises.fourier.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["[]", "True", "inal_tutorial.exercises.fourier"]


def test_every_public_name_of_the_modules_is_flat():
    import importlib

    for module in it._MODULES:
        mod = importlib.import_module(f"inal_tutorial.{module}")
        for name in mod.__all__:
            assert name in it.__all__, (module, name)
            assert getattr(it, name) is getattr(mod, name) or name in {
                n for m in it._MODULES[it._MODULES.index(module) + 1:]
                for n in importlib.import_module(f"inal_tutorial.{m}").__all__}


def test_architecture_choices_match_the_networks():
    from inal_tutorial import networks

    assert set(cli.ACTIVATIONS) == set(networks.ACTIVATIONS)
    assert tuple(cli.INITIALIZATIONS) == tuple(networks.INITIALIZATIONS)
    assert tuple(cli.BIAS_LAWS) == tuple(networks.BIAS_LAWS)


def test_every_option_has_help_text():
    import argparse

    parser = cli.build_parser()
    parsers = [parser, *parser._subparsers._group_actions[0].choices.values()]
    missing = [(p.prog, a.dest) for p in parsers for a in p._actions
               if not isinstance(a, argparse._SubParsersAction) and not a.help]
    assert missing == []


def test_train_json_reports_every_seed(capsys):
    assert run_cli("train", "noisy-gd-parity", "--steps", "4", "--seeds", "2", "--eval-every",
                   "2", "--json") == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["config"] == "noisy-gd-parity" and report["steps"] == 4
    assert len(report["final_accuracy"]) == 2 and len(report["final_correlation"]) == 2
    assert report["steps_to_threshold"] == [None, None]
    assert report["curve_steps"][0] == 0 and report["curve_steps"][-1] == 4
    assert captured.err == ""  # no progress bar


def test_progress_bars_only_on_a_terminal(monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not cli._progress_enabled()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert cli._progress_enabled() and not cli._progress_enabled(False)
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert not cli._progress_enabled()


def test_train_prints_no_bar_when_stderr_is_not_a_terminal(capsys):
    assert run_cli("train", "noisy-gd-parity", "--steps", "20", "--eval-every", "5") == 0
    assert "it/s" not in capsys.readouterr().err and "%|" not in capsys.readouterr().err


def test_sampled_inal_whose_interval_contains_0_warns(capsys):
    assert run_cli("estimate", "--target", "parity", "--n", "24", "--k", "4", "--hidden", "16",
                   "--n-init", "4", "--samples", "100", "--json") == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    lo, hi = report["ci95"]
    assert lo <= 0 <= hi
    assert "warning: the 95% confidence interval" in captured.err
    assert "raise --samples" in captured.err and report["warning"].startswith("the 95%")


def test_exact_or_resolved_inal_does_not_warn(capsys):
    assert run_cli("estimate", "--target", "majority", "--n", "9", "--hidden", "16",
                   "--n-init", "4") == 0
    assert "warning" not in capsys.readouterr().err
    assert run_cli("estimate", "--target", "majority", "--n", "25", "--hidden", "16",
                   "--n-init", "4", "--samples", "20000") == 0
    assert "warning" not in capsys.readouterr().err


def test_figure_names_are_in_one_style():
    import re

    from inal_tutorial import figures

    names = plotting.figure_names()
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) for name in names), names
    assert all(new in names for new in figures.FIGURE_ALIASES.values())
    assert figures.canonical_name("heldout_sweep") == "heldout-sweep"


def test_figure_accepts_a_former_name(tmp_path, capsys, tiny_figure, monkeypatch):
    from inal_tutorial import figures

    monkeypatch.setitem(figures.FIGURE_ALIASES, "test_tiny_line", "test-tiny-line")
    assert run_cli("figure", "test_tiny_line", "-o", str(tmp_path / "a.png")) == 0
    assert "now called 'test-tiny-line'" in capsys.readouterr().err


def test_figure_prints_its_cost_before_it_starts(tmp_path, capsys, tiny_figure, monkeypatch):
    from inal_tutorial import figures

    monkeypatch.setitem(figures.FIGURE_COSTS, "test-tiny-line", (3.0, 240.0))
    assert run_cli("figure", "test-tiny-line", "--scale", "large",
                   "-o", str(tmp_path / "a.png")) == 0
    err = capsys.readouterr().err
    assert "computing figure 'test-tiny-line' at scale large" in err and "~4 min" in err
    assert run_cli("figure", "--list") == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("test-tiny"))
    assert line.split()[1:3] == ["~3", "s"] and "~4 min" in line


def test_the_cost_table_names_registered_figures_only():
    from inal_tutorial import figures

    names = set(plotting.figure_names())
    assert set(figures.FIGURE_COSTS) <= names  # a renamed figure keeps its cost
    assert figures.describe_cost("fourier-majority", "small") in ("< 1 s", "~1 s")
    assert figures.describe_cost("digits-grid", "small").startswith("> ")
    assert figures.describe_cost("no-such-figure", "large") == "?"


def test_paper_style_is_opaque_white_with_black_text():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    from inal_tutorial import figures

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1], color="#0072B2")
    ax.set_xlabel("x", color="#808080")
    ax.set_title("t", color="#1f1f1f")
    ax.set_facecolor("none")
    fig.patch.set_alpha(0.0)
    figures.apply_style(fig, "paper")
    assert to_rgba(fig.patch.get_facecolor()) == (1, 1, 1, 1)
    assert to_rgba(ax.patch.get_facecolor()) == (1, 1, 1, 1)
    assert to_rgba(ax.xaxis.label.get_color()) == (0, 0, 0, 1)
    assert to_rgba(ax.title.get_color()) == (0, 0, 0, 1)
    assert line.get_color() == "#0072B2"  # data colours are kept
    with pytest.raises(ValueError, match="style must be one of"):
        figures.apply_style(fig, "poster")
    plt.close(fig)


def test_figure_paper_style_writes_an_opaque_png(tmp_path, tiny_figure):
    import matplotlib.image

    output = tmp_path / "paper.png"
    assert run_cli("figure", "test-tiny-line", "--style", "paper", "-o", str(output)) == 0
    pixels = matplotlib.image.imread(output)
    assert pixels.shape[2] in (3, 4)
    assert (pixels[0, 0, :3] == 1).all() and (pixels.shape[2] == 3 or pixels[0, 0, 3] == 1)


def test_figure_runs_under_the_requested_executor(tmp_path, monkeypatch, capsys):
    from inal_tutorial import executors

    registry = dict(plotting.registry())
    monkeypatch.setattr(plotting, "_REGISTRY", registry)
    seen = []

    @plotting.register_figure("test-executor", "tests", "records the default executor")
    def build(scale="small", seed=0):
        import matplotlib.pyplot as plt

        seen.append(executors.describe_executor())
        return plt.figure(figsize=(1, 1))

    assert run_cli("figure", "test-executor", "--workers", "2",
                   "-o", str(tmp_path / "a.png")) == 0
    assert seen == ["ProcessPoolExecutor"]
    assert "running on 2 local worker processes" in capsys.readouterr().err
    assert executors.describe_executor() == "serial (this process)"


@pytest.mark.parametrize("argv, message", [
    (["figure", "x", "--workers", "2", "--scheduler", "dask"], "not allowed with argument"),
    (["figure", "x", "--scheduler", "localhost"], "expected 'dask' or an address"),
    (["figure", "x", "--style", "poster"], "argument --style: invalid choice: 'poster'"),
])
def test_figure_executor_and_style_arguments_are_checked(capsys, argv, message):
    assert run_cli(*argv) == 2
    assert message in capsys.readouterr().err


def test_sweep_writes_the_records_of_the_library_as_json(tmp_path, capsys, monkeypatch):
    from inal_tutorial import experiments

    tiny = dict(ns=(9,), hidden=(8,), n_seeds=2, train_per_n2=2, steps_per_n2=0.2,
                batch_size=8, holdout_size=100)
    monkeypatch.setitem(experiments.HELDOUT_SETTINGS, "small", tiny)
    output = tmp_path / "heldout.json"
    assert run_cli("sweep", "heldout", "--seed", "3", "--output", str(output)) == 0
    report = json.loads(output.read_text())
    assert report["function"] == "heldout_sweep" and report["settings"]["ns"] == [9]
    expected = it.as_rows(it.heldout_sweep(**tiny, seed=3, progress=False))
    assert report["records"] == json.loads(json.dumps(expected))
    assert "on serial (this process)" in capsys.readouterr().err


def test_sweep_names_every_settings_table():
    import importlib

    for name, (module, function, settings, _) in cli.SWEEPS.items():
        mod = importlib.import_module(f"inal_tutorial.{module}")
        assert "executor" in __import__("inspect").signature(getattr(mod, function)).parameters
        assert set(getattr(mod, settings)) == {"small", "large"}, name
