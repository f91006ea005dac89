"""Trimming the heap during training returns memory and changes no result."""

import torch

import inal_tutorial as it
from inal_tutorial import _memory, _training_loop


def test_trimming_changes_no_result(monkeypatch):
    def run():
        net = it.MLPEnsemble(8, (16,), 2, seed=1, dtype=torch.float64)
        history = it.train(net, it.Parity(8, k=2), steps=200, lr=0.1, loss="hinge",
                           batch_size=32, seed=2, test_size=256, eval_every=1)
        return history.mean("accuracy"), [p.detach().clone() for p in net.parameters()]

    calls = []
    monkeypatch.setattr(_training_loop, "release_freed_memory",
                        lambda: calls.append(1) or _memory.release_freed_memory())
    trimmed = run()
    assert len(calls) == 200 // _training_loop.TRIM_EVERY_EVALS      # it did trim
    monkeypatch.setattr(_training_loop, "release_freed_memory", lambda: False)
    plain = run()
    assert (trimmed[0] == plain[0]).all()
    assert all(torch.equal(a, b) for a, b in zip(trimmed[1], plain[1], strict=True))


def test_release_reports_whether_it_could():
    assert isinstance(_memory.release_freed_memory(), bool)
