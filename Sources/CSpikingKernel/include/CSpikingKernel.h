#ifndef CSPIKINGKERNEL_H
#define CSPIKINGKERNEL_H

#include <stdint.h>

/// The spiking microcircuit's forward phase for one sample: the event-driven inner loop of
/// `SpikingCircuit.forward` (Sources/NeuroModel/Spiking), in C so that the compiler vectorises it for the widest
/// instructions the processor has (AVX2 where present, chosen at run time) while every element's arithmetic
/// stays the same: single precision, no fused multiply-add, sums in a fixed order. Results therefore do not
/// depend on the processor's vector width or on the number of threads.
///
/// Model (units ms, mV, nA, MΩ, spikes/ms): input cell i fires a Poisson train at x_i·ν_in; a spike of a source
/// adds its row W[:, j]/τ_s to the synaptic currents of the layer above, which decay by e^{−dt/τ_s} per step; a
/// soma takes the exact step V ← μ + (V − μ)e^{−dt/τ} + σ_step ξ with μ = V_rest + R(b + I), is held at
/// V_reset for t_ref after a spike, and spikes when V ≥ θ. The caller owns every buffer.

/// Vectors of this many floats: rows, currents and cell arrays are padded to a multiple of it.
#define SK_PAD 8

typedef struct {
    int layers;                  ///< weight layers L
    const int32_t *sizes;        ///< L + 1 layer sizes, input first
    const int32_t *stride;       ///< per weight layer: its target size padded to SK_PAD
    const float *const *rows;    ///< per weight layer: sizes[l] rows of stride[l] floats, W[:, j]/τ_s, zero-padded
    const float *const *biases;  ///< per weight layer: stride[l] floats
    float v_rest, resistance, v_reset, theta;
    float mem_decay, syn_decay, noise;  ///< e^{−dt/τ}, e^{−dt/τ_s}, σ_step
    int32_t refractory_steps, settle_steps, steps;
    double input_rate, dt;       ///< ν_in (spikes/ms per unit x), dt (ms)
} sk_circuit;

/// Scratch memory of one worker for circuits of one shape.
typedef struct sk_workspace sk_workspace;

sk_workspace *sk_workspace_new(const sk_circuit *circuit);
void sk_workspace_free(sk_workspace *workspace);

/// Called for every spike in the counting window (figures only): step from the start of the count, layer
/// (0 = input), cell.
typedef void (*sk_raster)(void *context, int32_t step, int32_t layer, int32_t cell);

/// Runs one sample: `x` holds sizes[0] features; `rng` is the state of the sample's SplitMix64 stream (advanced).
/// Writes the spike count of every cell in the counting window into `counts` (input layer first, sizes[l] per
/// layer) and the summed drive b + I of every cell above the input over the window into `drive` (layer 1 first).
void sk_run_sample(
    const sk_circuit *circuit, sk_workspace *workspace, const double *x, uint64_t *rng, int32_t *counts,
    float *drive, sk_raster raster, void *raster_context);

/// Single-phase learning (lesson 8): the same forward phase, with each Pyr cell's error multiplexed into bursts
/// while the input runs. Besides its events (somatic spikes, which forward synapses pass), the apical
/// compartment of cell j fires burst spikes as a Poisson process of rate ν_j = clamp(ν_0 + β f′(ū_j) a_j, 0, 2ν_0):
/// a_j is the cell's apical signal — for an output cell the teacher's rate minus the trace of its own spikes
/// (time constant τ_r), for a hidden cell the low-pass filtered feedback Σ_k B_jk (bursts_k − ν_0)/β_k (facilitating
/// synapses pass bursts; each pair's SST cell, firing tonically, subtracts the baseline's share) — ū_j the cell's
/// own drive trace, f and f′ the Siegert rate and slope of its own noisy soma. Bursts do not act on the forward
/// pass.
typedef struct {
    /// Per hidden layer l (0-based weight layer l, cells of layer l + 1): sizes[l + 2] rows of stride[l] floats,
    /// B[j, k] for source k (a cell of layer l + 2) onto cell j, zero-padded.
    const float *const *feedback_rows;
    /// f′(I) and f(I) (f: the rate an output cell's own-spike trace starts from) on the grid slope_lower + i·slope_step, i < slope_count (spikes/ms per nA, spikes/ms);
    /// linear in between.
    const float *slope;
    const float *rate;
    int32_t slope_count;
    float slope_lower, slope_step;
    /// Per weight layer: the population's burst gain β (burst rate per unit ε).
    const float *beta;
    float p_base;           ///< baseline burst rate ν_0 (spikes/ms)
    float trace_decay;      ///< e^{−dt/τ_u}: per step, of the drive trace ū
    float apical_decay;     ///< e^{−dt/τ_a}
    float apical_scale;     ///< 1/τ_a: a burst through feedback weight B adds B/(β τ_a) to the apical signal
    float rate_decay;       ///< e^{−dt/τ_r}: per step, of a cell's trace of its own spikes
    float rate_scale;       ///< 1/τ_r: a cell's own spike adds 1/τ_r to its trace
    /// Per weight layer: its bursts are counted over the event window shifted later by this many steps.
    const int32_t *lag_steps;
} sk_bursts;

/// Scratch memory of one worker for the single-phase kernel (besides an `sk_workspace`).
typedef struct sk_burst_workspace sk_burst_workspace;

sk_burst_workspace *sk_burst_workspace_new(const sk_circuit *circuit);
void sk_burst_workspace_free(sk_burst_workspace *workspace);

/// Runs one sample in a single phase. `targets` holds the output cells' teacher rates (spikes/ms); `rng` the
/// sample's forward stream (the same draws as `sk_run_sample`, so the events are those of the forward phase) and
/// `burst_rng` a stream of its own for the bursts. Writes, over the counting window, every cell's event count
/// (`events`, input layer first, as `counts` of sk_run_sample), every cell above the input's burst count
/// (`bursts`) and summed drive (`drive`), and per weight layer the sum of |ν − ν_0| over its cells and steps and
/// the number of cell-steps (`deviation[2 l]`, `deviation[2 l + 1]`). With a `raster`, every counted event of a
/// Pyr cell is passed as (step, layer ≥ 1, cell) and every counted burst as (step, −layer, cell).
void sk_run_single_phase(
    const sk_circuit *circuit, const sk_bursts *bursts, sk_workspace *workspace, sk_burst_workspace *burst_workspace,
    const double *x, const float *targets, uint64_t *rng, uint64_t *burst_rng, int32_t *events, int32_t *burst_counts,
    float *drive, double *deviation, sk_raster raster, void *raster_context);

#endif
