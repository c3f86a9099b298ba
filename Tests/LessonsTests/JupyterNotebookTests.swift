import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

// NN-name.ipynb and the course folder: every lesson's notebook at its tests' small size, checked here for what it
// holds, by the nbformat package against the nbformat 4.5 schema, and by nbconvert (both skipped, and reported
// as skipped, when Debian's python3-nbformat or jupyter-nbconvert is not installed).

/// A python3 that can import nbformat (Debian's python3-nbformat), else nil: the first on PATH, then
/// /usr/bin/python3 (a python3 of pyenv or a virtual environment on PATH may lack Debian's packages).
let pythonWithNbformat: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    let candidates = path.split(separator: ":").map { "\($0)/python3" } + ["/usr/bin/python3"]
    return candidates.first {
        FileManager.default.isExecutableFile(atPath: $0) && (try? toolOutput($0, ["-c", "import nbformat"]).0) == 0
    }
}()

/// `jupyter` when `jupyter nbconvert` runs (Debian's jupyter-nbconvert), else nil.
let jupyterWithNbconvert: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"
    return (path.split(separator: ":").map { "\($0)/jupyter" } + ["/usr/bin/jupyter"]).first {
        FileManager.default.isExecutableFile(atPath: $0) && (try? toolOutput($0, ["nbconvert", "--version"]).0) == 0
    }
}()

