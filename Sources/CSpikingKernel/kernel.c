// The spiking microcircuit's forward phase for one sample (see CSpikingKernel.h for the model and the contract).
//
// Layout: every per-cell array of layer l holds stride[l] floats (the layer's cells padded to SK_PAD), so each loop
// over cells runs over whole vectors; padded cells have zero weights and bias and are never reported.
// Arithmetic: single precision, no contraction into fused multiply-adds (the pragma below), and every sum in
// a fixed order, so each element's result is the same whatever vector width the compiler picks.

#include "CSpikingKernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)

#define SK_STEP_CAPACITY 1024

struct sk_workspace {
    int layers;
    int32_t *offset;         // per weight layer: offset of its cells in the padded cell arrays
    float *v, *current, *drive;
    int32_t *refractory;
    uint32_t *noise;         // one xorshift32 state per cell
    uint8_t *fire;           // this step's spike flags
    int32_t **spiked;        // per layer: the cells that spiked this step
    int32_t *spiked_count;
    int32_t *active, *alias, *small, *large;  // the input alias table
    uint32_t *threshold;
    double *work;
    int32_t *step_sources;   // the input spikes of one step
};

static void *aligned(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes < 64 ? 64 : bytes) != 0) return NULL;
    memset(p, 0, bytes < 64 ? 64 : bytes);
    return p;
}

sk_workspace *sk_workspace_new(const sk_circuit *c) {
    sk_workspace *w = calloc(1, sizeof(sk_workspace));
    if (!w) return NULL;
    w->layers = c->layers;
    w->offset = calloc((size_t)c->layers + 1, sizeof(int32_t));
    int32_t cells = 0;
    for (int l = 0; l < c->layers; l++) {
        w->offset[l] = cells;
        cells += c->stride[l];
    }
    w->offset[c->layers] = cells;
    w->v = aligned(sizeof(float) * (size_t)cells);
    w->current = aligned(sizeof(float) * (size_t)cells);
    w->drive = aligned(sizeof(float) * (size_t)cells);
    w->refractory = aligned(sizeof(int32_t) * (size_t)cells);
    w->noise = aligned(sizeof(uint32_t) * (size_t)cells);
    w->fire = aligned((size_t)cells);
    w->spiked = calloc((size_t)c->layers, sizeof(int32_t *));
    w->spiked_count = calloc((size_t)c->layers, sizeof(int32_t));
    for (int l = 0; l < c->layers && w->spiked; l++) w->spiked[l] = calloc((size_t)c->stride[l], sizeof(int32_t));
    size_t n0 = (size_t)c->sizes[0] + 1;
    w->active = calloc(n0, sizeof(int32_t));
    w->alias = calloc(n0, sizeof(int32_t));
    w->small = calloc(n0, sizeof(int32_t));
    w->large = calloc(n0, sizeof(int32_t));
    w->threshold = calloc(n0, sizeof(uint32_t));
    w->work = calloc(n0, sizeof(double));
    w->step_sources = calloc(SK_STEP_CAPACITY, sizeof(int32_t));
    int ok = w->offset && w->v && w->current && w->drive && w->refractory && w->noise && w->fire && w->spiked
        && w->spiked_count && w->active && w->alias && w->small && w->large && w->threshold && w->work
        && w->step_sources;
    for (int l = 0; ok && l < c->layers; l++) ok = w->spiked[l] != NULL;
    if (!ok) {
        sk_workspace_free(w);
        return NULL;
    }
    return w;
}

void sk_workspace_free(sk_workspace *w) {
    if (!w) return;
    for (int l = 0; w->spiked && l < w->layers; l++) free(w->spiked[l]);
    free(w->spiked);
    free(w->spiked_count);
    free(w->offset);
    free(w->v);
    free(w->current);
    free(w->drive);
    free(w->refractory);
    free(w->noise);
    free(w->fire);
    free(w->active);
    free(w->alias);
    free(w->small);
    free(w->large);
    free(w->threshold);
    free(w->work);
    free(w->step_sources);
    free(w);
}

// SplitMix64 (Steele, Lea & Flood 2014), the same generator as the Swift side's `SplitMix64`.
static inline uint64_t next64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline double uniform(uint64_t *s) { return (double)(next64(s) >> 11) * 0x1.0p-53; }

