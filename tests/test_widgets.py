"""The explorers: their plain functions against exact values, and the thin widget layer."""

import base64
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import inal_tutorial as it  # noqa: E402
from inal_tutorial import widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- targets -------------------------------------------------------------------------------


def test_explorer_targets_are_the_documented_functions():
    x = it.all_inputs(6)
    assert torch.equal(widgets.make_explorer_target("parity", 6, 3)(x), x[:, :3].prod(1))
    assert torch.equal(widgets.make_explorer_target("majority", 6, 3)(x),
                       torch.sign(x[:, :3].sum(1)))
    staircase = x[:, 0] + x[:, 0] * x[:, 1]
    assert torch.equal(widgets.make_explorer_target("staircase", 6, 2)(x),
                       torch.where(staircase == 0, x[:, 0], torch.sign(staircase)))
    junta = widgets.make_explorer_target("junta", 6, 2, seed=3)
    assert junta.support == (0, 1) and junta.is_boolean
    assert widgets.make_explorer_target("random", 6, 0).n == 6
    assert widgets.make_explorer_target("parity", 6, 0)(x).eq(1).all()


@pytest.mark.parametrize("kind, n, k, error, phrase", [
    ("parity", 6, 7, ValueError, "k must be an integer in \\[0, 6\\]"),
    ("majority", 6, 0, ValueError, "k must be an integer in \\[1, 6\\]"),
    ("parity", 15, 2, ValueError, "n must be an integer in \\[1, 14\\]"),
    ("tribes", 6, 2, ValueError, "unknown target"),
    ("parity", 6, 2.5, TypeError, "k must be an integer"),
])
def test_explorer_targets_reject_bad_input(kind, n, k, error, phrase):
    with pytest.raises(error, match=phrase):
        widgets.make_explorer_target(kind, n, k)


# --- INAL explorer --------------------------------------------------------------------------


def test_inal_explorer_exact_case_measured_equals_formula():
    # Rademacher weights, no bias: every neuron has the same |sigma_hat(S)|, so the
    # measured first-layer average equals the exact formula (float32 network).
    result = widgets.inal_explorer_data("parity", n=8, k=2, init="rademacher", bias="zero",
                                        width=16, n_init=4)
    assert result.profile_exact
    assert math.isclose(result.measured, result.formula, rel_tol=1e-5)
    assert result.measured_stderr < 1e-6 * result.measured


def test_inal_explorer_sign_ties_are_consistent():
    # Regression: with Rademacher weights and even n, w.x = 0 on balanced inputs; sign(0) = +1
    # must hold in the network and in the exact profile alike (rounding used to flip it).
    n = 10
    x = it.all_inputs(n, dtype=torch.float64)
    table = torch.where(x.sum(1) >= 0, 1.0, -1.0)
    exact_a2 = float(it.walsh_coefficients(table)[0b11] ** 2)  # |sigma_hat(S)|^2, |S| = 2
    result = widgets.inal_explorer_data("parity", n=n, k=2, activation="sign",
                                        init="rademacher", bias="zero", width=16, n_init=4)
    assert math.isclose(result.formula, exact_a2, rel_tol=1e-9)
    assert math.isclose(result.measured, exact_a2, rel_tol=1e-5)


def test_inal_explorer_monte_carlo_agrees_with_formula_and_hermite():
    result = widgets.inal_explorer_data("parity", n=10, k=2)
    assert not result.profile_exact
    assert abs(result.z_score) < 4
    # Hermite heuristic: accurate for fixed k as n grows (here within 15 %).
    assert abs(result.hermite_prediction / result.formula - 1) < 0.15
    np.testing.assert_allclose(result.degree_weights, np.eye(11)[2], atol=1e-12)
    # With one hidden layer the read-out has the first layer's expectation.
    assert result.inal >= result.measured


