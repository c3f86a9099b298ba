import Foundation

/// Mean, sample standard deviation and standard error of the finite values.
struct Spread {
    let n: Int
    let mean: Double
    /// nil for fewer than two values.
    let sd: Double?
    var standardError: Double? { sd.map { $0 / Double(n).squareRoot() } }

    init(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        n = v.count
        mean = v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count)
        if v.count > 1 {
            let m = mean
            sd = (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        } else {
            sd = nil
        }
    }
}

/// One-sided 95 % quantile of Student's t with `df` degrees of freedom (table to 30, then the normal 1.645
/// corrected by the first Cornish–Fisher term, good to 1e-3 beyond 30).
func studentT95(_ df: Int) -> Double {
    let table: [Double] = [
        6.314, 2.920, 2.353, 2.132, 2.015, 1.943, 1.895, 1.860, 1.833, 1.812,
        1.796, 1.782, 1.771, 1.761, 1.753, 1.746, 1.740, 1.734, 1.729, 1.725,
        1.721, 1.717, 1.714, 1.711, 1.708, 1.706, 1.703, 1.701, 1.699, 1.697
    ]
    precondition(df >= 1, "t quantile needs at least one degree of freedom")
    if df <= table.count { return table[df - 1] }
    let z = 1.6448536269514722
    return z + (z * z * z + z) / (4 * Double(df))
}

/// Combines one check measured on several seeds into the check the run reports.
func combine(_ perSeed: [(seed: UInt64, check: Check)]) -> Check {
    precondition(!perSeed.isEmpty, "combine needs at least one seed")
    var c = perSeed[0].check
    let values = perSeed.map(\.check.observed)
    var summary = Check.SeedSummary(
        seeds: perSeed.map(\.seed), values: values,
        passedPerSeed: perSeed.map(\.check.passed))
    switch c.scope {
    case .perSeed:
        // Show the first failing seed, else the seed with the least room to its bounds (relative to the bound).
        func slack(_ k: Check) -> Double {
            let scale = max(abs(k.lower ?? 0), abs(k.upper ?? 0), abs(k.expected ?? 0), 1e-300)
            let lo = k.lower.map { k.observed - $0 } ?? .infinity
            let hi = k.upper.map { $0 - k.observed } ?? .infinity
            return min(lo, hi) / scale
        }
        let worst =
            perSeed.first { !$0.check.passed }
            ?? perSeed.min { slack($0.check) < slack($1.check) } ?? perSeed[0]
        c = worst.check
        c.passed = perSeed.allSatisfy(\.check.passed)
        summary.worstSeed = worst.seed
    case .overSeeds:
        let s = Spread(values)
        c.observed = s.mean
        summary.sd = s.sd
        summary.standardError = s.standardError
        let allFinite = values.allSatisfy(\.isFinite)
        if let se = s.standardError, s.n > 1 {
            let t = studentT95(s.n - 1)
            summary.tQuantile = t
            if c.lower != nil { summary.confidenceLower = s.mean - t * se }
            if c.upper != nil { summary.confidenceUpper = s.mean + t * se }
            c.passed =
                allFinite && Check.inBounds(summary.confidenceLower ?? s.mean, lower: c.lower, upper: nil)
                && Check.inBounds(summary.confidenceUpper ?? s.mean, lower: nil, upper: c.upper)
        } else {
            c.passed = allFinite && Check.inBounds(s.mean, lower: c.lower, upper: c.upper)
        }
        // One seed (a per-seed job) cannot decide a claim over seeds: shown, not counted, until aggregated.
        if perSeed.count == 1 { c.overOneSeed = true }
    }
    c.seeds = summary
    return c
}

/// A named number over seeds.
struct NumberSummary: Codable, Equatable, Sendable {
    let mean: Double
    let sd: Double?
    let standardError: Double?
    let values: [Double]
}

/// Every seed's named numbers, for a lesson's summary of them.
public struct SeedNumbers: Sendable {
    let summaries: [String: NumberSummary]
    /// Number of seeds.
    public let seeds: Int

    /// "mean ± sd" of a number over seeds (the value alone for one seed, or when every seed gave the same value),
    /// with `digits` decimals; "—" when absent or not finite on every seed.
    public func text(_ name: String, scale: Double = 1, digits: Int = 1, unit: String = "") -> String {
        guard let n = summaries[name], n.values.allSatisfy(\.isFinite) else { return "—" }
        let f = "%.\(digits)f"
        let mean = String(format: f, n.mean * scale) + unit
        guard seeds > 1, let sd = n.sd, !(negligibleSpread(n.mean, sd) || sd == 0) else { return mean }
        return mean + " ± " + String(format: f, sd * scale)
    }
}
