"""Tests of the experiment helpers behind the chapter on noisy GD."""

import math

import numpy as np
import pytest

from inal_tutorial.figures import noisy_gd as figs
from inal_tutorial.training import FirstLayerMovement, TrainingHistory


class _FakeMovement(FirstLayerMovement):
    def __init__(self, steps, movement):
        self._fake_steps, self._fake = np.asarray(steps), np.asarray(movement, float)
        self._w0 = np.zeros((movement.shape[1], 1, movement.shape[2]))

    @property
    def steps(self):
        return self._fake_steps

    @property
    def movement(self):
        return self._fake


def _result(support_curve):
    # n = 7, support {0}: coordinate 0 moves by support_curve, the others by 1.
    steps = np.arange(1, len(support_curve) + 1) * 10
    d = np.ones((len(steps), 1, 7))
    d[:, 0, 0] = support_curve
    d[:, 0, 1:] = 1.0 + 0.1 * np.arange(6)          # band top 1.5 / mean 1.25 = 1.2
    history = TrainingHistory(np.concatenate([[0], steps]),
                              {"accuracy": np.full((len(steps) + 1, 1), 0.5)})
    return figs.SparseParityResult(history, _FakeMovement(steps, d), (0,), {})


def test_detected_is_the_first_step_from_which_the_ratio_stays_above_the_band():
    result = _result([1.0, 2.0, 1.0, 2.0, 3.0])     # crosses, falls back, crosses for good
    assert result.detected().tolist() == [40.0]
    assert _result([1.0, 1.0, 1.0]).detected().tolist() == [math.inf]
    assert result.at(30) == 2
    with pytest.raises(ValueError, match="not recorded"):
        result.at(35)


def test_learnability_targets_are_balanced():
    import inal_tutorial as it
    for target in figs.learnability_targets(11).values():
        assert it.target_mean(target) == 0.0


def _null_result(curves):
    # n = 6, support {0, 1}: groups {2, 3} and {4, 5}; curves give D_j for j = 0..5.
    d = np.asarray(curves, float).T[:, None, :]          # (R, 1, 6)
    steps = np.arange(1, d.shape[0] + 1) * 10
    history = TrainingHistory(np.concatenate([[0], steps]),
                              {"accuracy": np.full((len(steps) + 1, 1), 0.5)})
    return figs.SparseParityResult(history, _FakeMovement(steps, d), (0, 1), {})


def test_null_detected_applies_the_rule_to_each_irrelevant_group():
    ones = [1.0, 1.0, 1.0]
    result = _null_result([ones, ones, [1.0, 3.0, 3.0], [1.0, 3.0, 3.0], ones, ones])
    found = result.null_detected()
    assert found.shape == (2, 1)
    assert found[:, 0].tolist() == [20.0, math.inf]      # group {2, 3} moves from step 20
    single = _null_result([[1.0, 1.0]] * 4)               # n = 4: one group only
    with pytest.raises(ValueError, match="at least 2"):
        single.null_detected()
