import Foundation

/// A numerical claim with its bounds. `passed` is computed from the numbers, never set by hand.
///
/// Every check has explicit bounds: `lower` ≤ observed ≤ `upper`, either end absent when the claim is one-sided.
/// A `close` check also keeps the value it is close to (`expected`) and its allowed |difference| (`tolerance`).
///
/// A check's **scope** says what the claim is about:
/// - `perSeed`: the theory guarantees it for every seed (an exact identity, a closed form, a count of
///   violations that must be zero, a bound derived for one realisation). Over several seeds it passes only
///   when every seed passes; the table shows the worst seed.
/// - `overSeeds`: a statistical claim about the distribution over seeds (an accuracy, an angle reached by
///   training). Over n ≥ 2 seeds the runner compares the one-sided 95 % confidence bound of the mean,
///   mean ∓ t(0.95, n−1)·SE with SE = sd/√n, against the bound; one seed cannot decide it: the value is compared
///   and shown, but the check does not count (`overOneSeed`) until `lesson aggregate` merges the seeds' runs.
public struct Check: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// |observed − expected| ≤ tolerance
        case close
        /// observed ≤ upper
        case atMost
        /// observed ≥ lower
        case atLeast
        /// lower ≤ observed ≤ upper
        case within
    }

    public enum Scope: String, Codable, Sendable {
        case perSeed = "per-seed"
        case overSeeds = "over-seeds"
    }

    /// Stable identifier: the same for every seed and parameter value (no run-specific numbers).
    public var id: String
    public var name: String
    public let kind: Kind
    public var scope: Scope
    /// The value compared with the bounds: one seed's measurement, or over seeds the mean (`overSeeds`) or the
    /// worst seed's value (`perSeed`).
    public var observed: Double
    public var lower: Double?
    public var upper: Double?
    /// For `close` only: the value and allowed |difference| that give `lower` and `upper`.
    public var expected: Double?
    public var tolerance: Double?
    public var unit: String
    public var passed: Bool
    /// Filled when the check summarises several seeds.
    public var seeds: SeedSummary?
    /// True when `--explore` reports this claim without counting it: the claim is calibrated at the notebook's
    /// default parameters (`calibratedAtDefaults`). Absent otherwise, so other runs' files are unchanged.
    public var informational: Bool?
    /// True for an empirical claim calibrated at the notebook's default parameters (an accuracy reached, a gap to
    /// BP, an angle after training), marked where the check is made (`.calibrated`); absent for identities,
    /// closed forms and bounds derived for the run's own sizes, which hold for any admissible parameters.
    public var calibratedAtDefaults: Bool?
    /// True when a claim over seeds (`overSeeds`) was measured on one seed only, as a per-seed job of a cluster
    /// array is: one seed cannot decide a claim about the distribution over seeds, so the check is reported
    /// ("over one seed: aggregate to decide") and `lesson aggregate` of the jobs decides it. Absent otherwise.
    public var overOneSeed: Bool?

    /// Whether the check counts towards the run's verdict (every check does, but informational ones and claims
    /// over seeds measured on one seed).
    public var counts: Bool { informational != true && overOneSeed != true }

    /// What a check over several seeds adds: every seed's value, and for `overSeeds` the spread and the
    /// confidence bound that was compared.
    public struct SeedSummary: Codable, Equatable, Sendable {
        public var seeds: [UInt64]
        public var values: [Double]
        public var passedPerSeed: [Bool]
        /// Sample standard deviation of the values (n − 1 in the denominator); nil for one seed.
        public var sd: Double?
        /// Standard error of the mean, sd/√n; nil for one seed.
        public var standardError: Double?
        /// Student t quantile t(0.95, n − 1) used for the one-sided bound.
        public var tQuantile: Double?
        /// The bound compared: mean − t·SE against `lower`, mean + t·SE against `upper`.
        public var confidenceLower: Double?
        public var confidenceUpper: Double?
        /// `perSeed`: the seed whose value is shown (the first failing one, else the one closest to a bound).
        public var worstSeed: UInt64?
    }

    init(
        id: String?, name: String, kind: Kind, observed: Double, lower: Double?, upper: Double?,
        expected: Double? = nil, tolerance: Double? = nil, unit: String
    ) {
        self.id = id ?? checkID(name)
        self.name = name
        self.kind = kind
        self.scope = .perSeed
        self.observed = observed
        self.lower = lower
        self.upper = upper
        self.expected = expected
        self.tolerance = tolerance
        self.unit = unit
        self.passed = Check.inBounds(observed, lower: lower, upper: upper)
        self.seeds = nil
        self.informational = nil
        self.calibratedAtDefaults = nil
        self.overOneSeed = nil
    }

    static func inBounds(_ x: Double, lower: Double?, upper: Double?) -> Bool {
        x.isFinite && (lower.map { x >= $0 } ?? true) && (upper.map { x <= $0 } ?? true)
    }

    public static func close(
        _ name: String, id: String? = nil, observed: Double, expected: Double,
        tolerance: Double, unit: String = ""
    ) -> Check {
        var c = Check(
            id: id, name: name, kind: .close, observed: observed, lower: expected - tolerance,
            upper: expected + tolerance, expected: expected, tolerance: tolerance, unit: unit)
        // Decided on the difference itself, so that rounding in expected ± tolerance cannot flip the verdict.
        c.passed = observed.isFinite && abs(observed - expected) <= tolerance
        return c
    }

    public static func atMost(
        _ name: String, id: String? = nil, observed: Double, bound: Double,
        unit: String = ""
    ) -> Check {
        Check(id: id, name: name, kind: .atMost, observed: observed, lower: nil, upper: bound, unit: unit)
    }

    public static func atLeast(
        _ name: String, id: String? = nil, observed: Double, bound: Double,
        unit: String = ""
    ) -> Check {
        Check(id: id, name: name, kind: .atLeast, observed: observed, lower: bound, upper: nil, unit: unit)
    }

    public static func within(
        _ name: String, id: String? = nil, observed: Double, lower: Double, upper: Double,
        unit: String = ""
    ) -> Check {
        Check(id: id, name: name, kind: .within, observed: observed, lower: lower, upper: upper, unit: unit)
    }

    /// A count of violations that must be zero (e.g. synapses breaking Dale's principle).
    public static func none(_ name: String, id: String? = nil, violations: Int, of total: Int) -> Check {
        Check(
            id: id ?? checkID(name), name: "\(name) (\(total) tested)", kind: .atMost,
            observed: Double(violations), lower: nil, upper: 0, unit: "")
    }

    /// The same claim, marked as calibrated at the notebook's default parameters: with `--explore` it is reported
    /// and not counted.
    public var calibrated: Check {
        var c = self
        c.calibratedAtDefaults = true
        return c
    }

    /// The same claim stated over the distribution of seeds (see `Scope.overSeeds`).
    public var overSeeds: Check {
        var c = self
        c.scope = .overSeeds
        return c
    }

    public var expectedText: String {
        let prefix = scope == .overSeeds && seeds != nil ? "mean " : ""
        switch kind {
        case .close: return prefix + format(expected ?? .nan)
        case .atMost: return prefix + "≤ " + format(upper ?? .nan)
        case .atLeast: return prefix + "≥ " + format(lower ?? .nan)
        case .within: return prefix + "in [\(format(lower ?? .nan)), \(format(upper ?? .nan))]"
        }
    }

    public var toleranceText: String { kind == .close ? "± " + format(tolerance ?? .nan) : "—" }

    public var observedText: String {
        guard let s = seeds, s.values.count > 1 else { return format(observed) }
        switch scope {
        case .overSeeds:
            // Digits set by the uncertainty: SE to two significant digits, the mean and the bound to its place.
            let se = s.standardError ?? .nan
            let bound = [s.confidenceLower, s.confidenceUpper].compactMap { $0 }.map { atPlaceOf(se, $0) }
            return "\(meanAndError(observed, se)) SE, n = \(s.values.count)"
                + (bound.isEmpty ? "" : "; 95 % bound " + bound.joined(separator: ", "))
        case .perSeed:
            // A value every seed shares (a closed form, an exact count) is said once; otherwise the worst seed.
            if s.values.allSatisfy({ $0 == s.values[0] }) { return "\(format(observed)) (all \(s.values.count) seeds)" }
            return "\(format(observed)) (\(s.values.count) seeds; worst: seed \(s.worstSeed.map(String.init) ?? "?"))"
        }
    }
}