// Poisson count of mean `mean` by inversion: the smallest k with u ≤ P(K ≤ k), one uniform u. `cdf` holds
// P(K ≤ k) for k < `tabled` (see poisson_table); beyond it the sum goes on term by term.
#define SK_POISSON_TABLE 256
static inline int32_t poisson(double mean, const double *cdf, int32_t tabled, uint64_t *s) {
    double u = uniform(s);
    int32_t k = 0;
    while (k < tabled && u > cdf[k]) k += 1;
    if (k < tabled) return k;
    double p = cdf[tabled - 1] - (tabled > 1 ? cdf[tabled - 2] : 0), cumulative = cdf[tabled - 1];
    k = tabled - 1;
    while (u > cumulative && p > 0) {
        k += 1;
        p *= mean / (double)k;
        cumulative += p;
    }
    return k;
}

// P(K ≤ k) of Poisson(mean) for k < SK_POISSON_TABLE, summed exactly as the term-by-term loop would; returns
// the number of entries, at least 1.
static int32_t poisson_table(double mean, double *cdf) {
    double p = exp(-mean), cumulative = p;
    cdf[0] = cumulative;
    int32_t k = 1;
    for (; k < SK_POISSON_TABLE; k++) {
        p *= mean / (double)k;
        cumulative += p;
        cdf[k] = cumulative;
        if (p == 0 && (double)k > mean) break;
    }
    return k;
}

// The input layer as one Poisson process of rate Λ = Σ λ_i: Walker's alias table over the active cells (Vose's
// method). Column k keeps cell active[k] when a 32-bit uniform is below threshold[k], else takes alias[k].
// Returns the number of active cells and sets Λ.
static int32_t build_alias(const sk_circuit *c, sk_workspace *w, const double *x, double *total) {
    int32_t active = 0;
    double sum = 0;
    for (int32_t i = 0; i < c->sizes[0]; i++) {
        if (x[i] > 0) {
            w->active[active] = i;
            w->work[active] = x[i] * c->input_rate;
            sum += x[i] * c->input_rate;
            active += 1;
        }
    }
    *total = sum;
    if (active == 0) return 0;
    int32_t smalls = 0, larges = 0;
    double scale = (double)active / sum;
    for (int32_t k = 0; k < active; k++) {
        w->work[k] *= scale;
        w->alias[k] = w->active[k];
        if (w->work[k] < 1) w->small[smalls++] = k;
        else w->large[larges++] = k;
    }
    while (smalls > 0 && larges > 0) {
        int32_t s = w->small[--smalls];
        int32_t l = w->large[larges - 1];
        double t = w->work[s] * 4294967296.0;
        w->threshold[s] = t >= 4294967295.0 ? 0xFFFFFFFFu : (uint32_t)t;
        w->alias[s] = w->active[l];
        w->work[l] -= 1 - w->work[s];
        if (w->work[l] < 1) {
            larges -= 1;
            w->small[smalls++] = l;
        }
    }
    for (int32_t k = 0; k < smalls; k++) w->threshold[w->small[k]] = 0xFFFFFFFFu;
    for (int32_t k = 0; k < larges; k++) w->threshold[w->large[k]] = 0xFFFFFFFFu;
    return active;
}

static inline int32_t input_source(const sk_workspace *w, int32_t active, uint64_t *s) {
    uint64_t r = next64(s);
    int32_t k = (int32_t)(((r >> 32) * (uint64_t)active) >> 32);
    return (uint32_t)r < w->threshold[k] ? w->active[k] : w->alias[k];
}

// c ← c·decay + Σ_e row(source_e), the events in their order, four rows per pass over c (the sum runs left to
// right, so each element's result is that of adding one row at a time).
static inline __attribute__((always_inline)) void scatter(
    float *restrict c, int32_t n, const float *restrict rows, const int32_t *sources, int32_t count, float decay) {
    const float *r0 = count > 0 ? rows + (size_t)sources[0] * (size_t)n : rows;
    const float *r1 = count > 1 ? rows + (size_t)sources[1] * (size_t)n : rows;
    const float *r2 = count > 2 ? rows + (size_t)sources[2] * (size_t)n : rows;
    const float *r3 = count > 3 ? rows + (size_t)sources[3] * (size_t)n : rows;
    switch (count < 4 ? count : 4) {
    case 0: for (int32_t q = 0; q < n; q++) c[q] = c[q] * decay; break;
    case 1: for (int32_t q = 0; q < n; q++) c[q] = c[q] * decay + r0[q]; break;
    case 2: for (int32_t q = 0; q < n; q++) c[q] = c[q] * decay + r0[q] + r1[q]; break;
    case 3: for (int32_t q = 0; q < n; q++) c[q] = c[q] * decay + r0[q] + r1[q] + r2[q]; break;
    default: for (int32_t q = 0; q < n; q++) c[q] = c[q] * decay + r0[q] + r1[q] + r2[q] + r3[q]; break;
    }
    int32_t e = 4;
    for (; e + 4 <= count; e += 4) {
        const float *a = rows + (size_t)sources[e] * (size_t)n, *b = rows + (size_t)sources[e + 1] * (size_t)n;
        const float *d = rows + (size_t)sources[e + 2] * (size_t)n, *f = rows + (size_t)sources[e + 3] * (size_t)n;
        for (int32_t q = 0; q < n; q++) c[q] = c[q] + a[q] + b[q] + d[q] + f[q];
    }
    for (; e < count; e++) {
        const float *a = rows + (size_t)sources[e] * (size_t)n;
        for (int32_t q = 0; q < n; q++) c[q] = c[q] + a[q];
    }
}

