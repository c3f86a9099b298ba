import Foundation
import LessonKit
import NeuroModel

func lesson05Records(
    _ prediction: Lesson05Prediction, _ w: WindowSweep, _ p: Lesson05Parameters,
    _ ctx: RunContext
) {
    let L = p.depth
    ctx.record("mean_rate", prediction.meanRate)
    ctx.record("clipped_bursts", w.clipped)
    ctx.record(
        "frsf_to_bp",
        prediction.frsfToBP.enumerated()
            .map { "layer \($0.offset + 1): \(String(format: "%.1f", $0.element))°" }.joined(separator: ", "))
    var table = MarkdownTable(["T (ms)"] + (1...L).map { $0 == L ? "output layer" : "layer \($0)" })
    for (a, s) in zip(w.angleRows, w.signRows) {
        table.append([format(a[0])] + (1...L).map { String(format: "%.1f° / %.0f %%", a[$0], 100 * s[$0]) })
    }
    ctx.record("table", table.bodyText)
    ctx.record("table_header", table.headerText)
    ctx.record("rate_error", 1000 * w.rateError)
    ctx.record("architecture", p.sizes.map(String.init).joined(separator: "-"))
    // Exercise values (lessons/05-spiking-microcircuit.md, ## Exercises): the relative noise 1/√(νT) of a Poisson
    // count at the burst baseline (in %), and the measured angles at T = 200 and 800 ms (NaN if not swept).
    let nu = p.settings.burstBaseline
    ctx.record("ex_count_noise_200", 100 / (nu * 200).squareRoot())
    ctx.record("ex_count_noise_800", 100 / (nu * 800).squareRoot())
    ctx.record("ex_count_noise_200_baseline_x4", 100 / (4 * nu * 200).squareRoot())
    for t in [200.0, 800.0] {
        let row = w.angleRows.first { $0[0] == t }
        ctx.record("ex_angle_\(Int(t))_layer1", row?[1] ?? .nan)
        ctx.record("ex_angle_\(Int(t))_output", row?[L] ?? .nan)
    }
}
