import Foundation
import LessonKit
import NeuroModel

// MARK: Checks

/// The lesson's three tensor identities, each with its bound: the Dale circuit's drive against W·r (the sums
/// differ only by grouping excitation and inhibition: error ≤ 2 n ε), the weights the routes realise against W
/// (exactly), and the apical teacher's Hebbian update against the delta rule (`centralDifferenceBound`).
func lesson02Tensors(_ dale: DaleCircuit, _ teacher: ApicalTeacher, _ p: Lesson02Parameters)
    -> (drive: TensorComparison, routes: TensorComparison, teacher: TensorComparison)
{
    (
        TensorComparison(
            "Dale circuit drive vs W·r", observed: dale.circuitDrive, expected: dale.matrixDrive,
            bound: 2 * Double(p.nPre) * Double.ulpOfOne),
        TensorComparison(
            "weights the routes realise vs W", observed: dale.projection.weights.data, expected: dale.w.data,
            bound: 0),
        TensorComparison(
            "apical teacher: Hebbian Δw vs delta rule", observed: teacher.hebbian, expected: teacher.delta,
            bound: centralDifferenceBound)
    )
}

func lesson02Checks(
    _ dale: DaleCircuit, _ h: HebbianTrials, _ teacher: ApicalTeacher, _ p: Lesson02Parameters,
    _ prediction: HebbianPrediction, _ ctx: RunContext
) {
    let tensors = lesson02Tensors(dale, teacher, p)
    ctx.check(tensors.drive.check("circuit drive vs W·r, max relative error"))
    ctx.check(
        .none(
            "synapses with the wrong sign for their cell (Dale)", violations: dale.projection.daleViolations,
            of: p.nPre * p.nPost))
    ctx.check(
        .close(
            "routes realise W exactly, max |ΔW|",
            observed: tensors.routes.relativeError, expected: 0, tolerance: 0))
    ctx.check(
        .atMost(
            "LIF pair: max |Δw_spikes − η r_pre r_post| over \(p.trials) trials",
            observed: h.worstExcess, bound: prediction.countBound(p.window), unit: "1/ms²"))
    // The Poisson check allows 4 standard errors plus the post cell's counting bound.
    ctx.check(
        .close(
            "Poisson pre × LIF post: mean Δw vs η ν r_post",
            observed: h.poisson.reduce(0, +) / Double(p.trials), expected: prediction.poissonUpdate,
            tolerance: samplingErrorMultiple * prediction.poissonSE(p) + prediction.poissonPostBound(p),
            unit: "1/ms²"))
    ctx.check(tensors.teacher.check("apical teacher: Hebbian Δw vs delta rule −η∂E/∂w, max relative error"))
    ctx.check(
        .atLeast(
            "apical teacher: update lowers E (E before − E after a step)",
            observed: teacher.decrease, bound: 0))
    let inhibitory = dale.projection.routes.joined().filter { $0.synapseSign == .inhibitory }.count
    ctx.record("tensor_checks", tensorListing([tensors.drive, tensors.routes, tensors.teacher]))
    ctx.record("inhibitory_routes", "\(inhibitory) of \(p.nPre * p.nPost)")
    ctx.record("hebbian_predicted", prediction.update)
    let mean = h.pair.reduce(0, +) / Double(p.trials)
    ctx.record("hebbian_mean", mean)
    // The slowest rates a simulated cell can have (each interval lengthened by up to dt): r/(1 + r dt).
    let slowest =
        p.eta * (prediction.rPre - prediction.bias(prediction.rPre))
        * (prediction.rPost - prediction.bias(prediction.rPost))
    ctx.record("hebbian_predicted_dt", slowest)
    ctx.record(
        "hebbian_mean_where",
        mean >= slowest && mean <= prediction.update
            ? "lies between the two" : "lies outside both (the finite window's counting error, bounded in the table)")
    ctx.record("teacher_u", teacher.u)
    ctx.record("teacher_r", 1000 * teacher.rate)
}
