import Foundation

/// One block of a figure's data file: named columns (with units) and rows.
public struct DataBlock: Codable, Equatable, Sendable {
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
///
/// Over seeds, block i of the data file holds the **mean over seeds** of the lesson's block i (column 1, the
/// abscissa, is kept when every seed has the same), followed by the sample sd of every other column: the sd of
/// column c (c ≥ 2) of a block with m columns is column c + m − 1 (see `band`). After these summary blocks come
/// every seed's own blocks. A figure with `summarize: false` (a raster, a trace) shows the first seed only.
public struct Figure: Codable, Equatable, Sendable {
    public let name: String
    public let title: String
    public let claim: String
    public let blocks: [DataBlock]
    public let script: String
    public let summarize: Bool
    /// The seeds the data come from (set when combined over seeds).
    public var seeds: [UInt64] = []

    public init(name: String, title: String, claim: String, blocks: [DataBlock], script: String,
                summarize: Bool = true) {
        precondition(name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" },
                     "figure name '\(name)' must be [A-Za-z0-9-]")
        self.name = name
        self.title = title
        self.claim = claim
        self.blocks = blocks
        self.script = script
        self.summarize = summarize
    }

    public var dataFile: String { name + ".dat" }
    public var scriptFile: String { name + ".gp" }

    /// Data file text: `#` header (lesson, seeds, claim, layout, columns with units), then blocks separated by
    /// two blank lines.
    public func dataText(lesson: String) -> String {
        var out = ["# figure: \(name) — \(title)", "# lesson: \(lesson)", "# seeds: \(seedListText(seeds))",
                   "# claim: \(claim)"]
        if !summarize {
            out.append("# data of seed \(seeds.first.map(String.init) ?? "?") (one seed shown)")
        } else if seeds.count > 1 {
            out.append("# layout: the first blocks are the mean over seeds with sd columns; then each seed's blocks")
        }
        for (i, b) in blocks.enumerated() {
            if i > 0 { out.append(""); out.append("") }
            out.append("# block \(i): \(b.name)")
            out.append("# columns: " + b.columns.enumerated().map { "\($0.offset + 1)=\($0.element)" }
                .joined(separator: ", "))
            for r in b.rows { out.append(r.map(dataNumber).joined(separator: " ")) }
            if b.rows.isEmpty { out.append("# (no rows)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func scriptText(lesson: String) -> String {
        """
        # \(title)
        # lesson: \(lesson); seeds: \(seedListText(seeds))
        # claim: \(claim)
        # Render (from this folder):
        #   gnuplot -e "set terminal pngcairo size 1200,800; set output '\(name).png'" \(scriptFile)
        load '../style.gp'
        DATA = '\(dataFile)'
        \(script)

        """
    }

    /// A gnuplot plot clause drawing mean ± sd over seeds of column `column` of summary block `block`, which has
    /// `columns` columns in the lesson's own block, as a shaded band in line type `lt`.
    public static func band(block: Int, column: Int, of columns: Int, lt: Int) -> String {
        let sd = column + columns - 1
        return "DATA index \(block) using 1:($\(column)-$\(sd)):($\(column)+$\(sd)) with filledcurves lt \(lt) notitle"
    }

    func markdown(renderedFormats: [String]) -> String {
        var links = renderedFormats.filter { $0 != "png" }.map { "[\($0.uppercased())](\(name).\($0))" }
        links += ["[script](\(scriptFile))", "[data](\(dataFile))"]
        let image = renderedFormats.contains("png") ? "![\(title)](\(name).png)\n\n" : "*(\(title): not rendered — gnuplot was not found; see render.sh)*\n\n"
        return image + "*Figure — \(title).* " + links.joined(separator: " · ")
    }
}

/// Combines each figure over the seed records: summary blocks (mean, then sd columns), then every seed's blocks.
func combineFigures(_ records: [SeedRecord]) -> [Figure] {
    guard let first = records.first else { return [] }
    let seeds = records.map(\.seed)
    return first.figures.map { f in
        var combined: Figure
        if !f.summarize {
            combined = f
        } else {
            let perSeed = records.compactMap { r in r.figures.first { $0.name == f.name }.map { (r.seed, $0) } }
            var blocks = f.blocks.indices.map { b in
                summaryBlock(perSeed.compactMap { $0.1.blocks.indices.contains(b) ? $0.1.blocks[b] : nil }
                    .filter { $0.columns.count == f.blocks[b].columns.count }, like: f.blocks[b])
            }
            if perSeed.count > 1 {
                for (seed, g) in perSeed {
                    blocks += g.blocks.map { DataBlock("seed \(seed): \($0.name)", columns: $0.columns, rows: $0.rows) }
                }
            }
            combined = Figure(name: f.name, title: f.title, claim: f.claim, blocks: blocks, script: f.script)
        }
        combined.seeds = f.summarize ? seeds : [first.seed]
        return combined
    }
}

/// Mean over seeds of each column, row by row, and the sample sd of every column after the first. Column 1 is
/// the seeds' common abscissa (their mean where they differ). Rows some seeds lack average the others.
func summaryBlock(_ blocks: [DataBlock], like model: DataBlock) -> DataBlock {
    let m = model.columns.count
    let columns = model.columns + model.columns.dropFirst().map { "sd over seeds of " + $0 }
    let rowCount = blocks.map(\.rows.count).max() ?? 0
    var rows: [[Double]] = []
    for r in 0..<rowCount {
        let present = blocks.compactMap { $0.rows.indices.contains(r) && $0.rows[r].count == m ? $0.rows[r] : nil }
        var means: [Double] = []
        var sds: [Double] = []
        for c in 0..<m {
            let s = Spread(present.map { $0[c] })
            means.append(s.mean)
            if c > 0 { sds.append(s.sd ?? .nan) }
        }
        rows.append(means + sds)
    }
    return DataBlock(model.name + " (mean over seeds; then sd over seeds)", columns: columns, rows: rows)
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
