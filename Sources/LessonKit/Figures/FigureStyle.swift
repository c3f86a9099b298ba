import Foundation
import NeuroModel

/// The one gnuplot style every figure loads: Okabe–Ito colour-blind-safe palette, light grid, outside ticks, one
/// neutral style for reference lines (lt 18) and one for checked bounds (lt 19). Point sizes scale with
/// `figure_ps`, which each rendering sets for its size (`figureRenderings`); 1 when a script is run by hand.
public let sharedGnuplotStyle = """
    # Shared figure style (written by the lesson runner; every figure script loads it).
    # figure_ps scales every point (render.sh sets it per size: smaller in a 3.5 in column).
    figure_ps = exists("figure_ps") ? figure_ps : 1.0
    # Okabe & Ito colour-blind-safe palette; line types 1-8.
    set linetype 1 lc rgb '#0072B2' lw 2.5 pt 7 ps 1.0*figure_ps
    set linetype 2 lc rgb '#D55E00' lw 2.5 pt 5 ps 1.0*figure_ps
    set linetype 3 lc rgb '#009E73' lw 2.5 pt 9 ps 1.1*figure_ps
    set linetype 4 lc rgb '#CC79A7' lw 2.5 pt 11 ps 1.1*figure_ps
    set linetype 5 lc rgb '#E69F00' lw 2.5 pt 13 ps 1.1*figure_ps
    set linetype 6 lc rgb '#56B4E9' lw 2.5 pt 15 ps 1.1*figure_ps
    set linetype 7 lc rgb '#000000' lw 2.5 pt 3 ps 1.0*figure_ps
    set linetype 8 lc rgb '#F0E442' lw 2.5 pt 1 ps 1.0*figure_ps
    set linetype cycle 8
    set border 3 lw 1.2
    set tics nomirror out scale 0.6
    set grid back lc rgb '#dddddd' lw 1 dt 1
    set key outside top center horizontal noopaque nobox samplen 2.5 spacing 1.2
    set style fill transparent solid 0.25 noborder
    set datafile missing 'NaN'
    set encoding utf8
    """ + "\n" + ruleLinetypes() + "\n" + modelLinetypes + "\n" + referenceLinetypes

/// style.gp's part for lines that are not data: references (90°, zero, a scale) and the bounds a check holds
/// the data to, each in a neutral grey and a dash of its own, never a data colour.
let referenceLinetypes = """
    # Reference lines (90°, zero, a scale) and checked bounds: neutral, never a data colour.
    set linetype 18 lc rgb '#888888' lw 1.2 dt 2 pt 0   # reference line (dashed)
    set linetype 19 lc rgb '#333333' lw 1.5 dt 4 pt 0   # checked bound (dash-dot)
    """

/// The plot or arrow option of a reference line (style.gp's line type 18: grey, dashed).
package let referenceLineStyle = "lt 18"
/// The plot or arrow option of a checked bound (style.gp's line type 19: dark grey, dash-dot).
package let checkedBoundStyle = "lt 19"

// MARK: - One style per learning rule

/// How every figure draws a learning rule: one colour (Okabe & Ito), dash pattern and point shape, the same
/// in every lesson. style.gp defines them as gnuplot line types 11–16 (so editing style.gp restyles a rule in
/// every figure at once) and a function `rule_lt('frsf')` for scripts that loop over rule names.
public struct RuleStyle: Sendable, Equatable {
    public let color: String
    /// gnuplot dash type: 1 solid, 2 dashed, 4 dash-dot, 5 dash-dot-dot.
    public let dash: Int
    /// gnuplot point type (filled shapes 5–15).
    public let point: Int
    /// The line type style.gp defines for the rule.
    public let linetype: Int
}

/// The style of `rule`. Rate-level rules of one family share a hue family: BP black, the random-feedback rules
/// warm (FA orange, DFA vermillion dashed), the sign-concordant ones cool (uSF sky blue dash-dot, frSF blue,
/// brSF green dash-dot-dot), so FA and DFA, or frSF and brSF, never look alike.
public func ruleStyleDefinition(_ rule: Rule) -> RuleStyle {
    switch rule {
    case .bp: return RuleStyle(color: "#000000", dash: 1, point: 7, linetype: 11)
    case .fa: return RuleStyle(color: "#E69F00", dash: 1, point: 5, linetype: 12)
    case .dfa: return RuleStyle(color: "#D55E00", dash: 2, point: 9, linetype: 13)
    case .usf: return RuleStyle(color: "#56B4E9", dash: 4, point: 11, linetype: 14)
    case .frsf: return RuleStyle(color: "#0072B2", dash: 1, point: 13, linetype: 15)
    case .brsf: return RuleStyle(color: "#009E73", dash: 5, point: 15, linetype: 16)
    }
}

/// The plot option that draws `rule` in its style, e.g. `… with lines \(ruleStyle(.frsf)) title 'frsf'`.
/// It names style.gp's line type, so colour, dashes and points follow that file.
public func ruleStyle(_ rule: Rule) -> String { "lt \(ruleStyleDefinition(rule).linetype)" }

/// style.gp's part for the rules: one `set linetype` per rule and `rule_lt(name)`.
public func ruleLinetypes() -> String {
    var lines = [
        "# One style per learning rule, the same in every figure: plot … lt rule_lt('frsf').",
        "# (Line types 11-16; edit them here to restyle a rule everywhere.)"
    ]
    for rule in Rule.allCases {
        let s = ruleStyleDefinition(rule)
        lines.append(
            "set linetype \(s.linetype) lc rgb '\(s.color)' lw 2.5 dt \(s.dash) pt \(s.point) ps figure_ps"
                + "   # \(rule.rawValue)")
    }
    let chain = Rule.allCases.map { "name eq '\($0.rawValue)' ? \(ruleStyleDefinition($0).linetype)" }
    lines.append("rule_lt(name) = " + chain.joined(separator: " : ") + " : 7")
    return lines.joined(separator: "\n")
}

/// style.gp's part for models that are not learning rules.
let modelLinetypes = """
    # Models that are not learning rules: the standard network (ReLU, softmax cross-entropy, BP), lesson 7's
    # reference for the field's level.
    set linetype 17 lc rgb '#888888' lw 2.5 dt 3 pt 2 ps figure_ps   # standard network
    """

/// The plot option that draws the standard network (style.gp's line type 17).
package let standardNetworkStyle = "lt 17"

/// "(a)", "(b)", … for panel `i` of a multiplot.
package func panelLabel(_ i: Int) -> String {
    "(" + String(UnicodeScalar(UInt8(97 + i % 26))) + ")"
}