def test_inal_explorer_relu_without_bias_has_no_odd_mass_above_one():
    result = widgets.inal_explorer_data("parity", n=8, k=3, bias="zero", width=16, n_init=4)
    assert result.measured < widgets.NUMERICAL_ZERO and result.formula < widgets.NUMERICAL_ZERO
    assert result.hermite_prediction == 0.0 and result.z_score == 0.0
    lines = result.summary().splitlines()
    assert lines[3].split()[-1] == "0"  # the measured row prints 0, not round-off noise


def test_inal_explorer_formula_is_a_dot_product_with_the_degree_profile():
    result = widgets.inal_explorer_data("majority", n=7, k=5, width=16, n_init=4,
                                        n_neurons=200)
    assert math.isclose(result.formula, float(result.degree_weights @ result.profile))
    np.testing.assert_allclose(result.degree_weights[:6], it.majority_degree_profile(5),
                               atol=1e-12)


def test_inal_explorer_summary_is_rounded_and_reproducible():
    a = widgets.inal_explorer_data("parity", n=6, k=1, width=8, n_init=4, n_neurons=100)
    b = widgets.inal_explorer_data("parity", n=6, k=1, width=8, n_init=4, n_neurons=100)
    assert a.summary() == b.summary()
    text = a.summary()
    assert "parity(k=1) on n = 6 bits" in text and f"{a.measured:.3g}" in text
    assert "e-0" not in text.splitlines()[0]


@pytest.mark.parametrize("kwargs, error, phrase", [
    (dict(bias="uniform"), ValueError, "unknown bias"),
    (dict(width=0), ValueError, "width must be an integer in \\[1, 1024\\]"),
    (dict(n=15), ValueError, "n must be an integer in \\[1, 14\\]"),
    (dict(activation="swish"), ValueError, "unknown activation"),
    (dict(target="junta"), ValueError, "unknown target"),
    (dict(n_init=1), ValueError, "n_init"),
])
def test_inal_explorer_rejects_bad_input(kwargs, error, phrase):
    with pytest.raises(error, match=phrase):
        widgets.inal_explorer_data(**kwargs)


# --- Fourier explorer -----------------------------------------------------------------------


def test_fourier_explorer_majority_matches_closed_form():
    result = widgets.fourier_explorer_data("majority", n=9, k=9, top=9)
    np.testing.assert_allclose(result.degree_weights, result.theory, atol=1e-12)
    value = it.majority_coefficient(9, 1)
    assert [s for s, _ in result.top] == [(i,) for i in range(9)]
    assert all(math.isclose(v, value) for _, v in result.top)


def test_fourier_explorer_parity_junta_random_staircase():
    parity = widgets.fourier_explorer_data("parity", n=7, k=3)
    assert parity.top == [((0, 1, 2), 1.0)]
    np.testing.assert_allclose(parity.degree_weights, parity.theory, atol=1e-12)

    junta = widgets.fourier_explorer_data("junta", n=8, k=3, seed=1, top=32)
    assert all(set(s) <= {0, 1, 2} for s, _ in junta.top)
    assert math.isclose(junta.degree_weights.sum(), 1.0)
    np.testing.assert_allclose(junta.theory, [1 / 8, 3 / 8, 3 / 8, 1 / 8, 0, 0, 0, 0, 0])

    random = widgets.fourier_explorer_data("random", n=10, seed=2, top=5)
    assert math.isclose(random.degree_weights.sum(), 1.0)  # Parseval
    magnitudes = [abs(v) for _, v in random.top]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert math.isclose(random.theory.sum(), 1.0)

    staircase = widgets.fourier_explorer_data("staircase", n=6, k=4)
    assert staircase.theory is None and staircase.theory_label == ""


def test_fourier_explorer_summary_and_errors():
    text = widgets.fourier_explorer_data("parity", n=5, k=2).summary()
    assert "f^({0,1}) = +1" in text and "sum_k W^k(f) = 1 (Parseval)" in text
    with pytest.raises(ValueError, match="top must be an integer"):
        widgets.fourier_explorer_data(top=0)
    with pytest.raises(ValueError, match="unknown target"):
        widgets.fourier_explorer_data("tribes")


