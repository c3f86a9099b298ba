import Foundation
import LessonKit
import NeuroModel

// MARK: Checks

func lesson06Checks(
    _ histories: [RuleHistory], _ circuit: CircuitBesideFrSF?, _ p: Lesson06Parameters,
    _ s: Lesson06Setup, _ ctx: RunContext, complete: Bool
) {
    // NaN or Inf stops a rule early; the check counts the epochs it completed with finite loss and weights.
    for h in histories where h.finished {
        ctx.check(
            .atLeast(
                "\(h.rule.rawValue): epochs on \(s.name) completed without divergence",
                observed: Double(h.rows.count - 1), bound: Double(p.epochs)
            ).calibrated)
    }
    func late(_ r: Rule) -> Double? {
        histories.first { $0.rule == r }?.late(p.epochs, last: p.lastEpochs)
    }
    // Every rule that trained must have learned (a rule that diverged is judged by its last epoch); a claim
    // relative to BP means something only if BP learned, and a run in which nothing learned fails.
    for h in histories where h.finished {
        ctx.check(
            learnedCheck(
                h.rule.rawValue, on: s.name, accuracy: late(h.rule) ?? h.rows.last?[2] ?? .nan,
                classes: s.test.classes, testSamples: s.test.count))
    }
    if complete, s.claimsAccuracy, histories.contains(where: { $0.rule == .bp }) {
        for rule in p.rules where rule.isSignConcordant {
            // Paired over seeds: BP and the rule share start and batches on each seed.
            ctx.check(
                .atMost(
                    "\(rule.rawValue): bp's test accuracy minus \(rule.rawValue)'s on \(s.name) "
                        + "(mean of the last \(p.lastEpochs) epochs)", id: "\(rule.rawValue)-gap-to-bp",
                    observed: (late(.bp) ?? .nan) - (late(rule) ?? .nan), bound: concordantGapClaim,
                    unit: "points"
                ).overSeeds.calibrated)
        }
    }
    if let circuit {
        // Like a rule's: a learning rate at which the pair blows up fails here, and the run keeps the rest.
        ctx.check(
            .atLeast(
                "microcircuit beside frSF on \(s.name): steps completed without divergence",
                observed: Double(circuit.steps), bound: Double(p.circuitSteps)
            ).calibrated)
        ctx.check(
            .atMost(
                "microcircuit vs frSF on \(s.name), \(circuit.steps) steps: "
                    + "max relative weight error per step", observed: circuit.worst, bound: roundingBound))
        ctx.check(
            .none(
                "microcircuit after training on \(s.name): pairs with sign(B) ≠ sign(Wᵀ)",
                violations: circuit.mismatches, of: synapseCount(s.sizes, fromLayer: 2)))
    }
}

/// "the sign-concordant rules (usf, frsf)", as checks, records and figures name them.
func concordantRulesText(_ rules: [Rule]) -> String {
    let concordant = rules.filter(\.isSignConcordant).map(\.rawValue)
    return "the sign-concordant rules (\(concordant.isEmpty ? "none trained" : concordant.joined(separator: ", ")))"
}
