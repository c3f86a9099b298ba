import Foundation

/// A numerical claim with its tolerance. `passed` is computed from the numbers, never set by hand.
public struct Check: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// |observed − expected| ≤ tolerance
        case close
        /// observed ≤ bound
        case atMost
        /// observed ≥ bound
        case atLeast
        /// lower ≤ observed ≤ upper
        case within
    }

    public let name: String
    public let kind: Kind
    public let observed: Double
    public let expected: Double
    /// For `close`: the allowed |difference|; for `within`: the upper end; otherwise unused (0).
    public let tolerance: Double
    public let unit: String
    public let passed: Bool

    public static func close(_ name: String, observed: Double, expected: Double, tolerance: Double,
                             unit: String = "") -> Check {
        Check(name: name, kind: .close, observed: observed, expected: expected, tolerance: tolerance, unit: unit,
              passed: observed.isFinite && abs(observed - expected) <= tolerance)
    }

    public static func atMost(_ name: String, observed: Double, bound: Double, unit: String = "") -> Check {
        Check(name: name, kind: .atMost, observed: observed, expected: bound, tolerance: 0, unit: unit,
              passed: observed.isFinite && observed <= bound)
    }

    public static func atLeast(_ name: String, observed: Double, bound: Double, unit: String = "") -> Check {
        Check(name: name, kind: .atLeast, observed: observed, expected: bound, tolerance: 0, unit: unit,
              passed: observed.isFinite && observed >= bound)
    }

    public static func within(_ name: String, observed: Double, lower: Double, upper: Double,
                              unit: String = "") -> Check {
        Check(name: name, kind: .within, observed: observed, expected: lower, tolerance: upper, unit: unit,
              passed: observed.isFinite && observed >= lower && observed <= upper)
    }

    /// A count of violations that must be zero (e.g. synapses breaking Dale's principle).
    public static func none(_ name: String, violations: Int, of total: Int) -> Check {
        Check(name: "\(name) (\(total) tested)", kind: .atMost, observed: Double(violations), expected: 0, tolerance: 0,
              unit: "", passed: violations == 0)
    }

    public var expectedText: String {
        switch kind {
        case .close: return format(expected)
        case .atMost: return "≤ " + format(expected)
        case .atLeast: return "≥ " + format(expected)
        case .within: return "[\(format(expected)), \(format(tolerance))]"
        }
    }

    public var toleranceText: String { kind == .close ? "± " + format(tolerance) : "—" }
    public var observedText: String { format(observed) }
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

/// The plain-text check table printed by every run, ending with `N passed, M failed`.
public func checkTable(_ checks: [Check]) -> String {
    let header = ["check", "expected", "observed", "tolerance", "result"]
    let rows = checks.map { c in
        [c.name + (c.unit.isEmpty ? "" : " (\(c.unit))"), c.expectedText, c.observedText, c.toleranceText,
         c.passed ? "pass" : "FAIL"]
    }
    var widths = header.map { $0.count }
    for r in rows { for (i, cell) in r.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }
    var out = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    out += rows.map(line)
    out.append(summaryLine(checks))
    return out.joined(separator: "\n")
}

public func summaryLine(_ checks: [Check]) -> String {
    let passed = checks.filter(\.passed).count
    return "\(passed) passed, \(checks.count - passed) failed"
}

/// The same table in Markdown, for the executed notebook.
public func markdownCheckTable(_ checks: [Check]) -> String {
    var out = [markdownTableRow(["check", "expected", "observed", "tolerance", "result"]), "|---|---|---|---|---|"]
    for c in checks {
        let name = c.name + (c.unit.isEmpty ? "" : " (\(c.unit))")
        out.append(markdownTableRow([name, c.expectedText, c.observedText, c.toleranceText,
                                     c.passed ? "pass" : "**FAIL**"]))
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
