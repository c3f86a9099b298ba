import Foundation
import NeuroModel

/// Two tensors compared entry by entry in the manner of llm.c's `check_tensor`: the max-norm relative error
/// (`maxRelativeError`, the number a check bounds) and the first entries side by side, each marked OK or NOT OK
/// (|observed − expected| ≤ bound · max|expected|), for the executed notebook.
package struct TensorComparison {
    let label: String
    let observed: [Double]
    let expected: [Double]
    let bound: Double
    /// max_i |observed_i − expected_i| / max_i |expected_i|
    package let relativeError: Double

    package init(_ label: String, observed: [Double], expected: [Double], bound: Double) {
        precondition(
            observed.count == expected.count,
            "TensorComparison \(label): \(observed.count) entries against \(expected.count)")
        self.label = label
        self.observed = observed
        self.expected = expected
        self.bound = bound
        relativeError = maxRelativeError(observed, expected)
    }

    /// The check of the claim "observed equals expected within `bound`" (max-norm relative error).
    package func check(_ name: String, id: String? = nil) -> Check {
        .atMost(name, id: id, observed: relativeError, bound: bound)
    }

    /// The label, the max relative error against the bound, and the first `count` entries.
    func listing(first count: Int = 4) -> String {
        let scale = expected.map(abs).max() ?? 0
        let allowed = scale > 0 ? bound * scale : bound
        var lines = [
            "\(label): max relative error \(format(relativeError)) (bound \(format(bound))) "
                + (relativeError <= bound ? "OK" : "NOT OK")
        ]
        for i in observed.indices.prefix(count) {
            let ok = abs(observed[i] - expected[i]) <= allowed
            lines.append(
                "  " + (ok ? "OK    " : "NOT OK") + " "
                    + String(
                        format: "%+.15e  %+.15e", observed[i],
                        expected[i]))
        }
        return lines.joined(separator: "\n")
    }
}

/// Tensor comparisons as one fenced block for the executed notebook (`observed  expected` per entry).
package func tensorListing(_ comparisons: [TensorComparison]) -> String {
    "```text\n" + comparisons.map { $0.listing() }.joined(separator: "\n") + "\n```"
}
