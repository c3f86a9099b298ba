import Foundation
import LessonKit
import NeuroModel

// Lesson 7's checks, and the records the notebook's tables and findings are made from.

// MARK: Checks

func lesson07Checks(
    _ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext, complete: Bool
) throws {
    for run in runs {
        learnedChecks(run, d, ctx)
        if complete { gapChecks(run, p, d, ctx) }
        for mode in p.routes {
            guard let trained = run[.spiking(mode)] else { continue }
            let tag = "\(run.depth) hidden, \(mode.rawValue) routes"
            for l in 0..<run.depth {
                let worst = trained.history.compactMap { $0.anglesToBP[l] }.max() ?? .nan
                ctx.check(
                    .atMost(
                        "\(tag): hidden layer \(l + 1) angle to BP, max over epochs",
                        id: "depth-\(run.depth)-\(mode.rawValue)-layer-\(l + 1)-angle-to-bp", observed: worst,
                        bound: descentAngleBound, unit: "°"
                    ).calibrated)
            }
            if let state = trained.circuit {
                var settings = p.settings
                settings.routes = mode
                let sizes = p.sizes(run.depth, data: d.train)
                let c = try SpikingCircuit(restoring: state, sizes: sizes, settings: settings)
                ctx.check(
                    .none(
                        "\(tag): synapses against their route (Dale)", id: "depth-\(run.depth)-\(mode.rawValue)-dale",
                        violations: c.daleViolations, of: synapseCount(sizes)))
                ctx.check(
                    .none(
                        "\(tag): pairs with sign(B) ≠ sign(Wᵀ)", id: "depth-\(run.depth)-\(mode.rawValue)-sign",
                        violations: c.signMismatches, of: synapseCount(sizes, fromLayer: 2)))
            }
        }
    }
}

/// Every trained model must have learned: its final test accuracy above chance by 4 binomial standard errors of
/// an accuracy at chance on this test set. A comparison with a model that learned nothing would mean nothing.
func learnedChecks(_ run: Lesson07Depth, _ d: Lesson07Data, _ ctx: RunContext) {
    let chance = 100 / Double(d.train.classes)
    let se = 100 * (chance / 100 * (1 - chance / 100) / Double(d.test.count)).squareRoot()
    for trained in run.models {
        ctx.check(
            .atLeast(
                "\(run.depth) hidden: \(trained.model) test accuracy above chance (\(format(chance)) % + "
                    + "\(format(samplingErrorMultiple)) SE)", id: "depth-\(run.depth)-\(trained.model.key)-learned",
                observed: trained.history.last?.accuracy ?? .nan, bound: chance + samplingErrorMultiple * se,
                unit: "%"))
    }
}

/// The paired gaps (same seed: same start, batches and test set), claimed over seeds: standard network to BP,
/// BP to the twin and to each spiking circuit, and the spiking circuit's level on the full Fashion-MNIST.
func gapChecks(_ run: Lesson07Depth, _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    let tag = "\(run.depth) hidden"
    guard let bp = run.accuracy(.bp) else { return }
    if let standard = run.accuracy(.standard) {
        ctx.check(
            .atMost(
                "\(tag): the standard ReLU network's test accuracy minus BP's on the LIF network",
                id: "depth-\(run.depth)-standard-gap", observed: standard - bp, bound: Lesson07Claim.standardGap,
                unit: "points"
            ).overSeeds.calibrated)
    }
    if let twin = run.accuracy(.twin) {
        ctx.check(
            .atMost(
                "\(tag): BP's test accuracy minus the rate frSF twin's", id: "depth-\(run.depth)-twin-gap",
                observed: bp - twin, bound: Lesson07Claim.twinGap, unit: "points"
            ).overSeeds.calibrated)
    }
    for mode in p.routes {
        guard let spiking = run.accuracy(.spiking(mode)) else { continue }
        ctx.check(
            .atMost(
                "\(tag), \(mode.rawValue) routes: BP's test accuracy minus the spiking circuit's",
                id: "depth-\(run.depth)-\(mode.rawValue)-spiking-gap", observed: bp - spiking,
                bound: Lesson07Claim.spikingGap, unit: "points"
            ).overSeeds.calibrated)
        if d.isFullFashionMNIST {
            ctx.check(
                .atLeast(
                    "\(tag), \(mode.rawValue) routes: the spiking circuit's test accuracy on Fashion-MNIST",
                    id: "depth-\(run.depth)-\(mode.rawValue)-spiking-level", observed: spiking,
                    bound: Lesson07Claim.fashionMNISTLevel, unit: "%"
                ).overSeeds.calibrated)
        }
    }
}

// MARK: Records

