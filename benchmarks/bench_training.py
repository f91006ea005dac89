"""Sparse-parity training: our loop against a plain PyTorch reference, seconds per seed.

The configuration (Barak et al. 2022, as in the book): a 3-parity on n = 40 bits, a fixed
training set of 1000 samples, one hidden ReLU layer of width 1000 with a linear read-out,
hinge loss, SGD with lr 0.1, weight decay 0.01 and batch 32, trained until 99 % accuracy on
a test set of 10 000 fresh samples, evaluated every 250 steps.

* ``reference``   the usual way: ``nn.Sequential(Linear, ReLU, Linear)`` per seed, a
                  ``DataLoader`` over a ``TensorDataset`` (shuffled, incomplete batches
                  dropped), ``torch.optim.SGD(weight_decay=0.01)``, evaluation on the test
                  set in one forward pass.
* ``ours x1``     ``inal_tutorial.training.train`` on an ``MLPEnsemble`` of one model.
* ``ours x8``     the same call with 8 seeds in one ensemble (stops when all 8 reach 99 %).
* ``ours x8 shared_batches``  the same with ``shared_batches=True``: the 8 models see one
                  minibatch stream (model 0's), so the first layer is one wide GEMM; the
                  seeds are then not independent in their data.
* ``lean x1``     a lean hand-written loop (not the package): the yardstick.

Every case runs once per round, in the same order, for ``--rounds`` rounds (interleaved:
A B A B ..., so that load from other processes hits all alike); tables give medians over
the rounds and ratios of medians, in wall and in CPU time (the same seeds every round,
so only the timing varies).

The reference starts from the *same* initial weights as ours (copied from the ensemble: the
book's normalized Gaussian initialization), uses the same training and test sets and the
same evaluation schedule; only the loop differs (and the order of minibatches, drawn by
each loop's own generator), so the number of steps to 99 % differs a little by chance.
Besides seconds per seed it reports milliseconds per step, which does not depend on that.

Run (from the repository root)::

    .venv/bin/python benchmarks/bench_training.py [--seeds 2] [--batched 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import common
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import inal_tutorial as it

N, K, TRAIN_SIZE, WIDTH, LR, WEIGHT_DECAY, BATCH = 40, 3, 1000, 1000, 0.1, 0.01, 32
EVAL_EVERY, TEST_SIZE, STOP = 250, 10_000, 0.99


def data(data_seed: int):
    """The training and test sets, drawn exactly as ``train`` draws them from ``data_seed``."""
    target = it.Parity(N, k=K)
    gen = it.make_generator(data_seed)
    x_train = (1 - 2 * torch.randint(0, 2, (TRAIN_SIZE, N), generator=gen)).float()
    gen = it.make_generator(data_seed + 1)
    x_test = (1 - 2 * torch.randint(0, 2, (TEST_SIZE, N), generator=gen)).float()
    return target, x_train, target(x_train), x_test, target(x_test)


def reference_run(init: it.MLPEnsemble, seed: int, data_seed: int, max_steps: int) -> dict:
    """One seed trained the usual PyTorch way, from ``init``'s weights."""
    _, x_train, y_train, x_test, y_test = data(data_seed)
    model = nn.Sequential(nn.Linear(N, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1))
    with torch.no_grad():
        model[0].weight.copy_(init.weights[0][0])
        model[0].bias.copy_(init.biases[0][0])
        model[2].weight.copy_(init.weights[1][0])
        model[2].bias.copy_(init.biases[1][0])
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=BATCH, shuffle=True,
                        drop_last=True, generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    step, accuracy = 0, 0.0
    start = time.perf_counter()
    while step < max_steps:
        for xb, yb in loader:
            loss = torch.clamp(1 - yb * model(xb).squeeze(-1), min=0).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step % EVAL_EVERY == 0:
                with torch.no_grad():
                    accuracy = float((torch.sign(model(x_test).squeeze(-1)) == y_test)
                                     .float().mean())
                if accuracy >= STOP:
                    break
            if step >= max_steps:
                break
        if accuracy >= STOP:
            break
    return {"seconds": time.perf_counter() - start, "steps": step, "accuracy": accuracy}


