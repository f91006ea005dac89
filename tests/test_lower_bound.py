"""Tests of inal_tutorial.lower_bound: each step of the noisy-GD bound, checked numerically."""

import math

import numpy as np
import pytest
import torch
from scipy import integrate
from scipy.stats import norm

import inal_tutorial as it
from inal_tutorial import lower_bound as lb
from inal_tutorial.training import flat_gradient


def _parities(n, k):
    return lb.class_tables([it.Parity(n, s) for s in _subsets(n, k)])


def _subsets(n, k):
    from itertools import combinations

    return [list(c) for c in combinations(range(n), k)]


# ---------------------------------------------------------------------------
# The class: CP, operator norm, Hilbert-Schmidt
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n, k", [(6, 1), (6, 2), (7, 3)])
def test_k_parities_have_cp_and_operator_norm_one_over_binomial(n, k):
    tables = _parities(n, k)
    assert lb.class_cross_predictability(tables) == pytest.approx(1 / math.comb(n, k), rel=1e-12)
    assert lb.correlation_operator_norm(tables) == pytest.approx(1 / math.comb(n, k), rel=1e-12)


def test_cp_matches_the_sq_module_when_present():
    tables = _parities(6, 2)
    if not hasattr(it, "cross_predictability"):
        pytest.skip("inal_tutorial.sq.cross_predictability is not available in this checkout")
    assert lb.class_cross_predictability(tables) == pytest.approx(it.cross_predictability(tables),
                                                                  rel=1e-12)


def test_operator_norm_is_the_max_second_moment_and_at_most_sqrt_cp():
    # A non-orthogonal class: the sign-flip orbit of majority on 5 bits.
    n = 5
    maj = it.Majority(n)
    targets = [it.Transformed(maj, signs=[1 - 2 * ((m >> j) & 1) for j in range(n)])
               for m in range(2**n)]
    tables = lb.class_tables(targets)
    lam, cp = lb.correlation_operator_norm(tables), lb.class_cross_predictability(tables)
    assert lam <= math.sqrt(cp) + 1e-12
    assert lam > cp  # strictly between CP and sqrt(CP) here
    gen = torch.Generator().manual_seed(0)
    g = torch.randn(500, 2**n, generator=gen, dtype=torch.float64)
    norms = g.square().mean(dim=1)
    moments = lb.correlation_second_moment(tables, g)
    assert bool((moments <= lam * norms * (1 + 1e-12)).all())
    # The top eigenvector of K attains lambda.
    gram = lb.class_gram(tables)
    _, vecs = torch.linalg.eigh(gram)
    top = vecs[:, -1] @ tables  # a function in the span of the class
    ratio = lb.correlation_second_moment(tables, top) / top.square().mean()
    assert float(ratio) == pytest.approx(lam, rel=1e-10)


def test_class_tables_validation():
    with pytest.raises(ValueError, match="empty"):
        lb.class_tables([])
    with pytest.raises(ValueError, match="share n"):
        lb.class_tables([it.Parity(3, k=1), it.Parity(4, k=1)])
    with pytest.raises(ValueError, match="length 2\\^n"):
        lb.class_tables(torch.ones(2, 6))
    with pytest.raises(ValueError, match="last axis"):
        lb.correlation_second_moment(_parities(4, 1), torch.ones(3))


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------


def _net(n=5, width=6, m=3, seed=0):
    return it.MLPEnsemble(n, (width,), n_models=m, seed=seed, dtype=torch.float64)


def test_output_jacobian_matches_per_input_autograd():
    net, n = _net(), 5
    x = it.all_inputs(n, dtype=torch.float64)
    jac = lb.output_jacobian(net, x, chunk_size=7)
    params = list(net.parameters())
    assert jac.shape == (3, 32, sum(p[0].numel() for p in params))
    for i in (0, 13, 31):
        out = net(x[i:i + 1])  # (M, 1)
        grads = torch.autograd.grad(out.sum(), params)
        torch.testing.assert_close(jac[:, i], flat_gradient(grads), rtol=1e-12, atol=1e-14)


