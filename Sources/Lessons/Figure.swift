import Foundation
import NeuroModel

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
    /// Why this run's figures were not rendered, for the caption that stands in for the image (set once the run
    /// has tried to render; not part of a seed record).
    var notRendered = FigureNotRendered.gnuplotNotFound

    private enum CodingKeys: String, CodingKey { case name, title, claim, blocks, script, summarize, seeds }

    public init(
        name: String, title: String, claim: String, blocks: [DataBlock], script: String,
        summarize: Bool = true
    ) {
        precondition(
            name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" },
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
        var out = [
            "# figure: \(name) — \(title)", "# lesson: \(lesson)", "# seeds: \(seedListText(seeds))",
            "# claim: \(claim)"
        ]
        if !summarize {
            out.append("# data of seed \(seeds.first.map(String.init) ?? "?") (one seed shown)")
        } else if seeds.count > 1 {
            out.append("# layout: the first blocks are the mean over seeds with sd columns; then each seed's blocks")
        }
        for (i, b) in blocks.enumerated() {
            if i > 0 {
                out.append("")
                out.append("")
            }
            out.append("# block \(i): \(b.name)")
            out.append(
                "# columns: "
                    + b.columns.enumerated().map { "\($0.offset + 1)=\($0.element)" }
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
        #   gnuplot -e "set terminal pngcairo size 1200,800 font ',16'; set output '\(name).png'" \(scriptFile)
        # (sh ../render.sh renders every figure to PNG, SVG and PDF at two- and one-column width)
        \(styleLoader)
        DATA = '\(dataFile)'
        \(script)

        """
    }

    /// Loads the shared style: ../style.gp when the script sits in its run folder (edit that file to restyle
    /// every figure at once), else a copy of it kept in the script, so that a script copied out of the folder
    /// with its data file still draws the same figure.
    var styleLoader: String {
        let copy = sharedGnuplotStyle.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { "    " + $0 }
        return
            ([
                "# The shared style: ../style.gp when present (edit it to restyle every figure), else the copy below.",
                "if (system(\"[ -r ../style.gp ] && echo found\") eq \"found\") {",
                "    load '../style.gp'",
                "} else {"
            ] + copy + ["}"]).joined(separator: "\n")
    }

    /// A gnuplot plot clause drawing mean ± sd over seeds of column `column` of summary block `block`, which has
    /// `columns` columns in the lesson's own block, as a shaded band in line type `lt`.
    public static func band(block: Int, column: Int, of columns: Int, lt: Int) -> String {
        let sd = column + columns - 1
        return "DATA index \(block) using 1:($\(column)-$\(sd)):($\(column)+$\(sd)) with filledcurves lt \(lt) notitle"
    }

    func markdown(renderedFormats: [String]) -> String {
        var links: [String] = []
        for r in figureRenderings where r.format != "png" && renderedFormats.contains(r.format) {
            links.append("[\(r.label)](\(name)\(r.fileSuffix))")
        }
        links += ["[script](\(scriptFile))", "[data](\(dataFile))"]
        let image =
            renderedFormats.contains("png")
            ? "![\(title)](\(name).png)\n\n"
            : "*(\(title): not rendered — \(notRendered.rawValue); see render.sh)*\n\n"
        return image + "*Figure — \(title).* " + links.joined(separator: " · ")
    }
}

/// Why a figure was not rendered, as its caption says.
enum FigureNotRendered: String, Sendable {
    case gnuplotNotFound = "gnuplot was not found"
    case gnuplotFailed = "gnuplot failed on it (see the run's note)"
    case notRequested = "rendering was turned off (--no-render)"

    /// The reason a run with `options` has when it renders nothing: rendering off, no gnuplot, or gnuplot failed.
    static func reason(options: RunOptions) -> FigureNotRendered {
        !options.render ? .notRequested : options.gnuplot == nil ? .gnuplotNotFound : .gnuplotFailed
    }
}

extension Conclusion {
    /// The conclusion with the reason each figure's caption gives when the run with `options` renders nothing.
    func withCaptions(_ options: RunOptions) -> Conclusion {
        Conclusion(
            lesson: lesson, seeds: seeds, parameters: parameters, checks: checks, values: values, numbers: numbers,
            figures: figures.map { f in
                var f = f
                f.notRendered = .reason(options: options)
                return f
            }, status: status)
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
                summaryBlock(
                    perSeed.compactMap { $0.1.blocks.indices.contains(b) ? $0.1.blocks[b] : nil }
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
    """ + "\n" + ruleLinetypes() + "\n" + modelLinetypes

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
            "set linetype \(s.linetype) lc rgb '\(s.color)' lw 2.5 dt \(s.dash) pt \(s.point) ps 1.0"
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
    set linetype 17 lc rgb '#888888' lw 2.5 dt 3 pt 2 ps 1.0   # standard network
    """

/// The plot option that draws the standard network (style.gp's line type 17).
let standardNetworkStyle = "lt 17"

// MARK: - Rendered sizes

/// One rendered file of a figure: `name + fileSuffix`, drawn by gnuplot's `terminal`.
struct FigureRendering: Sendable {
    let format: String
    let fileSuffix: String
    let terminal: String
    /// Link text in the executed notebook.
    let label: String
}

/// PNG and SVG for screens; PDF at a journal's two-column width (7 in) and one-column width (3.5 in), with
/// fonts and lines scaled so the text is 9 pt and 8 pt when printed at that size.
let figureRenderings: [FigureRendering] = [
    FigureRendering(
        format: "png", fileSuffix: ".png",
        terminal: "pngcairo size 1200,800 enhanced font 'DejaVu Sans,16'", label: "PNG"),
    FigureRendering(
        format: "svg", fileSuffix: ".svg",
        terminal: "svg size 900,600 enhanced font 'DejaVu Sans,14' background rgb 'white'",
        label: "SVG"),
    FigureRendering(
        format: "pdf", fileSuffix: ".pdf",
        terminal: "pdfcairo size 7in,4.3in enhanced font 'DejaVu Sans,9' linewidth 0.8",
        label: "PDF (7 in, two columns)"),
    FigureRendering(
        format: "pdf", fileSuffix: "-1col.pdf",
        terminal: "pdfcairo size 3.5in,2.6in enhanced font 'DejaVu Sans,8' linewidth 0.5",
        label: "PDF (3.5 in, one column)")
]

/// The formats rendered, each once: png, svg, pdf.
let figureFormats = figureRenderings.map(\.format).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }

// MARK: - Files the user may edit

/// The last line of every script the runner writes: a checksum of the lines above it, so that a re-run can tell
/// a file it wrote from one a user edited.
let checksumPrefix = "# lesson-runner checksum: fnv1a64 "

/// 64-bit FNV-1a of the text's UTF-8 bytes: stable across runs and platforms (Swift's Hasher is not).
func fnv1a64(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        h ^= UInt64(byte)
        h = h &* 0x0000_0100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// `text` as the runner writes it: a note that editing is safe, then the checksum line.
func stamped(_ text: String, newName: String) -> String {
    let body = text + "# Edit freely: a re-run keeps an edited copy and writes its own version as \(newName).\n"
    return body + checksumPrefix + fnv1a64(body) + "\n"
}

/// True when `text` is exactly what the runner wrote (its checksum line matches the lines above it).
func isUnedited(_ text: String) -> Bool {
    guard text.hasSuffix("\n") else { return false }
    let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
    guard let last = lines.last, last.hasPrefix(checksumPrefix) else { return false }
    let body = text.dropLast(last.count + 1)
    return String(last.dropFirst(checksumPrefix.count)) == fnv1a64(String(body))
}

/// `name.new.ext` beside `name.ext`.
func newVersionPath(_ path: String) -> String {
    let ext = (path as NSString).pathExtension
    let stem = (path as NSString).deletingPathExtension
    return ext.isEmpty ? stem + ".new" : stem + ".new." + ext
}

/// Writes `text` to `path`, unless the file there is one a user edited (it differs from what the runner last
/// wrote, or carries no checksum and differs from `text`): then the edit is kept and the runner's version goes
/// beside it as `name.new.ext`. Returns that path when it did so.
/// FNV-1a checksums of files that version 0.1.0 wrote without a checksum line (its `style.gp` and `render.sh`):
/// such a file is the old runner's, not a user's edit, and is replaced on upgrade.
let writtenByEarlierVersions: Set<String> = ["7bd5507543d61e3f", "a523fd0c2f297518"]

func writeKeepingEdits(_ text: String, to path: String) throws -> String? {
    let side = newVersionPath(path)
    let content = stamped(text, newName: (side as NSString).lastPathComponent)
    if let data = FileManager.default.contents(atPath: path) {
        let existing = String(decoding: data, as: UTF8.self)
        if existing != content && !isUnedited(existing) && !writtenByEarlierVersions.contains(fnv1a64(existing)) {
            try writeAtomically(content, to: side)
            return side
        }
    }
    try writeAtomically(content, to: path)
    return nil
}

/// Writes each figure's data file and script, and the output folder's style.gp and render.sh. Scripts,
/// style.gp and render.sh a user edited are kept (see `writeKeepingEdits`); the returned one-line note names
/// them, or is empty.
func writeFigureFiles(_ figures: [Figure], folder: String, outDirectory: String, lesson: String) throws -> String {
    var files: [(String, String)] = []
    for f in figures {
        try writeAtomically(f.dataText(lesson: lesson), to: (folder as NSString).appendingPathComponent(f.dataFile))
        files.append(
            (
                f.scriptText(lesson: lesson),
                (folder as NSString).appendingPathComponent(f.scriptFile)
            ))
    }
    files.append((sharedGnuplotStyle + "\n", (outDirectory as NSString).appendingPathComponent("style.gp")))
    files.append((renderScript(), (outDirectory as NSString).appendingPathComponent("render.sh")))
    var kept: [String] = []
    var sides: [String] = []
    for (text, path) in files {
        if let side = try writeKeepingEdits(text, to: path) {
            kept.append(RunFolder.finalPath(of: path))
            sides.append((side as NSString).lastPathComponent)
        }
    }
    guard !kept.isEmpty else { return "" }
    let beside = kept.count == 1 ? "this run's version is beside it as " : "this run's versions are beside them as "
    return "kept your edited " + kept.joined(separator: ", ") + "; " + beside + sides.joined(separator: ", ")
}

/// "(a)", "(b)", … for panel `i` of a multiplot.
func panelLabel(_ i: Int) -> String {
    "(" + String(UnicodeScalar(UInt8(97 + i % 26))) + ")"
}