/// Runs `tool` with `arguments`; returns its exit status and what it wrote to standard output and error.
func toolOutput(_ tool: String, _ arguments: [String], in directory: String? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Each lesson run once at the small size its own tests use (lessons 6, 7 and 8 at their tiny Yin-Yang sizes,
/// lesson 3 at the small size of the divergence tests), figures rendered when gnuplot is installed, checks not
/// required to pass: these tests are about the notebook, not the claims.
final class SmallLessonRuns: @unchecked Sendable {
    static let shared = SmallLessonRuns()

    static let overrides: [Int: [(String, String)]] = [
        1: [("duration", "500"), ("points", "8")] + LessonRunTests.smallNoise,
        2: [("window", "2000"), ("trials", "8")],
        3: lesson3Diverging,
        4: [("hidden", "12"), ("steps", "60")],
        5: [("t_min", "100"), ("seeds", "5")],
        6: DatasetLessonRunTests().small,
        7: Lesson07Tests.tiny,
        8: Lesson08Tests.tiny
    ]

    private let lock = NSLock()
    private var runs: [Int: Result<RunOutcome, Error>] = [:]

    /// Lesson `number`'s run, made on first use.
    func outcome(_ number: Int) throws -> RunOutcome {
        lock.lock()
        defer { lock.unlock() }
        if let r = runs[number] { return try r.get() }
        let r = Result {
            var options = RunOptions()
            options.lessonsDirectory = packageRoot + "/lessons"
            options.outDirectory = temporaryFolder("ipynb-\(number)")
            options.overrides = SmallLessonRuns.overrides[number] ?? []
            return try runLessonSerially(try findLesson("\(number)"), options: options)
        }
        runs[number] = r
        return try r.get()
    }
}

/// Whether `jupyter nbconvert --execute` has a python3 kernel (Debian's python3-ipykernel) with numpy (the code
/// exercises') and the `lesson` program to rerun and check with.
let kernelIsInstalled: Bool = {
    guard jupyterWithNbconvert != nil, builtLessonProgram != nil else { return false }
    let probe =
        "import numpy, ipykernel, jupyter_client.kernelspec as k; assert 'python3' in k.find_kernel_specs()"
    return (try? toolOutput("/usr/bin/python3", ["-c", probe]).0) == 0
}()

/// Runs `jupyter nbconvert --execute --allow-errors` on `name` in `folder`, writing the result into the folder
/// `out` (or, with `as`, to that file name beside it), with LESSON_BIN naming the built `lesson` program. Errors
/// are recorded in the notebook, not fatal, so that a test can tell a code exercise's stub from a real error.
func executeNotebook(
    _ jupyter: String, _ name: String, in folder: String, into out: String? = nil, as file: String? = nil
)
    throws -> (status: Int32, log: String)
{
    let p = Process()
    p.executableURL = URL(fileURLWithPath: jupyter)
    let output = file.map { ["--output", $0] } ?? ["--output-dir", out ?? folder]
    p.arguments = ["nbconvert", "--to", "notebook", "--execute", "--allow-errors"] + output + [name]
    p.currentDirectoryURL = URL(fileURLWithPath: folder)
    var environment = ProcessInfo.processInfo.environment
    environment["LESSON_BIN"] = builtLessonProgram
    p.environment = environment
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, log)
}

/// Every output of every code cell of the notebook at `path`.
func notebookOutputs(_ path: String) throws -> [[String: Any]] {
    let nb = try notebookObject(path)
    return (nb["cells"] as? [[String: Any]] ?? []).flatMap { $0["outputs"] as? [[String: Any]] ?? [] }
}

/// The `lesson` program `swift build` made beside the tests (debug), else nil.
let builtLessonProgram: String? = {
    let build = packageRoot + "/.build"
    let candidates =
        ["debug/lesson"]
        + ((try? FileManager.default.contentsOfDirectory(atPath: build)) ?? []).map {
            $0 + "/debug/lesson"
        }
    return candidates.map { build + "/" + $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// The notebook a run wrote, as a JSON object.
func notebookObject(_ path: String) throws -> [String: Any] {
    let data = try #require(FileManager.default.contents(atPath: path), "no notebook at \(path)")
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// A cell's source (a list of lines or one string) as one string.
func cellSource(_ cell: [String: Any]) -> String {
    if let lines = cell["source"] as? [String] { return lines.joined() }
    return cell["source"] as? String ?? ""
}

func notebookPath(_ outcome: RunOutcome) -> String {
    outcome.folder + "/" + jupyterNotebookName(outcome.lesson)
}

@Suite struct JupyterNotebookTests {
    /// What the notebook holds: the title first, prose cells at the `## ` headings, the parameters as run in a
    /// code cell with no outputs, the check table in a cell of its own, each figure embedded (PNG and SVG) with
    /// its caption after it, and the run's identity in the metadata.
    @Test(arguments: allLessons.map(\.number)) func notebookHoldsTheRun(lesson number: Int) throws {
        let outcome = try SmallLessonRuns.shared.outcome(number)
        let lesson = outcome.lesson
        #expect(FileManager.default.fileExists(atPath: outcome.folder + "/\(lesson.id).executed.md"))
        let nb = try notebookObject(notebookPath(outcome))
        #expect(nb["nbformat"] as? Int == 4 && nb["nbformat_minor"] as? Int == 5)
        let cells = try #require(nb["cells"] as? [[String: Any]])
        #expect(cells.enumerated().allSatisfy { $0.element["id"] as? String == "\(lesson.id)-\($0.offset + 1)" })
        let first = try #require(cells.first)
        #expect(cellSource(first).hasPrefix("# Lesson \(lesson.number) — \(lesson.title)\n\n> Executed copy of"))

        let markdown = cells.filter { $0["cell_type"] as? String == "markdown" }.map(cellSource)
        #expect(markdown.filter { $0.hasPrefix("## ") }.count >= 3, "one cell per section")
        #expect(markdown.allSatisfy { !$0.contains("{{") && !$0.contains("```parameters") })
        let code = cells.filter { $0["cell_type"] as? String == "code" }
        let checks = try #require(code.first { cellSource($0) == "show_checks()" })
        let table = try #require(((checks["outputs"] as? [[String: Any]])?.first?["data"] as? [String: Any]))
        #expect(
            ((table["text/markdown"] as? [String]) ?? []).joined()
                .hasPrefix("| check | expected | observed | tolerance | result |\n|---|"))
        let parameters = try #require(
            code.first { ($0["metadata"] as? [String: Any])?["tags"] as? [String] == ["parameters"] })
        #expect((parameters["outputs"] as? [Any])?.isEmpty == true)
        #expect(parameters["execution_count"] is NSNull)
        #expect(cellSource(parameters).contains("\nseed = \(outcome.seeds[0])"))
        let kernel = try #require((nb["metadata"] as? [String: Any])?["kernelspec"] as? [String: Any])
        #expect(kernel["name"] as? String == "python3")

        let outputs = code.flatMap { $0["outputs"] as? [[String: Any]] ?? [] }
        let images = outputs.compactMap { $0["data"] as? [String: Any] }.filter { $0["image/png"] != nil }
        let rendered = outcome.renderedFormats.contains("png")
        #expect(images.count == (rendered ? figureCount(lesson) : 0))
        for data in images {
            let png = try #require(Data(base64Encoded: data["image/png"] as? String ?? ""))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            let svg = (data["image/svg+xml"] as? [String])?.joined() ?? ""
            #expect(svg.hasPrefix("<svg") && svg.contains("</svg>"))
        }
        #expect(markdown.filter { $0.hasPrefix("*Figure — ") }.count == (rendered ? figureCount(lesson) : 0))
        #expect(markdown.contains { $0.contains("Figures not shown") } == !rendered)

        let run = try #require((nb["metadata"] as? [String: Any])?["microcircuit_lessons"] as? [String: Any])
        #expect(run["lesson"] as? Int == lesson.number && run["id"] as? String == lesson.id)
        #expect(run["title"] as? String == lesson.title)
        #expect((run["seeds"] as? [Int])?.map(UInt64.init) == outcome.seeds)
        #expect(run["project_version"] as? String == projectVersion && run["commit"] as? String == sourceCommit)
    }

    /// The number of figure placeholders in a lesson's notebook.
    func figureCount(_ lesson: LessonDescriptor) -> Int {
        let text = (try? String(contentsOfFile: packageRoot + "/lessons/" + lesson.notebookFile, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "{{figure:").count - 1
    }

    @Test(
        .enabled(if: pythonWithNbformat != nil, "needs python3 with nbformat (apt-get install python3-nbformat)"),
        arguments: allLessons.map(\.number))
    func nbformatValidatesTheNotebook(lesson number: Int) throws {
        let python = try #require(pythonWithNbformat)
        let path = notebookPath(try SmallLessonRuns.shared.outcome(number))
        let script = """
            import sys, nbformat
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            print(nb.nbformat, nb.nbformat_minor, len(nb.cells))
            """
        let (status, output) = try toolOutput(python, ["-c", script, path])
        #expect(status == 0, "nbformat rejects \(path): \(output)")
        #expect(output.hasPrefix("4 5 "))
    }

    /// Every lesson's notebook runs on a fresh python3 kernel, in order, without an error (as Neuromatch's CI runs
    /// its tutorials): with every value as recorded, the cells show the recorded run.
    @Test(
        .enabled(
            if: kernelIsInstalled,
            "needs jupyter nbconvert, python3-ipykernel, python3-numpy and the lesson program built (swift build)"),
        arguments: allLessons.map(\.number))
    func notebookRunsOnAFreshKernel(lesson number: Int) throws {
        let jupyter = try #require(jupyterWithNbconvert)
        let outcome = try SmallLessonRuns.shared.outcome(number)
        let out = temporaryFolder("nbexecute-\(number)")
        let name = jupyterNotebookName(outcome.lesson)
        // Errors are recorded, not fatal, so that the test can tell a code exercise's stub from a real error.
        let run = try executeNotebook(jupyter, name, in: outcome.folder, into: out)
        #expect(run.status == 0, "\(name) does not run: \(run.log.suffix(2000))")
        let outputs = try notebookOutputs(out + "/" + name)
        let streams = outputs.filter { $0["output_type"] as? String == "stream" }
            .map { ($0["text"] as? [String] ?? []).joined() }
        #expect(streams.contains { $0.hasPrefix("Every value is as recorded") })
        // Only a code exercise's stub may raise, and only NotImplementedError.
        let errors = outputs.filter { $0["output_type"] as? String == "error" }.map { $0["ename"] as? String ?? "" }
        let stubs = (try? Notebook.load(packageRoot + "/lessons/" + outcome.lesson.notebookFile))?.codeExercises ?? []
        #expect(errors == Array(repeating: "NotImplementedError", count: stubs.count), "\(name): \(errors)")
        // The instructor edition runs every solution and its check without an error, and each check passes.
        guard !stubs.isEmpty else { return }
        let sheet = outcome.lesson.id + ".instructor.ipynb"
        let graded = try executeNotebook(jupyter, sheet, in: outcome.folder, into: out)
        #expect(graded.status == 0, "\(sheet): \(graded.log.suffix(2000))")
        let sheetOutputs = try notebookOutputs(out + "/" + sheet)
        #expect(!sheetOutputs.contains { $0["output_type"] as? String == "error" })
        let verdicts = sheetOutputs.map { ($0["text"] as? [String] ?? []).joined() }.filter { $0.contains(" passed, ") }
        #expect(verdicts.count == stubs.count && verdicts.allSatisfy { $0.contains(" passed, 0 failed") })
    }

    /// `lesson updates --answer` grades a code exercise's answer: the right update passes; BP's update in place
    /// of frSF's, and a transposed one, fail, naming the layer, the entries off and the first one; the reference
    /// values are never printed.
    @Test func updatesGradeAnAnswerWithoutShowingTheReference() throws {
        let folder = temporaryFolder("grade-updates")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let spec = """
            {"method": "frsf", "activation": "tanh", "loss": "mse",
             "layers": [{"W": [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]], "b": [0.1, -0.2, 0.05]},
                        {"W": [[0.7, -0.4, 0.3]], "b": [0.0]}],
             "x": [[1.0, 0.5], [-0.5, 0.25]], "y": [[1.0], [0.0]], "feedback": [[[0.9, 0.2, 0.6]]]}
            """
        try spec.write(toFile: folder + "/spec.json", atomically: true, encoding: .utf8)
        let reference = try specUpdates(specPath: folder + "/spec.json")
        func grade(_ dW: [[Double]]) throws -> (report: String, allRight: Bool) {
            let rows = dW.map { "[" + $0.map { String($0) }.joined(separator: ", ") + "]" }.joined(separator: ", ")
            try "{\"layers\": [{\"dW\": [\(rows)]}]}".write(
                toFile: folder + "/answer.json", atomically: true, encoding: .utf8)
            return try gradeUpdates(specPath: folder + "/spec.json", answerPath: folder + "/answer.json")
        }
        let right = try grade(reference.layers[0].dW)
        #expect(
            right.allRight && right.report.hasPrefix("layer 1 dW: right")
                && right.report.hasSuffix("1 passed, 0 failed"))
        // BP's hidden update: the same with W2 in place of |R| ∘ sign(W2).
        var bp = try JSONSerialization.jsonObject(with: Data(spec.utf8)) as? [String: Any] ?? [:]
        bp["method"] = "bp"
        bp["feedback"] = nil
        try JSONSerialization.data(withJSONObject: bp).write(to: URL(fileURLWithPath: folder + "/bp.json"))
        let bpUpdate = try specUpdates(specPath: folder + "/bp.json").layers[0].dW
        let wrong = try grade(bpUpdate)
        #expect(!wrong.allRight && wrong.report.contains("layer 1 dW: WRONG") && wrong.report.contains("first at row"))
        for value in reference.layers[0].dW.flatMap({ $0 }) {
            #expect(!wrong.report.contains(String(format: "%.4f", value)) && !wrong.report.contains(String(value)))
        }
        let transposed = try grade((0..<2).map { c in reference.layers[0].dW.map { $0[c] } })
        #expect(!transposed.allRight && transposed.report.contains("WRONG shape 2x3, the update is 3x2"))
        try "{\"layers\": 3}".write(toFile: folder + "/answer.json", atomically: true, encoding: .utf8)
        #expect(throws: LessonError.self) {
            _ = try gradeUpdates(specPath: folder + "/spec.json", answerPath: folder + "/answer.json")
        }
    }

    /// A changed value in the parameter cell reruns the lesson through the `lesson` program: executing the
    /// notebook with `steps` changed gives the results.json, byte for byte, of the command line's
    /// `lesson 4 --seeds … --set hidden=12 --set steps=30`; the rerun's check table is shown.
    @Test(
        .enabled(
            if: kernelIsInstalled,
            "needs jupyter nbconvert, python3-ipykernel, python3-numpy and the lesson program built (swift build)"))
    func changedParameterRerunsTheLesson() throws {
        let jupyter = try #require(jupyterWithNbconvert)
        let program = try #require(builtLessonProgram)
        let outcome = try SmallLessonRuns.shared.outcome(4)
        let work = temporaryFolder("nbrerun")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        var nb = try notebookObject(notebookPath(outcome))
        var cells = try #require(nb["cells"] as? [[String: Any]])
        let k = try #require(
            cells.firstIndex { ($0["metadata"] as? [String: Any])?["tags"] as? [String] == ["parameters"] })
        let source = cellSource(cells[k])
        #expect(source.contains("\nsteps = 60 "))
        cells[k]["source"] = source.replacingOccurrences(of: "\nsteps = 60 ", with: "\nsteps = 30 ")
        nb["cells"] = cells
        try JSONSerialization.data(withJSONObject: nb).write(to: URL(fileURLWithPath: work + "/changed.ipynb"))
        // The code exercise's stub raises NotImplementedError (checked below).
        let executed = try executeNotebook(jupyter, "changed.ipynb", in: work, as: "ran.ipynb")
        #expect(executed.status == 0, "\(executed.log.suffix(2000))")
        let seeds = seedListText(outcome.seeds)
        let cli = try toolOutput(
            program,
            ["4", "--seeds", seeds, "--set", "hidden=12", "--set", "steps=30", "--out", work + "/cli", "--quiet"],
            in: work)
        #expect(cli.0 == 0, "\(cli.1)")
        let a = FileManager.default.contents(atPath: work + "/rerun/04-microcircuit/results.json")
        let b = FileManager.default.contents(atPath: work + "/cli/04-microcircuit/results.json")
        #expect(a != nil && a == b, "the notebook's rerun and the command line differ")
        let ran = try String(contentsOfFile: work + "/ran.ipynb", encoding: .utf8)
        #expect(ran.contains("--set steps=30") && ran.contains("show the rerun in rerun/04-microcircuit"))
        let errors = try notebookOutputs(work + "/ran.ipynb").filter { $0["output_type"] as? String == "error" }
        #expect(errors.map { $0["ename"] as? String ?? "" } == ["NotImplementedError"])
    }

    /// nbconvert makes a page of lesson 2's notebook with its figures and its math. Debian 12's nbconvert 6.5
    /// prefers an output's SVG to its PNG and then strips the SVG's elements (nbconvert issue 1849, fixed in later
    /// releases): the page is made twice, as it is (it must convert) and preferring PNG (the figures must be there).
    @Test(.enabled(if: jupyterWithNbconvert != nil, "needs jupyter nbconvert (apt-get install jupyter-nbconvert)"))
    func nbconvertMakesAPageWithFiguresAndMath() throws {
        let jupyter = try #require(jupyterWithNbconvert)
        let outcome = try SmallLessonRuns.shared.outcome(2)
        let out = temporaryFolder("nbconvert")
        let name = jupyterNotebookName(outcome.lesson)
        let plain = try toolOutput(
            jupyter, ["nbconvert", "--to", "html", "--output-dir", out, name], in: outcome.folder)
        #expect(plain.0 == 0, "nbconvert failed: \(plain.1)")
        let priority = "--NbConvertBase.display_data_priority=['text/html','text/markdown','image/png','text/plain']"
        let png = try toolOutput(
            jupyter, ["nbconvert", "--to", "html", priority, "--output", "png", "--output-dir", out, name],
            in: outcome.folder)
        #expect(png.0 == 0, "nbconvert failed: \(png.1)")
        let html = try String(contentsOfFile: out + "/png.html", encoding: .utf8)
        #expect(html.contains("Lesson 2 — Synapses"))
        #expect(html.contains("$W_{kj} &gt; 0$") || html.contains("$W_{kj} > 0$"), "inline math kept for MathJax")
        #expect(html.contains("MathJax"))
        if outcome.renderedFormats.contains("png") {
            #expect(html.components(separatedBy: "src=\"data:image/png;base64,").count - 1 == 2)
        }
    }

    /// Same seeds, same bytes: a second run of lesson 2 writes the same notebook, and it names no folder.
    @Test func sameSeedsGiveTheSameNotebook() throws {
        let first = try SmallLessonRuns.shared.outcome(2)
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("ipynb-again")
        options.overrides = SmallLessonRuns.overrides[2] ?? []
        let again = try runLessonSerially(try findLesson("2"), options: options)
        let a = try #require(FileManager.default.contents(atPath: notebookPath(first)))
        #expect(a == FileManager.default.contents(atPath: notebookPath(again)))
        let text = String(decoding: a, as: UTF8.self)
        #expect(!text.contains(first.folder) && !text.contains(NSTemporaryDirectory()) && !text.contains(".partial"))
    }

    /// `--no-render`: no image is embedded, and a cell says why and how to render them.
    @Test func withoutRenderingTheNotebookSaysSo() throws {
        let (outcome, _) = try runUnchecked("2", SmallLessonRuns.overrides[2] ?? [])
        let nb = try notebookObject(notebookPath(outcome))
        let cells = try #require(nb["cells"] as? [[String: Any]])
        // No figure output and no cell that would show one; the check table and the rerun cell remain.
        let outputs = cells.flatMap { $0["outputs"] as? [[String: Any]] ?? [] }
        #expect(outputs.allSatisfy { ($0["data"] as? [String: Any])?["image/png"] == nil })
        #expect(!cells.map(cellSource).contains { $0.hasPrefix("show_figure(") })
        let note = try #require(cells.map(cellSource).first { $0.contains("Figures not shown") })
        #expect(note.contains("--no-render") && note.contains("gnuplot"))
        #expect(cells.map(cellSource).filter { $0.contains(": not rendered —") }.count == 2)
        if let python = pythonWithNbformat {
            let check = "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))"
            #expect(try toolOutput(python, ["-c", check, notebookPath(outcome)]).0 == 0)
        }
    }

    @Test func sectionsSplitAtSecondLevelHeadingsOutsideCode() {
        let text = "# T\n\nintro\n\n## A\n\ntext a\n\n```sh\n## not a heading\n```\n\n## B\n\ntext b\n"
        #expect(
            splitAtSections(text) == [
                "# T\n\nintro", "## A\n\ntext a\n\n```sh\n## not a heading\n```", "## B\n\ntext b"
            ])
        #expect(splitAtSections("\n\n") == [])
    }

    @Test func jsonTextIsWhatJupyterWritesAndReadsBack() throws {
        let value = NotebookJSON.object([
            "b": .lines("one\ntwo\n"), "a": .string("quote \" slash \\ tab \t bell \u{07} — µ"), "c": .array([]),
            "d": .object([:]), "e": .null, "f": .integer(UInt64.max)
        ])
        let text = value.text()
        let expected = "{\n \"a\": \"quote \\\" slash \\\\ tab \\t bell \\u0007 — µ\",\n"
        #expect(text.hasPrefix(expected + " \"b\": [\n  \"one\\n\""))
        let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(back["a"] as? String == "quote \" slash \\ tab \t bell \u{07} — µ")
        #expect(back["b"] as? [String] == ["one\n", "two\n"])
        #expect(text.contains("\"f\": 18446744073709551615"))
    }

    /// The course site: myst.yml lists intro.md, then for every lesson that finished its notebook and both
    /// sheets, then the gallery, each by a path that leads to it from the folder; intro.md is the course map
    /// (every lesson, the unfinished ones as such, objectives); the sheets fold hints and answers as dropdowns,
    /// the student one without the answers; the gallery shows every figure with its files.
    @Test func courseSiteHoldsMapSheetsAndGallery() throws {
        let outcome = try SmallLessonRuns.shared.outcome(4)
        let out = (outcome.folder as NSString).deletingLastPathComponent
        let results: [LessonRunResult] = [
            .stopped(lesson01, "cannot read the data"), .notRun(lesson02), .finished(outcome), .notRun(lesson05)
        ]
        try writeCourseFolder(results, outDirectory: out)
        let course = out + "/" + courseFolderName
        let yml = try String(contentsOfFile: course + "/myst.yml", encoding: .utf8)
        let files = yml.split(separator: "\n").compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("- file: ") else { return nil }
            return t.dropFirst("- file: ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        #expect(
            files == [
                "intro.md", "../04-microcircuit/04-microcircuit.ipynb", "sheets/04-microcircuit.student.md",
                "sheets/04-microcircuit.instructor.md", "gallery.md"
            ])
        for f in files { #expect(FileManager.default.fileExists(atPath: course + "/" + f), "\(f) not found") }
        #expect(yml.contains("version: 1\nproject:\n") && yml.contains("    - title: \"Lesson 4 — "))
        let intro = try String(contentsOfFile: course + "/intro.md", encoding: .utf8)
        #expect(intro.hasPrefix("# Microcircuit lessons\n"))
        #expect(intro.contains("| 4 | [\(lesson04.title)](../04-microcircuit/04-microcircuit.ipynb) |"))
        #expect(intro.contains("stopped: cannot read the data") && intro.contains("| not run |"))
        #expect(intro.contains("**Learning objectives.**") && intro.contains("[student](sheets/04-microcircuit"))
        #expect(!intro.contains("01-lif.ipynb"))
        let student = try String(contentsOfFile: course + "/sheets/04-microcircuit.student.md", encoding: .utf8)
        let instructor = try String(
            contentsOfFile: course + "/sheets/04-microcircuit.instructor.md", encoding: .utf8)
        #expect(student.contains(":::{dropdown} Hint\n") && !student.contains(":::{dropdown} Answer"))
        #expect(instructor.contains(":::{dropdown} Answer\n") && !instructor.contains("<details>"))
        // Every figure of the run, with its PNG and data, in both gallery pages.
        let gallery = try String(contentsOfFile: course + "/gallery.md", encoding: .utf8)
        let html = try String(contentsOfFile: course + "/gallery.html", encoding: .utf8)
        #expect(!siteFigures(folder: outcome.folder).isEmpty)
        for f in siteFigures(folder: outcome.folder) {
            #expect(gallery.contains("(`\(f.name)`)") && html.contains("<code>\(f.name)</code>"))
            #expect(f.files.contains { $0.file == f.name + ".dat" })
        }
        // Same outcomes, same bytes.
        try writeCourseFolder(results, outDirectory: out)
        #expect(try String(contentsOfFile: course + "/myst.yml", encoding: .utf8) == yml)
        #expect(try String(contentsOfFile: course + "/gallery.md", encoding: .utf8) == gallery)
    }

    /// A figure title from a results.json is text, not Markdown or HTML, and a figure whose name is not a safe
    /// file name (a path, say) is left out of the gallery.
    @Test func siteEscapesWhatItReads() throws {
        let folder = temporaryFolder("site-hostile")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hostile = #"{"figures": [{"name": "../../evil", "title": "x"}, {"name": "ok", "title": "<b>"}]}"#
        try hostile.write(toFile: folder + "/results.json", atomically: true, encoding: .utf8)
        let figures = siteFigures(folder: folder)
        #expect(figures.map(\.name) == ["ok"] && figures[0].files.isEmpty)
        #expect(markdownLiteral("a](x) <b> {x}\nnext") == "a\\]\\(x\\) \\<b\\> \\{x\\} next")
        #expect(mystFolds(hintOpen + "h" + detailsClose) == ":::{dropdown} Hint\nh\n:::")
    }
}