// MARK: - Shared bounds

/// "Equal to rounding" in Double precision: a max-norm relative error of at most this (e.g. between two sums of
/// the same terms in another order, such as a circuit's Hebbian update and the matrix update it equals).
package let roundingBound = 1e-12

/// A check against sampling noise allows this many standard errors: under a normal approximation a true claim
/// fails one such check with probability 6e-5 (two-sided), so a run of a few dozen checks rarely fails by chance.
package let samplingErrorMultiple = 4.0

/// That a trained model learned at all: its test accuracy (%) above chance by `samplingErrorMultiple` binomial
/// standard errors of an accuracy at chance on `testSamples` samples of `classes` classes. A lesson that trains
/// models gives each one: a comparison with a model that learned nothing would mean nothing, and a run in which
/// nothing learned fails, `--explore` or not (it is never `.calibrated`).
package func learnedCheck(
    _ model: String, on data: String, accuracy: Double, classes: Int, testSamples: Int
) -> Check {
    let chance = 100 / Double(max(classes, 1))
    let se = 100 * (chance / 100 * (1 - chance / 100) / Double(max(testSamples, 1))).squareRoot()
    return .atLeast(
        "\(model): test accuracy on \(data) above chance (\(format(chance)) % + "
            + "\(format(samplingErrorMultiple)) SE)", id: "\(model)-learned",
        observed: accuracy, bound: chance + samplingErrorMultiple * se, unit: "%")
}

