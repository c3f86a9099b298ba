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

#endif
