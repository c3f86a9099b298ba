import Foundation

/// One block of a figure's data file: named columns (with units) and rows.
public struct DataBlock: Sendable {
    public let name: String
    public let columns: [String]
    public var rows: [[Double]]
    public init(_ name: String, columns: [String], rows: [[Double]] = []) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}

/// A figure: a gnuplot script (the plot commands; the shared style is loaded first) and its data file.
/// Scripts refer to their data as `DATA` with `index i` selecting block i.
public struct Figure: Sendable {
    public let name: String
    public let title: String
    public let claim: String
    public let blocks: [DataBlock]
    public let script: String

    public init(name: String, title: String, claim: String, blocks: [DataBlock], script: String) {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }, "figure name '\(name)' must be [A-Za-z0-9-]")
        self.name = name
        self.title = title
        self.claim = claim
        self.blocks = blocks
        self.script = script
    }

    public var dataFile: String { name + ".dat" }
    public var scriptFile: String { name + ".gp" }

    /// Data file text: `#` header (lesson, seed, claim, columns with units), then blocks separated by two blank lines.
    public func dataText(lesson: String, seed: UInt64) -> String {
        var out = ["# figure: \(name) — \(title)", "# lesson: \(lesson)", "# seed: \(seed)", "# claim: \(claim)"]
        for (i, b) in blocks.enumerated() {
            if i > 0 { out.append(""); out.append("") }
            out.append("# block \(i): \(b.name)")
            out.append("# columns: " + b.columns.enumerated().map { "\($0.offset + 1)=\($0.element)" }.joined(separator: ", "))
            for r in b.rows { out.append(r.map(dataNumber).joined(separator: " ")) }
            if b.rows.isEmpty { out.append("# (no rows)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func scriptText(lesson: String, seed: UInt64) -> String {
        """
        # \(title)
        # lesson: \(lesson); seed: \(seed)
        # claim: \(claim)
        # Render: gnuplot -e "set terminal pngcairo size 1200,800 font 'DejaVu Sans,16'; set output '\(name).png'" \(scriptFile)
        load '../style.gp'
        DATA = '\(dataFile)'
        \(script)

        """
    }

    func markdown(renderedFormats: [String]) -> String {
        var links = renderedFormats.filter { $0 != "png" }.map { "[\($0.uppercased())](\(name).\($0))" }
        links += ["[script](\(scriptFile))", "[data](\(dataFile))"]
        let image = renderedFormats.contains("png") ? "![\(title)](\(name).png)\n\n" : "*(\(title): not rendered — gnuplot was not found; see render.sh)*\n\n"
        return image + "*Figure — \(title).* " + links.joined(separator: " · ")
    }
}

/// Full precision, shortest round-trip representation, so data files are exact and reproducible.
func dataNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    return "\(x)"
}

/// The one gnuplot style every figure loads: Okabe–Ito colour-blind-safe palette, light grid, outside ticks.
public let sharedGnuplotStyle = """
# Shared figure style (written by the lesson runner; every figure script loads it).
# Okabe & Ito colour-blind-safe palette; line types 1-8.
set linetype 1 lc rgb '#0072B2' lw 2.5 pt 7 ps 1.0
set linetype 2 lc rgb '#D55E00' lw 2.5 pt 5 ps 1.0
set linetype 3 lc rgb '#009E73' lw 2.5 pt 9 ps 1.1
set linetype 4 lc rgb '#CC79A7' lw 2.5 pt 11 ps 1.1
set linetype 5 lc rgb '#E69F00' lw 2.5 pt 13 ps 1.1
set linetype 6 lc rgb '#56B4E9' lw 2.5 pt 15 ps 1.1
set linetype 7 lc rgb '#000000' lw 2.5 pt 3 ps 1.0
set linetype 8 lc rgb '#F0E442' lw 2.5 pt 1 ps 1.0
set linetype cycle 8
set border 3 lw 1.2
set tics nomirror out scale 0.6
set grid back lc rgb '#dddddd' lw 1 dt 1
set key top left noopaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.2
set style fill transparent solid 0.25 noborder
set datafile missing 'NaN'
set encoding utf8
"""