def lean_run(n_models: int, seed: int, data_seed: int, max_steps: int) -> dict:
    """What is achievable: the same SGD with a hand-written gradient (no autograd), in-place
    updates and in-cache evaluation chunks. A yardstick for our loop, not part of the package."""
    _, x_train, y_train, x_test, y_test = data(data_seed)
    m = n_models
    net = it.MLPEnsemble(N, (WIDTH,), n_models=m, seed=seed, output_bias=True)
    w1, b1 = net.weights[0].detach().clone(), net.biases[0].detach().clone()   # (M, W, N), (M, W)
    w2, b2 = net.weights[1].detach()[:, 0].clone(), net.biases[1].detach()[:, 0].clone()
    gens = [torch.Generator().manual_seed(seed * 1000 + i) for i in range(m)]
    orders, pos, step, accuracy = None, TRAIN_SIZE, 0, torch.zeros(m)
    start = time.perf_counter()
    while step < max_steps:
        if pos + BATCH > TRAIN_SIZE:
            orders, pos = torch.stack([torch.randperm(TRAIN_SIZE, generator=g) for g in gens]), 0
        idx = orders[:, pos:pos + BATCH]
        pos += BATCH
        x, y = x_train[idx], y_train[idx]                                     # (M, B, N), (M, B)
        pre = torch.baddbmm(b1.unsqueeze(1), x, w1.transpose(1, 2))          # (M, B, W)
        h = pre.clamp_min(0)
        out = torch.baddbmm(b2.view(m, 1, 1), h, w2.unsqueeze(-1)).squeeze(-1)
        d = torch.where(y * out < 1, -y, 0.0) / BATCH                        # d hinge / d out
        grad_w2, grad_b2 = torch.bmm(d.unsqueeze(1), h).squeeze(1), d.sum(1)
        dh = (d.unsqueeze(-1) * w2.unsqueeze(1)).mul_(pre > 0)
        grad_w1, grad_b1 = torch.bmm(dh.transpose(1, 2), x), dh.sum(1)
        for p, g in ((w1, grad_w1), (b1, grad_b1), (w2, grad_w2), (b2, grad_b2)):
            g.add_(p, alpha=WEIGHT_DECAY)
            p.add_(g, alpha=-LR)
        step += 1
        if step % EVAL_EVERY == 0:
            hits = torch.zeros(m)
            for s in range(0, TEST_SIZE, 256):
                xt = x_test[s:s + 256]
                ht = torch.addmm(b1.reshape(-1), xt, w1.reshape(-1, N).T).clamp_min_(0)
                o = (ht.view(-1, m, WIDTH) * w2).sum(-1) + b2
                hits += (torch.where(o >= 0, 1.0, -1.0) == y_test[s:s + 256, None]).sum(0)
            accuracy = hits / TEST_SIZE
            if bool((accuracy >= STOP).all()):
                break
    return {"seconds": time.perf_counter() - start, "steps": step,
            "accuracy": float(accuracy.min())}


def ours_run(n_models: int, seed: int, data_seed: int, max_steps: int,
             shared_batches: bool = False) -> dict:
    target = it.Parity(N, k=K)
    net = it.MLPEnsemble(N, (WIDTH,), n_models=n_models, seed=seed, output_bias=True)
    start = time.perf_counter()
    history = it.train(net, target, steps=max_steps, lr=LR, loss="hinge", batch_size=BATCH,
                       train_size=TRAIN_SIZE, weight_decay=WEIGHT_DECAY, seed=seed,
                       data_seed=data_seed, test_size=TEST_SIZE, eval_every=EVAL_EVERY,
                       stop_accuracy=STOP, progress=False, shared_batches=shared_batches)
    seconds = time.perf_counter() - start
    reached = history.steps_to("accuracy", STOP)
    return {"seconds": seconds, "steps": int(history.steps[-1]),
            "accuracy": float(history.final("accuracy").min()), "per_seed_steps": reached,
            "gradient": history.config["gradient"]}