# --- noisy-GD explorer ----------------------------------------------------------------------


def test_noisy_gd_explorer_records_and_reproduces():
    kwargs = dict(target="majority", n=7, k=7, noise_std=0.0, lr=0.2, steps=60, n_models=3,
                  width=16)
    a = widgets.noisy_gd_explorer_data(**kwargs)
    b = widgets.noisy_gd_explorer_data(**kwargs)
    assert a.accuracy.shape == a.correlation.shape == (a.eval_steps.size, 3)
    assert a.eval_steps[0] == 0 and a.eval_steps[-1] == 60
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    # Majority has INAL Theta(1/n): plain GD learns it within a few dozen steps.
    assert a.accuracy[-1].mean() > 0.9
    assert np.isfinite(a.steps_to_accuracy(0.9)).all()
    assert a.inal > 0.01


def test_noisy_gd_explorer_accuracy_matches_a_direct_evaluation():
    result = widgets.noisy_gd_explorer_data("parity", n=6, k=2, noise_std=0.05, steps=5,
                                            n_models=2, width=8)
    network = it.MLPEnsemble(6, (8,), n_models=2, seed=0)
    target = widgets.make_explorer_target("parity", 6, 2)
    x = it.all_inputs(6)
    initial = (torch.sign(network(x)) == target(x)).double().mean(1).numpy()
    np.testing.assert_allclose(result.accuracy[0], initial)


def test_noisy_gd_explorer_large_noise_stays_at_chance():
    result = widgets.noisy_gd_explorer_data("parity", n=8, k=4, noise_std=1.0, steps=40,
                                            n_models=4, width=16)
    assert abs(result.accuracy[-1].mean() - 0.5) < 0.1
    assert not np.isfinite(result.steps_to_accuracy(0.9)).any()
    assert "0 of 4 runs reach 90 % accuracy" in result.summary()


@pytest.mark.parametrize("kwargs, phrase", [
    (dict(noise_std=-0.1), "noise_std must be in \\[0, 10\\]"),
    (dict(lr=0.0), "lr must be in \\(0, 10\\]"),
    (dict(steps=0), "steps must be an integer in \\[1, 5000\\]"),
    (dict(n=13), "n must be an integer in \\[2, 12\\]"),
    (dict(clip=0.0), "clip must be in \\(0, inf\\]"),
    (dict(target="random"), "unknown target"),
])
def test_noisy_gd_explorer_rejects_bad_input(kwargs, phrase):
    with pytest.raises(ValueError, match=phrase):
        widgets.noisy_gd_explorer_data(**kwargs)


# --- plots ------------------------------------------------------------------------------------


def test_plots_return_two_panel_figures_and_check_their_input():
    inal = widgets.inal_explorer_data("parity", n=6, k=2, width=8, n_init=4, n_neurons=100)
    zero = widgets.inal_explorer_data("parity", n=6, k=3, bias="zero", width=8, n_init=4,
                                      n_neurons=100)
    fourier = widgets.fourier_explorer_data("staircase", n=6, k=3)
    gd = widgets.noisy_gd_explorer_data("parity", n=5, k=2, steps=4, n_models=2, width=4)
    for figure in (widgets.plot_inal_explorer(inal), widgets.plot_inal_explorer(zero),
                   widgets.plot_fourier_explorer(fourier), widgets.plot_noisy_gd_explorer(gd),
                   widgets.plot_noisy_gd_explorer([gd, gd])):
        assert isinstance(figure, matplotlib.figure.Figure) and len(figure.axes) == 2
    with pytest.raises(TypeError, match="InalExplorerResult"):
        widgets.plot_inal_explorer(fourier)
    with pytest.raises(TypeError, match="FourierExplorerResult"):
        widgets.plot_fourier_explorer(inal)
    with pytest.raises(TypeError, match="NoisyGDExplorerResult"):
        widgets.plot_noisy_gd_explorer([])


