#!/usr/bin/env python3
"""Forward phase of the spiking microcircuit's 784-100-10 network in Brian2, beside this project's engine.

Optional; needs Brian2 from PyPI and a C compiler for its Cython target: pip install brian2 "numpy<2.4"
(Brian2 2.9.0 does not import with numpy 2.4, which removed ndarray.ptp).
Simulates the same network and window as `swift run -c release benchmark` measures: LIF somas (tau 20 ms,
V_rest -65 mV, V_reset -70 mV, theta -50 mV, R 10 MOhm, t_ref 2 ms) with background noise sigma = 4 mV,
exponential synaptic currents (tau_s 20 ms; a spike through weight w adds w/tau_s), tonic drive 2 nA, weights
U(+-a) with a = 1.5 / (0.05 sqrt(n_in)) nA ms, Poisson inputs at x * 100 Hz, 50 ms settling + 200 ms counted.
COPIES samples run side by side in one Brian2 network (one sample each), as a batched simulator would.

Usage: python3 benchmarks/brian2_forward.py [--dt 0.5] [--copies 20] [--samples 40] [--only]
It prints Brian2's forward-phase samples/s, then (unless --only) runs this project's benchmark in forward-only
mode on the same settings and prints the ratio. benchmarks/compare.sh runs every peer in one go.
"""
import argparse
import subprocess
import sys
import time

import numpy as np


def brian2_rate(dt_ms, copies, samples, seed=1):
    import brian2 as b2

    b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = dt_ms * b2.ms
    rng = np.random.default_rng(seed)
    n_in, n_hid, n_out = 784, 100, 10
    tau, tau_s, tref = 20 * b2.ms, 20 * b2.ms, 2 * b2.ms
    eqs = """
    dv/dt = (-(v - v_rest) + r_m * (b + i_syn)) / tau + sigma * xi * tau**-0.5 : volt (unless refractory)
    di_syn/dt = -i_syn / tau_s : amp
    b : amp
    """
    ns = dict(v_rest=-65 * b2.mV, r_m=10 * b2.Mohm, tau=tau, tau_s=tau_s, sigma=4 * b2.mV)
    a1 = 1.5 / (0.05 * np.sqrt(n_in))
    a2 = 1.5 / (0.05 * np.sqrt(n_hid))
    w1 = rng.uniform(-a1, a1, size=(n_in, n_hid))
    w2 = rng.uniform(-a2, a2, size=(n_hid, n_out))
    images = rng.uniform(0, 0.57, size=(samples, n_in))  # mean 0.286, like Fashion-MNIST's pixels

    inputs = b2.PoissonGroup(n_in * copies, rates=np.zeros(n_in * copies) * b2.Hz)
    hidden = b2.NeuronGroup(n_hid * copies, eqs, threshold="v > -50*mV", reset="v = -70*mV",
                            refractory=tref, method="euler", namespace=ns)
    output = b2.NeuronGroup(n_out * copies, eqs, threshold="v > -50*mV", reset="v = -70*mV",
                            refractory=tref, method="euler", namespace=ns)
    for g in (hidden, output):
        g.b = 2 * b2.nA
        g.v = -65 * b2.mV
    s1 = b2.Synapses(inputs, hidden, "w : amp*second", on_pre="i_syn_post += w / tau_s", namespace=ns)
    s2 = b2.Synapses(hidden, output, "w : amp*second", on_pre="i_syn_post += w / tau_s", namespace=ns)
    pre1, post1, pre2, post2 = [], [], [], []
    for c in range(copies):
        i, j = np.meshgrid(np.arange(n_in), np.arange(n_hid), indexing="ij")
        pre1.append((i + c * n_in).ravel()); post1.append((j + c * n_hid).ravel())
        i, j = np.meshgrid(np.arange(n_hid), np.arange(n_out), indexing="ij")
        pre2.append((i + c * n_hid).ravel()); post2.append((j + c * n_out).ravel())
    s1.connect(i=np.concatenate(pre1), j=np.concatenate(post1))
    s2.connect(i=np.concatenate(pre2), j=np.concatenate(post2))
    s1.w = np.tile(w1.ravel(), copies) * b2.nA * b2.ms
    s2.w = np.tile(w2.ravel(), copies) * b2.nA * b2.ms
    counter = b2.SpikeMonitor(output)
    net = b2.Network(inputs, hidden, output, s1, s2, counter)
    net.run(1 * b2.ms)  # compile once, outside the timing

    done = 0
    start = time.perf_counter()
    while done < samples:
        batch = images[done:done + copies]
        input_hz = np.zeros(n_in * copies)
        input_hz[: batch.size] = (batch * 100).ravel()
        inputs.rates = input_hz * b2.Hz
        for g in (hidden, output):
            g.v = -65 * b2.mV
            g.i_syn = 0 * b2.amp
        net.run(250 * b2.ms)
        done += copies
    return done / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dt", type=float, default=0.5, help="time step in ms (default 0.5)")
    p.add_argument("--copies", type=int, default=20, help="samples simulated side by side (default 20)")
    p.add_argument("--samples", type=int, default=40, help="samples to time (default 40)")
    p.add_argument("--only", action="store_true", help="print Brian2's rate only (for benchmarks/compare.sh)")
    args = p.parse_args()
    try:
        import brian2  # noqa: F401
    except ImportError:
        sys.exit('brian2_forward.py: Brian2 is not installed; install it with: pip install brian2 "numpy<2.4"')
    ours_cmd = ["swift", "run", "-c", "release", "benchmark", "forward", str(args.dt)]
    print(f"Brian2 (cython), 784-100-10, dt = {args.dt} ms, {args.copies} copies ...", flush=True)
    b = brian2_rate(args.dt, args.copies, args.samples)
    print(f"Brian2: {b:.1f} forward samples/s", flush=True)
    if args.only:
        print(f"{b:.1f} forward samples/s (Brian2)")
        return
    print("this project:", " ".join(ours_cmd), flush=True)
    out = subprocess.run(ours_cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("brian2_forward.py: the project's benchmark failed:\n" + out.stderr[-2000:])
    ours = float(out.stdout.strip().splitlines()[-1].split()[0])
    print(f"this project: {ours:.1f} forward samples/s")
    print(f"ratio: {ours / b:.1f}x")


if __name__ == "__main__":
    main()
