"""Tests of the sphere module: dimensions, Gegenbauer polynomials, Funk–Hecke profile."""

import math

import numpy as np
import pytest
import torch
from scipy import special

import inal_tutorial as it
from inal_tutorial import sphere_experiments as sx


def test_harmonic_dimension_small_cases_and_formula():
    assert [it.harmonic_dimension(3, k) for k in range(5)] == [1, 3, 5, 7, 9]
    assert [it.harmonic_dimension(2, k) for k in range(4)] == [1, 2, 2, 2]
    assert it.harmonic_dimension(4, 2) == 9          # (k + 1)^2 on S^3
    for n in (3, 5, 10, 40):
        for k in range(1, 8):
            closed = (2 * k + n - 2) * math.comb(k + n - 3, k - 1) // k
            assert it.harmonic_dimension(n, k) == closed
        # The polynomials of degree <= k restricted to the sphere: N(n,k) + N(n,k-1).
        assert (it.harmonic_dimension(n, 6) + it.harmonic_dimension(n, 5)
                == math.comb(n + 5, 6) + math.comb(n + 4, 5) - math.comb(n + 3, 4)
                - math.comb(n + 2, 3))


def test_legendre_matches_scipy_gegenbauer_normalized():
    t = np.linspace(-1, 1, 11)
    for n in (3, 4, 9, 30):
        lam = (n - 2) / 2
        for k in range(6):
            ref = special.eval_gegenbauer(k, lam, t) / special.eval_gegenbauer(k, lam, 1.0)
            np.testing.assert_allclose(it.legendre_polynomial(k, n, t), ref, atol=1e-12)
    np.testing.assert_allclose(it.legendre_polynomial(4, 3, t), special.eval_legendre(4, t),
                               atol=1e-12)
    np.testing.assert_allclose(it.legendre_polynomial(5, 2, t), np.cos(5 * np.arccos(t)),
                               atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 60])
def test_orthogonality_by_quadrature(n):
    t, w = it.sphere_quadrature(n, 200)
    gram = np.array([[w @ (it.legendre_polynomial(k, n, t) * it.legendre_polynomial(j, n, t))
                      for j in range(7)] for k in range(7)])
    expected = np.diag([1 / it.harmonic_dimension(n, k) for k in range(7)])
    np.testing.assert_allclose(gram, expected, atol=1e-12)


def test_quadrature_matches_monte_carlo_moments():
    x = it.sample_sphere(6, 200_000, seed=1)
    t, w = it.sphere_quadrature(6)
    assert abs(float((x[:, 0] ** 2).mean()) - w @ t**2) < 3e-3
    assert abs(w @ t**2 - 1 / 6) < 1e-12
    assert abs(w @ t**4 - 3 / (6 * 8)) < 1e-12


def test_targets_have_unit_norm_and_are_orthogonal():
    x = it.sample_sphere(7, 200_000, seed=2)
    for k in (1, 2, 3):
        for f in (it.ZonalHarmonic(7, k, seed=3), it.CoordinateProduct(7, k)):
            assert abs(float((f(x) ** 2).mean()) - 1) < 0.03
    prod = it.CoordinateProduct(7, 2)(x)
    zon = it.ZonalHarmonic(7, 3, seed=4)(x)
    assert abs(float((prod * zon).mean())) < 0.02


def test_relu_no_bias_closed_forms():
    # lambda_1 = sqrt(n) E[t^2 1{t>0}] = 1/(2 sqrt n); Gaussian and uniform w agree (relu is
    # homogeneous and E R^2 = n); odd degrees >= 3 vanish.
    for n in (3, 10, 50):
        for weights in ("gaussian", "sphere"):
            a = it.sphere_profile(n, 3, weights=weights, bias="zero")
            assert abs(a[1] - 1 / (4 * n)) < 1e-12
            assert abs(a[3]) < 1e-14
        np.testing.assert_allclose(it.sphere_profile(n, 4, bias="zero"),
                                   it.sphere_profile(n, 4, bias="zero", weights="sphere"),
                                   rtol=1e-9, atol=1e-15)


def test_profile_sums_to_second_moment():
    # Parseval: sum_k N(n,k) A_k(n) = E[sigma^2] = E[relu(X)^2], X ~ N(0, 2), = 1.
    n = 5
    a = it.sphere_profile(n, 60)
    total = sum(it.harmonic_dimension(n, k) * a[k] for k in range(61))
    assert abs(total - 1.0) < 2e-3


@pytest.mark.parametrize(("k", "n"), [(1, 6), (2, 6), (3, 4)])
def test_funk_hecke_against_monte_carlo(k, n):
    prediction = it.sphere_profile(n, k)[k]
    target = it.CoordinateProduct(n, k) if k != 2 else it.ZonalHarmonic(n, k, seed=5)
    mean, stderr = sx.sphere_first_layer_alignment(target, neurons=4096, inputs=16384,
                                                   seed=6)
    assert abs(mean - prediction) < 4 * stderr
    assert stderr < 0.2 * prediction


def test_uniform_weights_profile_against_monte_carlo():
    n, k = 5, 2
    prediction = it.sphere_profile(n, k, weights="sphere")[k]
    mean, stderr = sx.sphere_first_layer_alignment(it.CoordinateProduct(n, k), neurons=2048,
                                                   inputs=2048, weights="sphere", seed=7)
    assert abs(mean - prediction) < 4 * stderr


def test_profile_approaches_hermite_limit():
    limit = it.hermite_profile(4000, 3)
    a = it.sphere_profile(4000, 3)
    for k in (1, 2, 3):
        assert abs(a[k] / limit[k] - 1) < 0.01