/// The angle to BP's update (°) beyond which an update has a negative inner product with it, i.e. points uphill.
package let descentAngleBound = 90.0

/// A stable check identifier from its name: ASCII letters only, words joined by '-'. Numbers are dropped so
/// that the id does not change with parameter values or measurements.
func checkID(_ name: String) -> String {
    var words: [String] = []
    var current = ""
    for ch in name.lowercased() {
        if ch.isASCII && ch.isLetter {
            current.append(ch)
        } else if !current.isEmpty {
            words.append(current)
            current = ""
        }
    }
    if !current.isEmpty { words.append(current) }
    return words.joined(separator: "-")
}

/// Compact number formatting for tables: 6 significant digits, scientific when small or large.
public func format(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == 0 { return "0" }
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    let a = abs(x)
    if a >= 1e-3 && a < 1e6 { return String(format: "%.6g", x) }
    return String(format: "%.3e", x)
}

/// The width the plain-text check table keeps within: a terminal's or a slide's 120 columns.
public let checkTableColumns = 120

/// The plain-text check table printed by every run, ending with `N passed, M failed`. It fits
/// `checkTableColumns`: when the cells' natural widths do not, the check's name and the observed value are
/// wrapped at spaces onto further lines of their row (a word longer than its column is cut).
public func checkTable(_ checks: [Check]) -> String {
    let header = ["check", "expected", "observed", "tolerance", "result"]
    let rows = checks.map { c in
        [
            c.name + (c.unit.isEmpty ? "" : " (\(c.unit))"), c.expectedText, c.observedText, c.toleranceText,
            resultText(c)
        ]
    }
    let widths = checkTableWidths(header: header, rows: rows, columns: checkTableColumns)
    func lines(_ cells: [String]) -> [String] {
        let wrapped = cells.enumerated().map { i, cell in wrappedCell(cell, width: widths[i]) }
        let height = wrapped.map(\.count).max() ?? 1
        return (0..<height).map { k in
            wrapped.enumerated().map { i, cell in
                (k < cell.count ? cell[k] : "").padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
    }
    var out = lines(header) + [widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    for r in rows { out += lines(r) }
    out.append(summaryLine(checks))
    return out.joined(separator: "\n")
}

/// Column widths for the check table: the natural widths when they fit `columns`; otherwise the expected and
/// tolerance columns keep theirs (up to a cap), the result its own (it is never wrapped), and the name and
/// observed columns share the rest, the name getting at least 28 columns and the observed value what it leaves.
func checkTableWidths(header: [String], rows: [[String]], columns: Int) -> [Int] {
    var natural = header.map(\.count)
    for r in rows { for (i, cell) in r.enumerated() { natural[i] = max(natural[i], cell.count) } }
    let gaps = 2 * (header.count - 1)
    guard natural.reduce(0, +) + gaps > columns else { return natural }
    var w = natural
    w[1] = min(natural[1], 24)
    w[3] = min(natural[3], 14)
    w[4] = natural[4]
    let rest = max(columns - gaps - w[1] - w[3] - w[4], 2 * 20)
    w[0] = min(natural[0], max(28, rest - natural[2]))
    w[2] = min(natural[2], rest - w[0])
    return w
}

/// `text` in lines of at most `width` characters, broken at spaces; a longer word is cut.
func wrappedCell(_ text: String, width: Int) -> [String] {
    guard text.count > width, width > 0 else { return [text] }
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
        if current.isEmpty {
            current = word
        } else if current.count + 1 + word.count <= width {
            current += " " + word
            continue
        } else {
            lines.append(current)
            current = word
        }
        while current.count > width {
            lines.append(String(current.prefix(width)))
            current = String(current.dropFirst(width))
        }
    }
    lines.append(current)
    return lines
}

public func summaryLine(_ checks: [Check]) -> String {
    let counted = checks.filter(\.counts)
    let passed = counted.filter(\.passed).count
    let undecided = checks.filter { $0.overOneSeed == true }.count
    let exploring = checks.filter { $0.informational == true && $0.overOneSeed != true }
    let missed = exploring.filter { !$0.passed }.count
    return "\(passed) passed, \(counted.count - passed) failed"
        + (exploring.isEmpty
            ? ""
            : "; \(exploring.count) informational (--explore), \(missed) of them outside "
                + "the bound tuned to the default parameters")
        + (undecided == 0 ? "" : "; \(undecided) over one seed (aggregate the seeds' runs to decide)")
}

/// The result of a claim over seeds measured on one seed (see `Check.overOneSeed`).
let overOneSeedText = "over one seed: aggregate to decide"

/// The result column: pass / FAIL; for an informational check (see `--explore`) info: pass / info: miss; for a
/// claim over seeds measured on one seed, that aggregating the seeds' runs decides it.
func resultText(_ c: Check) -> String {
    if c.overOneSeed == true { return overOneSeedText }
    return c.counts ? (c.passed ? "pass" : "FAIL") : (c.passed ? "info: pass" : "info: miss")
}

/// The same table in Markdown, for the executed notebook.
public func markdownCheckTable(_ checks: [Check]) -> String {
    var out = [markdownTableRow(["check", "expected", "observed", "tolerance", "result"]), "|---|---|---|---|---|"]
    for c in checks {
        let name = c.name + (c.unit.isEmpty ? "" : " (\(c.unit))")
        let scope =
            c.seeds.map { $0.values.count > 1 } == true
            ? (c.scope == .overSeeds ? " *(over seeds)*" : " *(every seed)*") : ""
        out.append(
            markdownTableRow([
                name + scope, c.expectedText, c.observedText, c.toleranceText,
                c.counts && !c.passed ? "**FAIL**" : resultText(c)
            ]))
    }
    out.append("")
    out.append("**\(summaryLine(checks))**")
    return out.joined(separator: "\n")
}

/// One row of a GitHub-flavoured Markdown table. A `|` inside a cell would end the cell (even inside `code` or
/// `$math$`), so it is written `\|`; a line break would end the row, so it becomes a space. Lessons that record
/// tables of their own build their rows with this function.
public func markdownTableRow(_ cells: [String]) -> String {
    "| " + cells.map(markdownTableCell).joined(separator: " | ") + " |"
}

/// The text of one Markdown table cell, escaped (see `markdownTableRow`).
public func markdownTableCell(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "|": out += "\\|"
        case "\n", "\r", "\r\n": out += " "
        default: out.append(ch)
        }
    }
    return out
}