def test_square_loss_gradient_splits_into_junk_part_and_label_part():
    net, n = _net(), 5
    x = it.all_inputs(n, dtype=torch.float64)
    tables = _parities(n, 2)
    jac = lb.output_jacobian(net, x)
    with torch.no_grad():
        out = net(x)
    g0 = lb.junk_gradient(jac, out)
    auto0, _ = it.loss_gradient(net, x, torch.zeros(2**n, dtype=torch.float64))
    torch.testing.assert_close(g0, flat_gradient(auto0), rtol=1e-12, atol=1e-14)
    h = lb.label_dependent_gradient(jac, tables)
    for c in (0, 4, 9):
        auto, _ = it.loss_gradient(net, x, tables[c])
        torch.testing.assert_close(flat_gradient(auto), g0 - 2 * h[:, c], rtol=1e-12, atol=1e-14)
    # Linear in F: h of a combination is the combination of h's.
    mix = 0.3 * tables[1] - 2.0 * tables[7]
    torch.testing.assert_close(lb.label_dependent_gradient(jac, mix[None])[:, 0],
                               0.3 * h[:, 1] - 2.0 * h[:, 7], rtol=1e-12, atol=1e-14)


def test_fourier_shortcut_for_parities_equals_the_generic_product():
    net, n = _net(6, 8, 2), 6
    x = it.all_inputs(n, dtype=torch.float64)
    jac = lb.output_jacobian(net, x)
    jac_hat = it.walsh_coefficients(jac.transpose(1, 2))
    tables = _parities(n, 3)
    terms = lb._ClassTerms(tables)
    assert terms.sparse
    torch.testing.assert_close(terms.h(jac_hat), lb.label_dependent_gradient(jac, tables),
                               rtol=1e-10, atol=1e-14)
    # A class that is not a set of characters takes the product path.
    dense = lb._ClassTerms(lb.class_tables([it.Majority(6, range(5)), it.Majority(6)]))
    assert not dense.sparse
    torch.testing.assert_close(dense.h(jac_hat), lb.label_dependent_gradient(jac, dense.tables),
                               rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------------------
# Divergences
# ---------------------------------------------------------------------------


def test_gaussian_kl_matches_monte_carlo_log_likelihood_ratio():
    gen = torch.Generator().manual_seed(0)
    mu_p = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
    mu_q, s = torch.tensor([0.0, 0.1, 0.2], dtype=torch.float64), 0.7
    kl = float(lb.gaussian_kl(mu_p, mu_q, s))
    assert kl == pytest.approx(float((mu_p - mu_q).square().sum()) / (2 * s**2), rel=1e-12)
    z = mu_p + s * torch.randn(200_000, 3, generator=gen, dtype=torch.float64)
    llr = ((z - mu_q.double()).square().sum(1) - (z - mu_p.double()).square().sum(1)) / (2 * s**2)
    assert float(llr.mean()) == pytest.approx(kl, abs=4 * float(llr.std()) / math.sqrt(2e5))


def test_gaussian_tv_matches_numerical_integration_and_pinsker_holds():
    mu_p = torch.tensor([0.0, 0.0], dtype=torch.float64)
    mu_q, s = torch.tensor([0.6, 0.8], dtype=torch.float64), 0.9  # distance 1
    tv = float(lb.gaussian_tv(mu_p, mu_q, s))
    # Along the line joining the means the problem is one-dimensional.
    value, _ = integrate.quad(lambda u: abs(norm.pdf(u, 0, s) - norm.pdf(u, 1, s)), -20, 20)
    assert tv == pytest.approx(value / 2, rel=1e-8)
    for delta in np.linspace(0.01, 5, 50):
        kl = delta**2 / 2
        assert 2 * norm.cdf(delta / 2) - 1 <= lb.pinsker_bound(kl) + 1e-15
    with pytest.raises(ValueError, match="kl"):
        lb.pinsker_bound(-1.0)
    with pytest.raises(ValueError, match="std"):
        lb.gaussian_kl(mu_p, mu_q, 0.0)


def test_success_bound_formula_and_cap():
    assert lb.success_bound(0.0, 0.04) == pytest.approx(0.6)
    assert lb.success_bound(0.02, 0.0) == pytest.approx(0.6)
    assert lb.success_bound(100.0, 0.5) == 1.0
    with pytest.raises(ValueError, match="lam"):
        lb.success_bound(0.1, 1.5)


# ---------------------------------------------------------------------------
# Every inequality on a real trajectory
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def traces():
    n = 8
    classes = {k: _parities(n, k) for k in (1, 3)}
    net = it.MLPEnsemble(n, (12,), n_models=6, seed=0, dtype=torch.float64)
    return lb.trace_junk_runs(net, classes, steps=25, lr=0.1, noise_std=0.5, clip=0.05,
                              seed=1, n_checked=2)


def test_every_inequality_of_the_chain_holds_at_every_step(traces):
    for trace in traces.values():
        tol = 1e-12
        assert trace.kl_step.shape == (25, 6)
        assert (trace.gradient_residual < 1e-10).all()            # grad L_F = grad L_0 - 2 h_F
        assert (trace.clip_excess <= tol).all()                     # clipping is 1-Lipschitz
        assert (trace.kl_step <= trace.kl_unclipped * (1 + tol)).all()
        assert (trace.worst_moment_ratio <= trace.lam * (1 + 1e-9)).all()   # E_F<F,g>^2 <= lam |g|^2
        assert (trace.kl_unclipped <= trace.operator_term * (1 + tol)).all()
        assert trace.lam <= math.sqrt(trace.cp) * (1 + tol)
        assert (trace.operator_term <= trace.hs_term * (1 + tol)).all()
        assert (trace.hs_term <= trace.coordinate_term * (1 + tol)).all()
        assert (trace.tv_step <= np.sqrt(trace.kl_step / 2) + tol).all()     # Pinsker, per step
        assert (trace.junk_success <= 0.5 + 0.5 * math.sqrt(trace.lam) + tol).all()
        totals = list(trace.kl_totals().values())
        assert all(a <= b * (1 + tol) for a, b in zip(totals, totals[1:], strict=False))
        bounds = list(trace.success_bounds().values())
        assert all(a <= b + tol for a, b in zip(bounds, bounds[1:], strict=False))


def test_clipping_is_active_so_the_first_inequality_is_strict(traces):
    trace = traces[1]
    assert trace.kl_step.sum() < 0.9 * trace.kl_unclipped.sum()


def test_chain_rule_log_likelihood_ratio_averages_to_the_summed_kl(traces):
    for trace in traces.values():
        mean, se = trace.log_ratio_total()
        kl = trace.kl_totals()["exact (clipped)"]
        assert abs(mean - kl) <= 4 * se + 1e-12
        assert se > 0


def test_measured_success_is_below_the_bound():
    n, steps, lr, sigma, clip = 8, 25, 0.1, 0.5, 0.05
    tables = _parities(n, 3)
    net = it.MLPEnsemble(n, (12,), n_models=6, seed=0, dtype=torch.float64)
    trace = lb.trace_junk_run(net, tables, steps=steps, lr=lr, noise_std=sigma, clip=clip,
                              seed=1)
    bound = trace.success_bounds()["exact (clipped)"]
    assert bound < 1.0  # the bound says something here
    accuracy = []
    for support in ([0, 1, 2], [2, 5, 7], [1, 3, 6]):
        model = it.MLPEnsemble(n, (12,), n_models=6, seed=3, dtype=torch.float64)
        history = it.noisy_gd(model, it.Parity(n, support), steps=steps, lr=lr, noise_std=sigma,
                              clip=clip, seed=4, progress=False)
        accuracy.append(history.final("accuracy"))
    assert float(np.mean(accuracy)) <= bound


def test_trace_validation():
    net = _net()
    with pytest.raises(ValueError, match="noise_std"):
        lb.trace_junk_run(net, _parities(5, 1), steps=2, lr=0.1, noise_std=0.0)
    with pytest.raises(ValueError, match="lr"):
        lb.trace_junk_run(net, _parities(5, 1), steps=2, lr=-1.0, noise_std=1.0)
    with pytest.raises(TypeError, match="mapping"):
        lb.trace_junk_runs(net, [], steps=2, lr=0.1, noise_std=1.0)
    with pytest.raises(ValueError, match="same n"):
        lb.trace_junk_runs(net, {"a": _parities(5, 1), "b": _parities(4, 1)}, steps=2, lr=0.1,
                           noise_std=1.0)