def timed(run) -> dict:
    cpu0 = time.process_time()
    result = run()
    result["cpu"] = time.process_time() - cpu0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds run one by one (default 2)")
    parser.add_argument("--batched", type=int, default=8, help="seeds in one ensemble (default 8)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved repetitions of every case (default 3)")
    parser.add_argument("--max-steps", type=int, default=20_000)
    parser.add_argument("--data-seed", type=int, default=0)
    args = parser.parse_args()
    common.header("Sparse parity (n = 40, k = 3, 1000 samples, width 1000, hinge, SGD), "
                  "one thread")
    m, ds, top = args.batched, args.data_seed, args.max_steps
    inits = [it.MLPEnsemble(N, (WIDTH,), n_models=1, seed=s, output_bias=True)
             for s in range(args.seeds)]
    # One round runs every case once, in this order (A B A B ...: load hits all alike).
    cases = {}
    for s in range(args.seeds):
        cases[f"reference seed {s}"] = lambda s=s: reference_run(inits[s], s, ds, top)
        cases[f"ours x1 seed {s}"] = lambda s=s: ours_run(1, s, ds, top)
    cases[f"ours x{m} (one ensemble)"] = lambda: ours_run(m, 100, ds, top)
    cases[f"ours x{m} shared_batches"] = lambda: ours_run(m, 100, ds, top, True)
    cases["lean x1 seed 0 (yardstick)"] = lambda: lean_run(1, 0, ds, top)
    # Warm-up (library initialization, first allocations), untimed.
    reference_run(inits[0], 0, ds, 50)
    ours_run(1, 0, ds, 50)
    ours_run(m, 100, ds, 50)
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    for r in range(args.rounds):
        for name, run in cases.items():
            runs[name].append(timed(run))
        print(f"  done round {r + 1} of {args.rounds}", flush=True)
    print()
    rows = []
    for name, results in runs.items():
        first = results[0]
        rows.append([name, first["steps"], f"{first['accuracy']:.3f}",
                     first.get("gradient", "-"),
                     f"{statistics.median(x['seconds'] for x in results):.2f}",
                     f"{statistics.median(x['cpu'] for x in results):.2f}",
                     f"{statistics.median(x['cpu'] / x['steps'] for x in results) * 1e3:.3f}",
                     f"{max(x['seconds'] for x in results) / min(x['seconds'] for x in results) - 1:.0%}"])
    print(f"Medians over {args.rounds} interleaved rounds:\n")
    common.print_table(["run", "steps", "test accuracy (min)", "gradient", "wall s", "CPU s",
                        "CPU ms per step", "noise"], rows)

    def per_round(names, key):
        """Median over rounds of the per-round sum over ``names``."""
        return statistics.median(sum(runs[n][r][key] for n in names) for r in range(args.rounds))

    refs = [f"reference seed {s}" for s in range(args.seeds)]
    ours = [f"ours x1 seed {s}" for s in range(args.seeds)]
    summary = []
    for key, unit in (("seconds", "wall"), ("cpu", "CPU")):
        ref_total, ours_total = per_round(refs, key), per_round(ours, key)
        batch, shared = per_round([f"ours x{m} (one ensemble)"], key), \
            per_round([f"ours x{m} shared_batches"], key)
        ns = args.seeds
        summary += [
            [f"{unit} s per seed, one by one", f"{ref_total / ns:.2f}", f"{ours_total / ns:.2f}",
             f"{ref_total / ours_total:.2f}", ">= 3"],
            [f"{unit} s, reference's {ns} seeds vs our {m} in one ensemble", f"{ref_total:.2f}",
             f"{batch:.2f}", f"{ref_total / batch:.2f}", ">= 1"],
            [f"{unit} s, reference's {ns} seeds vs our {m}, shared_batches", f"{ref_total:.2f}",
             f"{shared:.2f}", f"{ref_total / shared:.2f}", ""],
            [f"{unit} s per seed, ours x{m} in one ensemble", f"{ref_total / ns:.2f}",
             f"{batch / m:.2f}", f"{ref_total / ns / (batch / m):.2f}", ""],
        ]
    print()
    common.print_table(["measure (medians over rounds)", "reference", "ours",
                        "ratio of medians (reference / ours)", "goal"], summary)
    for name in (f"ours x{m} (one ensemble)", f"ours x{m} shared_batches"):
        reached = runs[name][0]["per_seed_steps"]
        print(f"\nsteps to 99% of the {m} seeds, {name}: "
              + ", ".join(str(int(s)) if np.isfinite(s) else "-" for s in reached))


if __name__ == "__main__":
    main()