func lesson07Records(_ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ d: Lesson07Data, _ ctx: RunContext) {
    var table = MarkdownTable([])  // the header is in the notebook
    for run in runs {
        let bp = run.accuracy(.bp)
        for trained in run.models {
            guard let last = trained.history.last else { continue }
            table.append([
                "\(run.depth)", "\(trained.model)", String(format: "%.2f %%", last.accuracy), anglesText(last)
            ])
            ctx.record("accuracy_\(run.depth)_\(trained.model.key)", last.accuracy)
            if let bp, trained.model != .bp { ctx.record("gap_\(run.depth)_\(trained.model.key)", bp - last.accuracy) }
        }
        if let fixed = run.accuracy(.spiking(.fixed)), let moving = run.accuracy(.spiking(.moving)) {
            ctx.record("fixed_cost_\(run.depth)", moving - fixed)
        }
    }
    ctx.record("accuracy_table", table.bodyText)
    let costs = runs.compactMap { run -> String? in
        guard let fixed = run.accuracy(.spiking(.fixed)), let moving = run.accuracy(.spiking(.moving)) else {
            return nil
        }
        return String(format: "%d hidden: moving minus fixed %+.2f points", run.depth, moving - fixed)
    }
    ctx.record(
        "fixed_cost",
        costs.isEmpty ? "this run trained one route mode" : "this run (first seed): " + costs.joined(separator: "; "))
    ctx.record("configuration", lesson07Configuration(runs, p, d))
    ctx.record(
        "readout",
        runs.flatMap { run in
            run.models.compactMap { trained -> String? in
                guard case .spiking(let mode) = trained.model, let last = trained.history.last,
                    let tied = last.tied, let clipped = last.clipped
                else { return nil }
                return String(
                    format: "%d hidden, %@ routes: %.1f %% of test samples tied, %.2f %% of burst channels clipped",
                    run.depth, mode.rawValue, 100 * tied, 100 * clipped)
            }
        }.joined(separator: "; "))
    ctx.recordTiming(
        "timing",
        runs.map { run in
            String(
                format: "%d hidden: %.0f s per epoch for all models", run.depth,
                run.seconds.reduce(0, +) / Double(max(run.seconds.count, 1)))
        }.joined(separator: "; "))
    if ctx.values["dt_check"] == nil { ctx.record("dt_check", "not run") }
}

/// "angle to BP / to rate frSF" per hidden layer (spiking), "angle to BP" (the twin), "—" otherwise.
func anglesText(_ e: Lesson07Epoch) -> String {
    let hidden = max(e.anglesToBP.count - 1, 0)
    func text(_ a: Double?) -> String { a.map { String(format: "%.1f°", $0) } ?? "—" }
    if !e.anglesToFrSF.isEmpty {
        return (0..<hidden).map { "\(text(e.anglesToBP[$0])) / \(text(e.anglesToFrSF[$0]))" }.joined(separator: ", ")
    }
    return hidden > 0 ? (0..<hidden).map { text(e.anglesToBP[$0]) }.joined(separator: ", ") : "—"
}

/// What this run trained, in words: data, networks, budget, recipe.
func lesson07Configuration(_ runs: [Lesson07Depth], _ p: Lesson07Parameters, _ d: Lesson07Data) -> String {
    let networks = p.depths.map { p.sizes($0, data: d.train).map(String.init).joined(separator: "-") }
    let tone =
        (p.warmup > 0 ? "a linear warm-up over \(format(p.warmup)) epochs, then " : "")
        + (p.cosine ? "a cosine decay" : "a constant tone")
    return "\(d.name) (\(d.train.count) training, \(d.test.count) test samples); "
        + networks.joined(separator: " and ") + "; \(p.epochs) epochs of batches of \(p.batch); "
        + "η = \(format(p.learningRate))"
        + (p.settings.momentum > 0 ? " with momentum \(format(p.settings.momentum))" : "")
        + ", \(tone); test window \(format(p.testWindow)) ms"
}

// MARK: Summary over seeds

/// The accuracy table over seeds (mean ± sd of every model's test accuracy and its same-seed gap to BP) and the
/// findings in words, both made from this run's numbers only.
@Sendable func lesson07Summary(_ n: SeedNumbers) -> [String: String] {
    var table = MarkdownTable([])
    var findings: [String] = []
    let models = Lesson07Model.all(routes: RouteMode.allCases)
    for depth in 1...3 {
        for model in models {
            let accuracy = n.text("accuracy_\(depth)_\(model.key)", digits: 2)
            guard accuracy != "—" else { continue }
            let gap = model == .bp ? "—" : n.text("gap_\(depth)_\(model.key)", digits: 2) + " points"
            table.append(["\(depth)", "\(model)", "\(accuracy) %", gap])
        }
        var said: [String] = []
        for (model, what) in [
            (Lesson07Model.standard, "the standard ReLU network is ahead of BP on the LIF network by"),
            (.twin, "BP is ahead of the rate frSF twin by"),
            (
                .spiking(.moving),
                "BP is ahead of the spiking circuit "
                    + "with moving routes by"
            ), (.spiking(.fixed), "BP is ahead of the spiking circuit with fixed routes by")
        ] {
            let gap = n.text("gap_\(depth)_\(model.key)", digits: 2)
            if gap != "—" { said.append("\(what) \(model == .standard ? negated(gap) : gap) points") }
        }
        let cost = n.text("fixed_cost_\(depth)", digits: 2)
        if cost != "—" { said.append("staying local (fixed instead of moving routes) costs \(cost) points") }
        if !said.isEmpty {
            findings.append("- \(depth) hidden layer\(depth > 1 ? "s" : ""): " + said.joined(separator: "; ") + ".")
        }
    }
    return ["seed_table": table.bodyText, "findings": findings.joined(separator: "\n")]
}

/// "a ± b" with the sign of a flipped (the standard network's gap is stored as BP minus standard).
func negated(_ text: String) -> String {
    if text.hasPrefix("-") { return String(text.dropFirst()) }
    return "-" + text
}
