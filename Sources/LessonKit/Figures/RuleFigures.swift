import Foundation
import NeuroModel

// Figures that compare learning rules, for every lesson that compares them. Every rule is drawn in its own
// style (`ruleStyle`, style.gp's line types 11–16), the same in every figure.

/// The test-accuracy figure: one data block, column 1 the epoch and one accuracy column (%) per rule; the
/// summary over seeds adds the sd columns, drawn as ± 1 sd bands.
package struct AccuracyFigure {
    var title: String
    var claim: String
    var rules: [Rule]
    /// Row e: [e, accuracy of each rule after epoch e (%)] for e = 0…epochs.
    var rows: [[Double]]
    /// gnuplot ranges, e.g. "[30:100]"; nil leaves the axis to autoscale.
    var xRange: String? = nil
    var yRange: String? = nil
    /// Leave epoch 0 (chance level) off the plot, so that the differences between rules show.
    var fromEpochOne = false
    var points = false

    package init(
        title: String, claim: String, rules: [Rule], rows: [[Double]], xRange: String? = nil, yRange: String? = nil,
        fromEpochOne: Bool = false, points: Bool = false
    ) {
        self.title = title
        self.claim = claim
        self.rules = rules
        self.rows = rows
        self.xRange = xRange
        self.yRange = yRange
        self.fromEpochOne = fromEpochOne
        self.points = points
    }

    package var figure: Figure {
        let n = rules.count
        let every = fromEpochOne ? " every ::1" : ""
        let bands = rules.enumerated().map { i, rule in
            let c = i + 2
            let sd = i + 2 + n
            return "DATA index 0\(every) using 1:($\(c)-$\(sd)):($\(c)+$\(sd)) with filledcurves "
                + "\(ruleStyle(rule)) notitle"
        }
        let lines = rules.enumerated().map { i, rule in
            "DATA index 0\(every) using 1:\(i + 2) with \(points ? "linespoints" : "lines") \(ruleStyle(rule)) "
                + "title '\(rule.rawValue)'"
        }
        var script = ["set xlabel 'epoch'", "set ylabel 'test accuracy (%)'"]
        // Every rule diverged before a point could be drawn: a fixed frame (gnuplot refuses to autoscale an axis
        // with no defined point) that says so, with the rules still in the key.
        let drawable = rows.dropFirst(fromEpochOne ? 1 : 0).contains { $0.dropFirst().contains(where: \.isFinite) }
        if let yRange {
            script.append("set yrange \(yRange)")
        } else if !drawable {
            script.append("set yrange [0:100]")
        }
        if !drawable && !lines.isEmpty {
            let names = rules.map(\.rawValue).joined(separator: ", ")
            script.append(
                "set label 'no epoch of \(names) ended without divergence: nothing to draw' at graph 0.5, graph 0.5 "
                    + "center")
        }
        if let xRange { script.append("set xrange \(xRange)") }
        script.append("set key outside top center horizontal")
        if fromEpochOne {
            script.append(
                "# Epoch 0 (chance level) is in the data but left off the plot so the differences "
                    + "between rules show.")
        }
        script.append(
            "# Mean over seeds (lines) and ± 1 sd over seeds (bands; the sd of column i is column i + \(n)).")
        if lines.isEmpty {
            // No rule has a curve yet (a run stopped before any finished): an empty frame that says so.
            script += [
                "set xrange [0:1]", "set yrange [0:100]",
                "set label 'no rule has finished an epoch' at graph 0.5, graph 0.5 center", "plot NaN notitle"
            ]
        } else {
            // The key says what the bands are (± 1 sd over the seeds, or that one seed has none).
            let key = "NaN with filledcurves lt 7 title spread_title('bands')"
            script.append("plot " + (bands + lines + [key]).joined(separator: ", \\\n     "))
        }
        return Figure(
            name: "accuracy", title: title, claim: claim,
            blocks: [
                DataBlock(
                    "test accuracy", columns: ["epoch"] + rules.map { "\($0.rawValue) accuracy (%)" },
                    rows: rows)
            ],
            script: script.joined(separator: "\n"))
    }
}

/// The plot options of one rule's curve for hidden layer `layer` (1-based) of `layers`: the rule's style,
/// thinner for deeper layers, so that rule and layer both read off the curve.
package func ruleLayerCurve(_ rule: Rule, layer: Int, of layers: Int) -> (style: String, title: String) {
    let width = layer == 1 ? "" : String(format: " lw %.1f", max(2.5 - 0.8 * Double(layer - 1), 0.8))
    return (ruleStyle(rule) + width, layers > 1 ? "\(rule.rawValue), layer \(layer)" : rule.rawValue)
}