// (Σ of a draw's four bytes − 510)/√21845: an approximately standard normal deviate (Irwin–Hall, four terms).
#define SK_NOISE_SCALE 0.0067658751f

// The somas of layer l take one exact step; returns nothing, fills the layer's spike list.
static inline __attribute__((always_inline)) void step_somas(
    const sk_circuit *c, sk_workspace *w, int l, int counting, int32_t *counts, int32_t step,
    sk_raster raster, void *context) {
    const int32_t n = c->stride[l], o = w->offset[l];
    float *restrict v = w->v + o, *restrict cur = w->current + o, *restrict sum = w->drive + o;
    int32_t *restrict ref = w->refractory + o;
    uint32_t *restrict state = w->noise + o;
    uint8_t *restrict fire = w->fire + o;
    const float *restrict b = c->biases[l];
    const float v_rest = c->v_rest, resistance = c->resistance, v_reset = c->v_reset, theta = c->theta;
    const float decay = c->mem_decay, noise = c->noise;
    const int32_t hold = c->refractory_steps;
    const float counted = counting ? 1.0f : 0.0f;
    for (int32_t k = 0; k < n; k++) {
        uint32_t x = state[k];
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        state[k] = x;
        int32_t bytes = (int32_t)((x & 255u) + ((x >> 8) & 255u) + ((x >> 16) & 255u) + (x >> 24));
        float z = ((float)bytes - 510.0f) * SK_NOISE_SCALE;
        float drive = b[k] + cur[k];
        sum[k] = sum[k] + drive * counted;  // exact: drive·1 = drive, and 0 + 0 = 0 while settling
        float mu = v_rest + resistance * drive;
        float vn = mu + (v[k] - mu) * decay + noise * z;
        int32_t r = ref[k];
        vn = r > 0 ? v_reset : vn;
        int32_t f = vn >= theta;
        r = r > 0 ? r - 1 : 0;
        ref[k] = f ? hold : r;
        v[k] = f ? v_reset : vn;
        fire[k] = (uint8_t)f;
    }
    const int32_t real = c->sizes[l + 1];
    int32_t fired = 0;
    int32_t *list = w->spiked[l];
    for (int32_t k = 0; k < n; k += 8) {
        uint64_t word;
        memcpy(&word, fire + k, 8);
        if (!word) continue;
        for (int32_t j = k; j < k + 8 && j < real; j++) {
            if (!fire[j]) continue;
            list[fired++] = j;
            if (counting) {
                counts[j] += 1;
                if (raster) raster(context, step, l + 1, j);
            }
        }
    }
    w->spiked_count[l] = fired;
}

// A sample's start: the input alias table, the table of per-step input counts, every cell at rest with its own
// noise generator, counts cleared. Returns the number of active inputs; `layer_counts[l]` points at layer l + 1's
// counts.
static inline __attribute__((always_inline)) int32_t start_sample(
    const sk_circuit *c, sk_workspace *w, const double *x, uint64_t *rng, int32_t *counts, double *mean,
    double *cdf, int32_t *tabled, int32_t **layer_counts) {
    double total = 0;
    const int32_t active = build_alias(c, w, x, &total);
    *mean = total * c->dt;
    *tabled = poisson_table(*mean, cdf);
    const int32_t cells = w->offset[c->layers];
    for (int32_t k = 0; k < cells; k++) {
        w->v[k] = c->v_rest;
        w->current[k] = 0;
        w->drive[k] = 0;
        w->refractory[k] = 0;
        uint64_t r = next64(rng);
        w->noise[k] = (uint32_t)r | 1u;
    }
    int32_t all = 0;
    for (int l = 0; l <= c->layers; l++) all += c->sizes[l];
    memset(counts, 0, sizeof(int32_t) * (size_t)all);
    int32_t at = c->sizes[0];
    for (int l = 0; l < c->layers && l < 64; l++) {
        layer_counts[l] = counts + at;
        at += c->sizes[l + 1];
    }
    return active;
}