def test_registered_figures_of_the_explorers_page():
    names = it.plotting.figure_names()
    assert {"explorer-inal", "explorer-fourier", "explorer-noisy-gd"} <= set(names)
    figure = it.plotting.make_figure("explorer-fourier")
    assert len(figure.axes) == 2


# --- the widget layer -------------------------------------------------------------------------


def test_explorer_calls_render_on_every_change_and_shows_errors():
    import ipywidgets as ipw

    calls = []

    def render(a, b):
        calls.append((a, b))
        if a < 0:
            raise ValueError("a must be >= 0")
        if a == 3:
            figure, axis = plt.subplots()
            return f"a = {a}", figure
        return f"a = {a}, b = {b}", None

    slider, box = ipw.IntSlider(value=1, min=-5, max=5), ipw.Text(value="x")
    explorer = widgets.Explorer("Test explorer", {"a": slider, "b": box}, render)
    assert calls == [(1, "x")] and explorer.values == {"a": 1, "b": "x"}
    assert explorer.text == "a = 1, b = x\n"
    slider.value = 2
    box.value = "y"
    assert calls[-2:] == [(2, "x"), (2, "y")] and explorer.text == "a = 2, b = y\n"
    slider.value = -1
    assert explorer.text == "cannot compute this setting: a must be >= 0\n"
    assert len(explorer.output.outputs) == 1
    slider.value = 3
    kinds = [o["output_type"] for o in explorer.output.outputs]
    assert kinds == ["stream", "display_data"]
    png = explorer.output.outputs[1]["data"]["image/png"]
    assert base64.b64decode(png)[:4] == b"\x89PNG"
    assert plt.get_fignums() == []  # the figure was closed after rendering
    assert repr(explorer) == ("Test explorer (interactive: needs a live kernel — Binder, Colab "
                              "or local Jupyter)")


def test_the_three_explorers_build_with_their_controls(monkeypatch):
    # The widgets call the plain functions; replace them to test the wiring only.
    seen = {}

    def fake(name):
        def compute(**kwargs):
            seen[name] = kwargs
            raise ValueError("not computed in this test")
        return compute

    monkeypatch.setattr(widgets, "inal_explorer_data", fake("inal"))
    monkeypatch.setattr(widgets, "fourier_explorer_data", fake("fourier"))
    monkeypatch.setattr(widgets, "noisy_gd_explorer_data", fake("gd"))
    inal = widgets.inal_explorer(n=8, k=2)
    assert set(inal.controls) == {"target", "n", "k", "activation", "init", "bias", "width"}
    assert seen["inal"]["n"] == 8 and seen["inal"]["n_init"] == 32
    inal.controls["n"].value = 5
    assert inal.controls["k"].max == 5 and inal.controls["k"].value <= 5
    fourier = widgets.fourier_explorer()
    assert set(fourier.controls) == {"target", "n", "k", "seed"}
    assert seen["fourier"]["target"] == "majority"
    gd = widgets.noisy_gd_explorer()
    assert set(gd.controls) == {"target", "n", "k", "noise_std", "lr", "steps"}
    assert math.isclose(seen["gd"]["noise_std"], 0.1) and seen["gd"]["width"] == 32
    for explorer in (inal, fourier, gd):
        assert "needs a live kernel" in repr(explorer)
        assert explorer.text == "cannot compute this setting: not computed in this test\n"


def test_a_real_explorer_shows_the_summary_and_a_figure():
    explorer = widgets.fourier_explorer("parity", n=5, k=2)
    assert explorer.text.startswith("parity(k=2) on n = 5 bits")
    assert [o["output_type"] for o in explorer.output.outputs] == ["stream", "display_data"]
    explorer.controls["target"].value = "majority"
    assert explorer.text.startswith("majority(2) on n = 5 bits")


def test_widgets_module_is_not_star_imported():
    assert not hasattr(it, "inal_explorer")
    for name in widgets.__all__:
        assert hasattr(widgets, name)
