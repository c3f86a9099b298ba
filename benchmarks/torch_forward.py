#!/usr/bin/env python3
"""Forward phase of the spiking microcircuit's network as a batched, time-stepped PyTorch simulation (CPU).

Optional; needs PyTorch from PyPI (pip install torch; the CPU build is enough).
Simulates the same network and window as `swift run -c release benchmark forward DT SIZES` measures: LIF somas
(tau 20 ms, V_rest -65 mV, V_reset -70 mV, theta -50 mV, R 10 MOhm, t_ref 2 ms) with background noise
sigma = 4 mV integrated exactly per step, exponential synaptic currents (tau_s 20 ms; a spike through weight w
adds w/tau_s), tonic drive 2 nA, weights U(+-a) with a = 1.5 / (0.05 sqrt(n_in)) nA ms, Poisson inputs at
x * 100 Hz (one Bernoulli draw per input and step), 50 ms settling + 200 ms counted. BATCH samples run as one
batch of tensors, the way snnTorch-style code runs a spiking network: every step multiplies the batch's spike
matrix by the weights (dense), whatever the number of spikes.

Usage: python3 benchmarks/torch_forward.py [--dt 0.5] [--sizes 784-100-10] [--batch 100] [--samples 400]
       [--threads 2]
Prints PyTorch's forward-phase samples/s on the last line.
"""
import argparse
import math
import time


def torch_rate(dt, sizes, batch, samples, threads, seed=1):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    weights = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        a = 1.5 / (0.05 * math.sqrt(n_in))
        weights.append((torch.rand(n_in, n_out) * 2 - 1) * a / 20.0)  # w / tau_s, nA
    tau, tau_s, t_ref = 20.0, 20.0, 2.0
    v_rest, v_reset, theta, r_m, bias = -65.0, -70.0, -50.0, 10.0, 2.0
    mem_decay, syn_decay = math.exp(-dt / tau), math.exp(-dt / tau_s)
    noise = 4.0 / math.sqrt(2) * math.sqrt(1 - math.exp(-2 * dt / tau))
    hold = round(t_ref / dt)
    settle, steps = round(50 / dt), round(250 / dt)
    images = torch.rand(samples, sizes[0]) * 0.57  # mean 0.286, like Fashion-MNIST's pixels

    def run(x):
        p = x * 0.1 * dt  # spike probability per step at x * 100 Hz
        currents = [torch.zeros(x.shape[0], n) for n in sizes[1:]]
        v = [torch.full((x.shape[0], n), v_rest) for n in sizes[1:]]
        ref = [torch.zeros(x.shape[0], n) for n in sizes[1:]]
        counts = torch.zeros(x.shape[0], sizes[-1])
        with torch.no_grad():
            for step in range(steps):
                spikes = torch.bernoulli(p)
                for l, w in enumerate(weights):
                    currents[l] = currents[l] * syn_decay + spikes @ w
                    mu = v_rest + r_m * (bias + currents[l])
                    fresh = mu + (v[l] - mu) * mem_decay + noise * torch.randn_like(v[l])
                    fresh.masked_fill_(ref[l] > 0, v_reset)
                    fire = fresh >= theta
                    v[l] = fresh.masked_fill_(fire, v_reset)
                    ref[l] = (ref[l] - 1).clamp_(min=0).masked_fill_(fire, hold)
                    spikes = fire.float()
                if step >= settle:
                    counts += spikes
        return counts

    run(images[:batch])  # warm up
    start = time.perf_counter()
    for i in range(0, samples, batch):
        run(images[i:i + batch])
    return samples / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dt", type=float, default=0.5)
    ap.add_argument("--sizes", default="784-100-10")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--samples", type=int, default=400)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        raise SystemExit("torch_forward.py: PyTorch is not installed; pip install torch")
    sizes = [int(s) for s in args.sizes.split("-")]
    rate = torch_rate(args.dt, sizes, args.batch, args.samples, args.threads)
    print(f"{rate:.1f} forward samples/s (PyTorch, {args.sizes}, dt = {args.dt} ms, batch {args.batch}, "
          f"{args.threads} threads)")


if __name__ == "__main__":
    main()