// The input spikes of one step, added to layer 1's currents in pieces of at most SK_STEP_CAPACITY.
static inline __attribute__((always_inline)) void input_step(
    const sk_circuit *c, sk_workspace *w, int32_t active, double mean, const double *cdf, int32_t tabled,
    uint64_t *rng, int32_t *counts, int counting, int32_t shown, sk_raster raster, void *context) {
    int32_t left = active > 0 ? poisson(mean, cdf, tabled, rng) : 0;
    float decay = c->syn_decay;
    do {
        int32_t n = left < SK_STEP_CAPACITY ? left : SK_STEP_CAPACITY;
        for (int32_t e = 0; e < n; e++) w->step_sources[e] = input_source(w, active, rng);
        if (counting) {
            for (int32_t e = 0; e < n; e++) counts[w->step_sources[e]] += 1;
            if (raster)
                for (int32_t e = 0; e < n; e++) raster(context, shown, 0, w->step_sources[e]);
        }
        scatter(w->current, c->stride[0], c->rows[0], w->step_sources, n, decay);
        decay = 1;  // multiplying by 1 is exact: later pieces only add
        left -= n;
    } while (left > 0);
}

// The summed drive of every cell above the input over the counting window, unpadded, layer 1 first.
static inline void copy_drive(const sk_circuit *c, const sk_workspace *w, float *drive) {
    int32_t j = 0;
    for (int l = 0; l < c->layers; l++)
        for (int32_t k = 0; k < c->sizes[l + 1]; k++) drive[j++] = w->drive[w->offset[l] + k];
}

__attribute__((target_clones("avx2", "default")))
void sk_run_sample(
    const sk_circuit *c, sk_workspace *w, const double *x, uint64_t *rng, int32_t *counts, float *drive,
    sk_raster raster, void *context) {
    double mean = 0, cdf[SK_POISSON_TABLE];
    int32_t tabled = 0, *layer_counts[64];
    const int32_t active = start_sample(c, w, x, rng, counts, &mean, cdf, &tabled, layer_counts);
    for (int32_t step = 0; step < c->steps; step++) {
        const int counting = step >= c->settle_steps;
        const int32_t shown = step - c->settle_steps;
        input_step(c, w, active, mean, cdf, tabled, rng, counts, counting, shown, raster, context);
        step_somas(c, w, 0, counting, layer_counts[0], shown, raster, context);
        for (int l = 1; l < c->layers; l++) {
            scatter(
                w->current + w->offset[l], c->stride[l], c->rows[l], w->spiked[l - 1], w->spiked_count[l - 1],
                c->syn_decay);
            step_somas(c, w, l, counting, layer_counts[l], shown, raster, context);
        }
    }
    copy_drive(c, w, drive);
}

// MARK: single-phase learning (lesson 8)

struct sk_burst_workspace {
    int layers;
    float *apical, *drive;         // per cell: apical signal, drive trace ū
    float *own;                    // per cell: trace of its own spikes r̃ (spikes/ms)
    float *row_sums;               // per hidden cell j: Σ_k B_jk over its feedback sources
    int32_t **burst_list;          // per layer: the cells whose burst spike falls in this step
    int32_t *burst_count;
};

sk_burst_workspace *sk_burst_workspace_new(const sk_circuit *c) {
    sk_burst_workspace *b = calloc(1, sizeof(sk_burst_workspace));
    if (!b) return NULL;
    b->layers = c->layers;
    int32_t cells = 0;
    for (int l = 0; l < c->layers; l++) cells += c->stride[l];
    b->apical = aligned(sizeof(float) * (size_t)cells);
    b->drive = aligned(sizeof(float) * (size_t)cells);
    b->own = aligned(sizeof(float) * (size_t)cells);
    b->row_sums = aligned(sizeof(float) * (size_t)cells);
    b->burst_list = calloc((size_t)c->layers, sizeof(int32_t *));
    b->burst_count = calloc((size_t)c->layers, sizeof(int32_t));
    int ok = b->apical && b->drive && b->own && b->row_sums && b->burst_list && b->burst_count;
    for (int l = 0; ok && l < c->layers; l++)
        ok = (b->burst_list[l] = calloc((size_t)c->stride[l], sizeof(int32_t))) != NULL;
    if (!ok) {
        sk_burst_workspace_free(b);
        return NULL;
    }
    return b;
}

