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
    lines = capsys.readouterr().out.splitlines()
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


@pytest.mark.parametrize("command", ["estimate", "train", "figure", "info"])
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