def test_rotation_equivariance_exact_and_in_law():
    result = sx.rotation_training_gap(it.ZonalHarmonic(6, 2, seed=1), steps=20)
    assert result["gap"] < 1e-12
    assert result["baseline_gap"] > 1e-3
    assert result["loss_drop"] > 0
    q = sx.random_rotation(5, seed=3)
    np.testing.assert_allclose((q @ q.T).numpy(), np.eye(5), atol=1e-12)
    gaussian = sx.rotation_law_check(6, init="gaussian", n_models=2000, seed=2)
    rademacher = sx.rotation_law_check(6, init="rademacher", n_models=2000, seed=2)
    assert gaussian["pre_p"] > 0.01 and gaussian["out_p"] > 0.01
    assert rademacher["pre_p"] < 1e-6


def test_steps_experiment_records_and_censoring():
    records = sx.sphere_steps_experiment((6, 8), (1,), n_seeds=2, width=16, max_steps=200,
                                         eval_every=5)
    assert len(records) == 6
    assert all(r["learned"] == 1.0 for r in records)
    censored = sx.sphere_steps_experiment((6,), (2,), n_seeds=2, width=16, max_steps=5,
                                          eval_every=5)
    assert all(np.isinf(r["steps"]).all() for r in censored)
    slope = sx.sphere_slope_interval(records, "zonal, k=1")
    assert slope[1] <= slope[0] <= slope[2]


def test_bad_inputs():
    with pytest.raises(ValueError, match="n"):
        it.harmonic_dimension(1, 2)
    with pytest.raises(ValueError, match="k"):
        it.legendre_polynomial(-1, 3, [0.5])
    with pytest.raises(ValueError, match="weights"):
        it.sphere_profile(5, 2, weights="rademacher")
    with pytest.raises(ValueError, match="degree"):
        it.CoordinateProduct(3, 4)
    with pytest.raises(ValueError, match="direction"):
        it.ZonalHarmonic(3, 1, direction=[0, 0, 0])
    with pytest.raises(ValueError, match="lr"):
        sx.sphere_steps_experiment((6,), (1,), lr=-1.0)
    with pytest.raises(TypeError, match="target"):
        sx.sphere_first_layer_alignment("x")
    with pytest.raises(ValueError, match="x must"):
        it.CoordinateProduct(3, 1)(torch.zeros(2, 4))


def test_clipping_norm_keeps_rotation_equivariance_coordinate_does_not():
    target = it.ZonalHarmonic(8, 2, seed=3)
    free = sx.rotation_training_gap(target, steps=20, lr=0.1)
    norm = sx.rotation_training_gap(target, steps=20, lr=0.1, clip=0.05, clip_mode="norm")
    coord = sx.rotation_training_gap(target, steps=20, lr=0.1, clip=0.01,
                                     clip_mode="coordinate")
    assert norm["gap"] < 1e-12 and coord["gap"] > 1e-3
    # the clipping binds at these levels (less progress than without it)
    assert norm["loss_drop"] < free["loss_drop"] - 0.1
    assert coord["loss_drop"] < free["loss_drop"] - 0.1
    with pytest.raises(ValueError, match="clip"):
        sx.rotation_training_gap(target, clip=-1.0)
    with pytest.raises(ValueError, match="clip_mode"):
        sx.rotation_training_gap(target, clip=1.0, clip_mode="rows")


def test_random_rotations_are_orthogonal_with_haar_moments():
    q = sx.random_rotations(4, 3000, seed=0)
    eye = torch.eye(4, dtype=torch.float64)
    assert torch.allclose(q @ q.transpose(1, 2), eye.expand(3000, 4, 4), atol=1e-12)
    # Haar: E[Q_00^2] = 1/n, E[Q_00] = 0, det = +-1 with probability 1/2 each
    assert abs(float(q[:, 0, 0].pow(2).mean()) - 0.25) < 0.02
    assert abs(float(q[:, 0, 0].mean())) < 0.03
    assert abs(float((torch.linalg.det(q) > 0).double().mean()) - 0.5) < 0.05


def test_orbit_cross_predictability_formula_and_monte_carlo():
    # (Z^1 + Z^2)/sqrt(2) at n = 5: (1/4)(1/N(5,1) + 1/N(5,2)) = (1/5 + 1/14)/4
    exact = it.sphere_orbit_cross_predictability(5, [0.0, 0.5, 0.5])
    assert exact == pytest.approx((1 / 5 + 1 / 14) / 4, rel=1e-12)
    assert it.sphere_orbit_cross_predictability(7, [1.0]) == 1.0   # constants: CP = 1
    z1 = it.ZonalHarmonic(5, 1, seed=7)
    z2 = it.ZonalHarmonic(5, 2, direction=z1.direction.numpy())
    value, stderr = sx.orbit_cross_predictability_mc(
        lambda x: (z1(x) + z2(x)) / math.sqrt(2), 5, rotations=1000, inputs=2048, seed=3)
    assert abs(value - exact) < 4 * stderr and stderr < 0.1 * exact
    # a product harmonic of degree 3: 1/N(n,3); a wrong formula (1/C(n,3)) is far off
    n = 6
    value, stderr = sx.orbit_cross_predictability_mc(it.CoordinateProduct(n, 3), n,
                                                     rotations=1000, inputs=2048, seed=4)
    truth = 1 / it.harmonic_dimension(n, 3)
    assert abs(value - truth) < 4 * stderr
    assert abs(value - 1 / math.comb(n, 3)) > 4 * stderr
    with pytest.raises(ValueError, match="weights"):
        it.sphere_orbit_cross_predictability(5, [-0.1, 1.0])
    with pytest.raises(TypeError, match="target"):
        sx.orbit_cross_predictability_mc("f", 5)
    with pytest.raises(ValueError, match="rotations"):
        sx.orbit_cross_predictability_mc(z1, 5, rotations=1)