void sk_burst_workspace_free(sk_burst_workspace *b) {
    if (!b) return;
    for (int l = 0; b->burst_list && l < b->layers; l++) free(b->burst_list[l]);
    free(b->burst_list);
    free(b->burst_count);
    free(b->apical);
    free(b->drive);
    free(b->own);
    free(b->row_sums);
    free(b);
}

// A table on the grid of `sk_bursts` (f or f′), linear between nodes, clamped to its ends.
static inline float table_at(const float *table, const sk_bursts *b, float current) {
    float x = (current - b->slope_lower) / b->slope_step;
    if (x <= 0) return table[0];
    if (x >= (float)(b->slope_count - 1)) return table[b->slope_count - 1];
    int32_t i = (int32_t)x;
    float t = x - (float)i;
    return table[i] + t * (table[i + 1] - table[i]);
}

// Traces of layer l for one step: ū decays towards this step's drive, the apical signal decays.
static inline __attribute__((always_inline)) void decay_traces(
    const sk_circuit *c, const sk_bursts *b, const sk_workspace *w, sk_burst_workspace *bw, int l) {
    const int32_t n = c->stride[l], o = w->offset[l];
    float *restrict drive = bw->drive + o, *restrict apical = bw->apical + o;
    const float *restrict cur = w->current + o, *restrict bias = c->biases[l];
    float *restrict own = bw->own + o;
    const float keep = b->trace_decay, take = 1.0f - b->trace_decay, fade = b->apical_decay;
    const float forget = b->rate_decay;
    for (int32_t k = 0; k < n; k++) {
        drive[k] = drive[k] * keep + take * (bias[k] + cur[k]);
        apical[k] = apical[k] * fade;
        own[k] = own[k] * forget;
    }
}

// The bursts of layer l this step. Each cell's apical compartment fires burst spikes as a Poisson process of rate
// ν = clamp(ν_0 + β ε, 0, 2 ν_0) with ε = f′(ū) a: a the apical signal (an output cell's: the teacher's rate
// minus the trace of its own spikes), f′ the slope of its own transfer function at its own drive trace ū. The
// clamp is symmetric about the baseline, so noise on ε is cut on both sides alike and leaves no bias. Burst spikes
// of this step are listed and counted; the summed |ν − ν_0| and cell-steps feed the population's homeostatic gain.
static inline void layer_bursts(
    const sk_circuit *c, const sk_bursts *b, const sk_workspace *w, sk_burst_workspace *bw, int l,
    const float *targets, uint64_t *burst_rng, int counting, int32_t *burst_counts, double *deviation, int32_t step,
    sk_raster raster, void *context) {
    const int32_t o = w->offset[l];
    const int output = l == c->layers - 1;
    const float dt = (float)c->dt;
    int32_t fired = 0;
    double spread = 0;
    for (int32_t k = 0; k < c->sizes[l + 1]; k++) {
        const float drive = bw->drive[o + k];
        const float apical = output ? targets[k] - bw->own[o + k] : bw->apical[o + k];
        const float drive_eps = b->beta[l] * table_at(b->slope, b, drive) * apical;
        float nu = b->p_base + drive_eps;
        nu = nu < 0 ? 0 : (nu > 2 * b->p_base ? 2 * b->p_base : nu);
        spread += fabsf(nu - b->p_base);
        if (uniform(burst_rng) < (double)(nu * dt)) {
            bw->burst_list[l][fired++] = k;
            if (counting) {
                burst_counts[k] += 1;
                if (raster) raster(context, step, -(l + 1), k);
            }
        }
    }
    if (counting) {
        deviation[2 * l] += spread;
        deviation[2 * l + 1] += c->sizes[l + 1];
    }
    bw->burst_count[l] = fired;
}

