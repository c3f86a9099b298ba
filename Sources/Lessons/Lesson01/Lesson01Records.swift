import Foundation
import LessonKit
import NeuroModel

func lesson01Records(_ s: LIFSimulation, _ predicted: [Double], _ p: Lesson01Parameters, _ ctx: RunContext) {
    ctx.record("rheobase", p.cell.rheobase)
    ctx.record("rate_at_trace", 1000 * p.cell.rate(current: p.iTrace))
    ctx.record("slope_at_trace", 1000 * p.cell.slope(current: p.iTrace))
    let bias = fiBias(s, predicted, p)
    ctx.record("bias_fraction", bias.worstFraction)
    ctx.record("f_i_tested", String(bias.tested))
    // Exercise values (lessons/01-lif.md, ## Exercises): the closed-form rate at τ = 10 ms and its dt band.
    var fast = p.cell
    fast.tau = 10
    let rate10 = fast.rate(current: p.iTrace)
    ctx.record("ex_rate_tau10", 1000 * rate10)
    ctx.record("ex_rate_tau10_floor", 1000 * rate10 / (1 + rate10 * p.dt))
}

func noisyRecords(_ rows: [[Double]], _ noisy: NoisyPrediction, _ p: Lesson01Parameters, _ ctx: RunContext) {
    let model = noisy.model
    ctx.record("noise_sigma", model.sigma)
    ctx.record("noise_free_std", model.sigma / 2.0.squareRoot())
    ctx.record("noise_step_std", noisy.stepStd)
    ctx.record("noise_shift", noisy.shift)
    var worstZ = 0.0
    var worstBias = 0.0
    var worstSE = 0.0
    var sumZ = 0.0
    var sumZShifted = 0.0
    for row in rows {
        let (mean, se, r) = (row[1], row[2], row[3])
        let safeSE = max(se, .leastNormalMagnitude)
        worstZ = max(worstZ, abs(mean - r) / safeSE)
        sumZ += (mean - r) / safeSE
        sumZShifted += (mean - row[4]) / safeSE
        worstBias = max(worstBias, abs(row[4] - r))
        worstSE = max(worstSE, se)
    }
    let points = Double(rows.count)
    ctx.record("noise_worst_z", worstZ)
    ctx.record("noise_mean_z", sumZ / points)
    ctx.record("noise_mean_z_shifted", sumZShifted / points)
    ctx.record("noise_worst_bias", worstBias)
    ctx.record("noise_worst_se", worstSE)
    ctx.record("noise_currents", String(rows.count))
    ctx.record("noise_slope_fd_error", siegertSlopeAgainstDifference(model).error)
    ctx.record("noise_min_sub_slope", minimumSubthresholdSlope(noisy, cell: p.cell))
    ctx.record("noise_slope_at_1_2", 1000 * model.slope(current: 1.2))
    ctx.record("noise_rate_at_1_2", 1000 * model.rate(current: 1.2))
    ctx.record("noise_small_fraction", smallNoiseLimit(p.cell).worstFraction)
}
