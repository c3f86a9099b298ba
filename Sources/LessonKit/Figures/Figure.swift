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

/// One parameter of the run a figure came from, as its data file and script name it.
public struct FigureParameter: Codable, Equatable, Sendable {
    public let name: String
    public let value: String
    /// Empty for a parameter without one (a count, a choice).
    public let unit: String
    /// Given with `--set` (a value other than the notebook's).
    public let set: Bool
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
    /// The parameters of the run (every one but the seeds), for the headers of its data file and script; set by
    /// `RunContext.figure` and kept in the seed record, so that `lesson aggregate` writes the same headers.
    public var parameters: [FigureParameter] = []
    /// Why this run's figures were not rendered, for the caption that stands in for the image (set once the run
    /// has tried to render; not part of a seed record).
    var notRendered = FigureNotRendered.gnuplotNotFound

    private enum CodingKeys: String, CodingKey { case name, title, claim, blocks, script, summarize, seeds, parameters }

    public init(
        name: String, title: String, claim: String, blocks: [DataBlock], script: String,
        summarize: Bool = true
    ) {
        precondition(isSafeFigureName(name), "figure name '\(name)' must be [A-Za-z0-9-], at most 64 characters")
        self.name = name
        self.title = title
        self.claim = claim
        self.blocks = blocks
        self.script = script
        self.summarize = summarize
    }

    /// Reads a figure from a seed record, which may come from someone else: its name must be one safe file name
    /// and its script in the subset of gnuplot the runner writes (`figureScriptProblem`), else a `FigureRefused`.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        title = try c.decode(String.self, forKey: .title)
        claim = try c.decode(String.self, forKey: .claim)
        blocks = try c.decode([DataBlock].self, forKey: .blocks)
        script = try c.decode(String.self, forKey: .script)
        summarize = try c.decode(Bool.self, forKey: .summarize)
        seeds = try c.decodeIfPresent([UInt64].self, forKey: .seeds) ?? []
        parameters = try c.decodeIfPresent([FigureParameter].self, forKey: .parameters) ?? []
        guard isSafeFigureName(name) else {
            throw FigureRefused(
                "a figure named \"\(gnuplotComment(String(name.prefix(80))))\" (a figure's name is one file name "
                    + "of letters, digits and '-', at most 64 characters)")
        }
        if let why = figureScriptProblem(script) {
            throw FigureRefused("figure \(name)'s script, \(why)")
        }
    }

    public var dataFile: String { name + ".dat" }
    public var scriptFile: String { name + ".gp" }

    /// Data file text: `#` header (provenance: lesson, seeds, claim, parameters, commit, the command that
    /// reproduces it; then layout, columns with units), then blocks separated by two blank lines.
    public func dataText(lesson: String) -> String {
        var out = ["# figure: \(name) — \(gnuplotComment(title))", "# lesson: \(gnuplotComment(lesson))"]
        out += provenance(lesson: lesson)
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
            out.append("# block \(i): \(gnuplotComment(b.name))")
            out.append(
                "# columns: "
                    + b.columns.enumerated().map { "\($0.offset + 1)=\(gnuplotComment($0.element))" }
                    .joined(separator: ", "))
            for r in b.rows { out.append(r.map(dataNumber).joined(separator: " ")) }
            if b.rows.isEmpty { out.append("# (no rows)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func scriptText(lesson: String) -> String {
        """
        # \(gnuplotComment(title))
        # lesson: \(gnuplotComment(lesson))
        \(provenance(lesson: lesson).joined(separator: "\n"))
        # Render (from this folder):
        #   gnuplot -e "set terminal pngcairo size 1200,800 font ',16'; set output '\(name).png'" \(scriptFile)
        # (sh ../render.sh renders every figure to PNG, SVG, PDF at two- and one-column width, and a 16:9 slide)
        \(styleLoader)
        DATA = '\(dataFile)'
        # The number of seeds the data come from, and the key's words for a spread over them.
        SEEDS = \(seeds.count)
        spread_title(what) = SEEDS > 1 ? sprintf('%s: ± 1 sd over %d seeds', what, SEEDS) : '(one seed: no spread)'
        \(script)

        """
    }

    /// The header lines both files share: seeds, claim, every parameter with its unit (`(set)` when `--set` gave
    /// it), the source commit and the command that reproduces the figure. Each line is a comment (free text goes
    /// through `gnuplotComment`), and nothing depends on the clock, so a run and `lesson aggregate` of its seed
    /// records write the same lines.
    func provenance(lesson: String) -> [String] {
        var out = ["# seeds: \(seedListText(seeds))", "# claim: \(gnuplotComment(claim))"]
        if !parameters.isEmpty {
            out.append("# parameters (\"(set)\": given with --set; the others are the notebook's):")
            for p in parameters {
                let unit = p.unit.isEmpty ? "" : " " + p.unit
                out.append(gnuplotComment("#   \(p.name) = \(p.value)\(unit)\(p.set ? " (set)" : "")"))
            }
        }
        out.append("# commit: \(gnuplotComment(sourceCommit))")
        // The lesson is "N slug": its number is what `lesson` takes.
        let number = lesson.prefix { $0.isNumber }
        let sets = parameters.filter(\.set).map { " --set " + shellWord("\($0.name)=\($0.value)") }
        out.append(
            gnuplotComment(
                "# reproduce: swift run -c release lesson \(number.isEmpty ? "?" : String(number)) --seeds "
                    + seedListText(seeds) + sets.joined()))
        return out
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

    /// The title as it may stand in Markdown: one line, with no brackets or angle brackets that could end the
    /// image's text early and start a link or a tag (a title may come from a seed record).
    var markdownTitle: String {
        String(
            gnuplotComment(title).map { c -> Character in
                switch c {
                case "[", "<": return "("
                case "]", ">": return ")"
                default: return c
                }
            })
    }

    func markdown(renderedFormats: [String]) -> String {
        let title = markdownTitle
        var links: [String] = []
        for r in figureRenderings where r.fileSuffix != ".png" && renderedFormats.contains(r.format) {
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

/// `word` as one word of a POSIX shell command: as it is when it holds only letters, digits and `_.,+-=/:@%`,
/// else in single quotes (a parameter from a seed record may hold anything).
func shellWord(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy {
        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.,+-=/:@%".unicodeScalars.contains($0))
    }
    return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Full precision, shortest round-trip representation, so data files are exact and reproducible.
func dataNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    return "\(x)"
}