// Feedback onto the apical signals of layer l from layer l + 1: + B/(β τ_a) per burst spike (facilitating
// synapses); the baseline's share, ν_0 B/β per unit time, is subtracted by each pair's SST cell firing tonically
// (`baseline`, precomputed per layer: −ν_0 Σ_k B_jk/β per ms, scaled to a step).
static inline void feedback_step(
    const sk_circuit *c, const sk_bursts *b, const sk_workspace *w, sk_burst_workspace *bw, int l) {
    const int32_t n = c->stride[l];
    float *restrict apical = bw->apical + w->offset[l];
    const float *rows = b->feedback_rows[l];
    const float unit = b->apical_scale / b->beta[l + 1];
    for (int32_t e = 0; e < bw->burst_count[l + 1]; e++) {
        const float *restrict row = rows + (size_t)bw->burst_list[l + 1][e] * (size_t)n;
        for (int32_t q = 0; q < n; q++) apical[q] = apical[q] + unit * row[q];
    }
    // The tonic subtraction: Σ_k B_jk ν_0/β per ms into a signal of time constant τ_a, i.e. per step
    // −ν_0 dt Σ_k B_jk/(β τ_a).
    const float tonic = -b->p_base * (float)c->dt * unit;
    const float *restrict sums = bw->row_sums + w->offset[l];
    for (int32_t q = 0; q < n; q++) apical[q] = apical[q] + tonic * sums[q];
}

__attribute__((target_clones("avx2", "default")))
void sk_run_single_phase(
    const sk_circuit *c, const sk_bursts *b, sk_workspace *w, sk_burst_workspace *bw, const double *x,
    const float *targets, uint64_t *rng, uint64_t *burst_rng, int32_t *events, int32_t *burst_counts, float *drive,
    double *deviation, sk_raster raster, void *raster_context) {
    double mean = 0, cdf[SK_POISSON_TABLE];
    int32_t tabled = 0, *layer_counts[64], *layer_bursts_out[64];
    const int32_t active = start_sample(c, w, x, rng, events, &mean, cdf, &tabled, layer_counts);
    const int32_t cells = w->offset[c->layers];
    for (int32_t k = 0; k < cells; k++) bw->apical[k] = 0;
    // The drive trace starts at the drive without synaptic input, the bias (not at zero, which it would take
    // several τ_u to leave).
    for (int l = 0; l < c->layers; l++)
        for (int32_t q = 0; q < c->stride[l]; q++) {
            bw->drive[w->offset[l] + q] = c->biases[l][q];
            bw->own[w->offset[l] + q] = table_at(b->rate, b, c->biases[l][q]);
        }
    int32_t at = 0;
    for (int l = 0; l < c->layers && l < 64; l++) {
        layer_bursts_out[l] = burst_counts + at;
        at += c->sizes[l + 1];
    }
    memset(burst_counts, 0, sizeof(int32_t) * (size_t)at);
    for (int l = 0; l + 1 < c->layers; l++) {
        float *restrict sums = bw->row_sums + w->offset[l];
        for (int32_t q = 0; q < c->stride[l]; q++) sums[q] = 0;
        for (int32_t k = 0; k < c->sizes[l + 2]; k++) {
            const float *restrict row = b->feedback_rows[l] + (size_t)k * (size_t)c->stride[l];
            for (int32_t q = 0; q < c->stride[l]; q++) sums[q] = sums[q] + row[q];
        }
    }
    memset(deviation, 0, sizeof(double) * 2 * (size_t)c->layers);
    int32_t longest = 0;
    for (int l = 0; l < c->layers; l++) longest = b->lag_steps[l] > longest ? b->lag_steps[l] : longest;
    for (int32_t step = 0; step < c->steps + longest; step++) {
        const int counting = step >= c->settle_steps && step < c->steps;
        input_step(c, w, active, mean, cdf, tabled, rng, events, counting, 0, NULL, NULL);
        for (int l = 0; l < c->layers; l++) {
            if (l > 0)
                scatter(
                    w->current + w->offset[l], c->stride[l], c->rows[l], w->spiked[l - 1], w->spiked_count[l - 1],
                    c->syn_decay);
            decay_traces(c, b, w, bw, l);
            step_somas(c, w, l, counting, layer_counts[l], step, raster, raster_context);
            for (int32_t e = 0; e < w->spiked_count[l]; e++) bw->own[w->offset[l] + w->spiked[l][e]] += b->rate_scale;
            // Layer l counts its bursts over the event window shifted by its own lag.
            const int32_t from = c->settle_steps + b->lag_steps[l];
            const int counting_bursts = step >= from && step < from + (c->steps - c->settle_steps);
            layer_bursts(
                c, b, w, bw, l, targets, burst_rng, counting_bursts, layer_bursts_out[l], deviation, step, raster,
                raster_context);
        }
        for (int l = 0; l + 1 < c->layers; l++) feedback_step(c, b, w, bw, l);
    }
    copy_drive(c, w, drive);
}
