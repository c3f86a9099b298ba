import ArgumentParser
import Foundation
import LessonKit
import Lessons
import LivePlot

// `lesson`'s subcommands, parsed by swift-argument-parser. `lesson N` is `lesson run N` (run is the default
// subcommand). Parsing and validation never run a lesson: `parseCommand` returns a checked command and
// `execute` runs it, returning the exit status (see Entry.swift).

/// The root command: only its help, `--version` and the completion scripts; the work is in the subcommands.
struct LessonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lesson",
        abstract: "Runs the lesson notebooks, checks their claims and writes their outputs.",
        usage: """
            lesson <N | name | all> [<options>]    (short for: lesson run …)
            lesson <subcommand> [<options>]
            """,
        discussion: """
            A lesson run reads the lesson's notebook (lessons/NN-name.md, or the copy built into the program), \
            checks its claims, and writes an executed copy, results.json and gnuplot figures under the output \
            folder (default: plots/NN-name/).

            Exit status: 0 when every check passed, 1 when a check failed or a run could not finish (or was \
            stopped by Ctrl-C or SIGTERM: --resume continues it), 2 on a usage error, 130 or 143 after a second \
            Ctrl-C or SIGTERM (stopped at once).
            """,
        version: projectVersion,
        subcommands: [
            RunCommand.self, ListCommand.self, ParamsCommand.self, UpdatesCommand.self,
            AggregateCommand.self, ExportCommand.self, HandoutCommand.self, CheckCommand.self, SiteCommand.self
        ],
        defaultSubcommand: RunCommand.self)
}

/// A subcommand of `lesson`.
protocol LessonSubcommand: ParsableCommand {
    /// Does the work and returns the exit status; throws LessonError when it cannot.
    @MainActor func execute() throws -> Int32
}

extension ParsableArguments {
    /// Runs `checks`, turning the LessonError they throw into ArgumentParser's usage error (exit status 2).
    func usageChecks(_ checks: () throws -> Void) throws {
        do { try checks() } catch let e as LessonError { throw ValidationError(e.description) }
    }
}

/// The lessons the shell completes: numbers, slugs and `all`.
let lessonCompletions = allLessons.flatMap { [String($0.number), $0.slug] } + ["all"]

/// `--lessons DIR` and `--set name=value`: which notebook, and which of its values to change.
struct NotebookOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Folder holding edited notebooks (default: lessons/ when run from the package "
                + "root, else the notebooks built into the program).", valueName: "DIR"),
        completion: .directory)
    var lessons: String?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a parameter (repeatable); see 'lesson params N'.", valueName: "name=value"))
    var overrides: [String] = []

    func apply(to options: inout RunOptions) throws {
        options.lessonsDirectory = lessons
        options.overrides = try overrides.map(parseOverride)
    }
}

/// `lesson run N` (or `lesson N`): run one lesson, or every lesson with `all`.
struct RunCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one lesson (e.g. 1, 04, lif) or all of them, and check their claims.",
        discussion: "'lesson N' is short for 'lesson run N'.")

    @Argument(
        help: ArgumentHelp(
            "The lesson: its number (1, 04), its name (lif), or 'all' for every lesson in "
                + "order.", valueName: "lesson"),
        completion: .list(lessonCompletions))
    var lesson: String

    @Option(
        help: ArgumentHelp(
            "First seed (an integer ≥ 0); the lesson runs its `seeds` consecutive seeds from S "
                + "(defaults from the notebook).", valueName: "S"))
    var seed: String?

    @Option(
        help: ArgumentHelp(
            "Run exactly these seeds, e.g. 1-5, 1,3,7 or 1-3,8 (claims are checked over them).",
            valueName: "LIST"))
    var seeds: String?

    @Option(
        help: ArgumentHelp(
            "Threads for the spiking engine of lessons 5, 7 and 8 (default: OPENBLAS_NUM_THREADS, else "
                + "all cores). OpenBLAS runs on one thread in every lesson, so that results are the same "
                + "bytes on any machine; they do not depend on N.", valueName: "N"))
    var threads: String?

    @OptionGroup var notebook: NotebookOptions

    @Option(help: ArgumentHelp("Output folder.", valueName: "DIR"), completion: .directory)
    var out = "plots"

    @Flag(name: .customLong("no-render"), help: "Write figure scripts and data but do not call gnuplot.")
    var noRender = false

    @Option(
        name: .customLong("render-timeout"),
        help: ArgumentHelp(
            "Stop a gnuplot call that has not finished after this many seconds (1–3600; default 120).",
            valueName: "SECONDS"))
    var renderTimeout: String?

    @Flag(
        help: ArgumentHelp(
            "Continue an interrupted run (finished seeds from their records, lessons "
                + allLessons.filter(\.keepsCheckpoints).map { String($0.number) }.joined(separator: " and ")
                + " from checkpoints)."))
    var resume = false

    @Flag(help: "Print only the check table and errors.")
    var quiet = false

    @Flag(
        help: ArgumentHelp(
            "For exploring other parameter values: claims calibrated at the notebook's defaults "
                + "(accuracies, gaps, angles after training) are reported as informational and do "
                + "not fail the run; identities and derived bounds still do."))
    var explore = false

    @Flag(
        help: ArgumentHelp(
            "Draw the training curves (test accuracy per epoch) in the terminal while lessons 3, 6 "
                + "and 7 train, on standard error; needs gnuplot."))
    var live = false

    @Option(
        name: .customLong("live-png"),
        help: ArgumentHelp(
            "Draw the training curves into this PNG instead, replaced after each epoch (e.g. "
                + "to watch in an image viewer); needs gnuplot.", valueName: "FILE.png"),
        completion: .file(extensions: ["png"]))
    var livePNG: String?

    /// Where `--live` or `--live-png` draws, or nil; throws a usage error when it cannot.
    func liveTarget() throws -> GnuplotLive.Target? {
        if live && livePNG != nil { throw LessonError.usage("give either --live or --live-png FILE, not both") }
        if let path = livePNG {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard path.hasSuffix(".png"), !path.hasSuffix("/") else {
                throw LessonError.usage("--live-png needs a file name ending in .png")
            }
            guard FileManager.default.isWritableFile(atPath: folder) else {
                throw LessonError.usage("--live-png: folder \(folder) does not exist or is not writable")
            }
            return .png(path)
        }
        guard live else { return nil }
        let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).map { min(max($0, 60), 200) }
        return .terminal(columns: columns ?? 100, rows: 25)
    }

    /// The run's options; throws the usage errors of `validate`.
    func runOptions() throws -> RunOptions {
        var options = RunOptions()
        options.seed = try seed.map(parseSeed)
        options.seeds = try seeds.map(parseSeedList)
        if let threads { options.threads = try parseThreads(threads) }
        try notebook.apply(to: &options)
        options.outDirectory = out
        options.render = !noRender
        if let renderTimeout {
            guard let t = Double(renderTimeout), t >= 1, t <= 3600 else {
                throw LessonError.usage(
                    "--render-timeout '\(renderTimeout)' must be a number of seconds from 1 to 3600")
            }
            options.renderTimeout = t
        }
        options.resume = resume
        options.explore = explore
        if options.seed != nil && options.seeds != nil {
            throw LessonError.usage("give either --seed S (the first of the lesson's seeds) or --seeds LIST, not both")
        }
        let several = (try? findLessons(lesson, in: allLessons)) != nil
        if several && options.seeds != nil {
            throw LessonError.usage(
                "--seeds is for one lesson; 'lesson all' (or a list of lessons) uses each lesson's own seeds "
                    + "(give --seed S to shift them)")
        }
        if try liveTarget() != nil, options.gnuplot == nil {
            throw LessonError.usage("--live needs gnuplot, which is not on PATH: apt-get install gnuplot-nox")
        }
        if several, let (name, _) = options.overrides.first {
            throw LessonError.usage(
                "--set names one lesson's parameters; run that lesson on its own "
                    + "(e.g. lesson 3 --set \(name)=…)")
        }
        return options
    }

    func validate() throws {
        try usageChecks {
            if try findLessons(lesson, in: allLessons) == nil { _ = try findLesson(lesson) }
            _ = try runOptions()
        }
    }

    @MainActor func execute() throws -> Int32 {
        var options = try runOptions()
        options.commandLine = CommandLine.arguments
        var liveCurves: GnuplotLive?
        if let target = try liveTarget(), let gnuplot = options.gnuplot {
            liveCurves = try GnuplotLive(gnuplot: gnuplot, target: target)
            options.live = liveCurves
        }
        defer { if let note = liveCurves?.finish() { printError("lesson: note: \(note)\n") } }
        #if DEBUG
            printError(
                "lesson: note: this is a debug build; the numeric lessons run several times faster with "
                    + "'swift run -c release lesson …'\n")
        #endif
        guard let selection = try findLessons(lesson, in: allLessons) else {
            // An index.html of an earlier `lesson all` in this folder shows this run (finished or not) afterwards.
            defer {
                do { try refreshIndexPage(outDirectory: options.outDirectory, lessons: allLessons) } catch {
                    printError("lesson: note: index.html not updated: \(error)\n")
                }
            }
            return try runOne(try findLesson(lesson), options).failed == 0 ? 0 : 1
        }
        // A subset (`lesson 1-5`) runs like `lesson all` over its lessons; the index and the course folder list
        // every lesson, the others as the output folder holds them (run before, or not run).
        var failed = 0
        var results: [LessonRunResult] = []
        let out = options.outDirectory
        for (k, l) in selection.enumerated() {
            do {
                let outcome = try runOne(l, options)
                failed += outcome.failed
                results.append(.finished(outcome))
            } catch {
                // The index still lists every lesson, this one as stopped and the rest as not run.
                results.append(.stopped(l, String(describing: error)))
                results += selection.dropFirst(k + 1).map { .notRun($0) }
                try? writeCourseFolder(
                    withOthers(results, outDirectory: out), outDirectory: out,
                    lessonsDirectory: options.lessonsDirectory)
                try? writeIndexPage(withOthers(results, outDirectory: out), outDirectory: options.outDirectory)
                throw error
            }
            say("")
        }
        try writeCourseFolder(
            withOthers(results, outDirectory: out), outDirectory: out, lessonsDirectory: options.lessonsDirectory)
        try writeIndexPage(withOthers(results, outDirectory: out), outDirectory: options.outDirectory)
        let which = lesson == "all" ? "all lessons" : "lessons \(lesson)"
        say("\(which): \(failed == 0 ? "every check passed" : "\(failed) checks failed")")
        if !quiet {
            say("index of the reports: " + (options.outDirectory as NSString).appendingPathComponent("index.html"))
        }
        return failed == 0 ? 0 : 1
    }

    /// Runs one lesson: its title and claim, then (on standard error) its progress, then its check table.
    @MainActor func runOne(_ lesson: LessonDescriptor, _ options: RunOptions) throws -> RunOutcome {
        let log: (String) -> Void = quiet ? { _ in } : { printError("  " + $0 + "\n") }
        // `say` writes unbuffered, so the title is out before the first progress line even when both streams go
        // to one file.
        if !quiet { say("Lesson \(lesson.number) — \(lesson.title)\nClaim: \(lesson.claim)\n") }
        let start = Date()
        let outcome = try runLesson(lesson, options: options, log: log)
        say(checkTable(outcome.checks))
        if !quiet {
            let secs = String(format: "%.1f", Date().timeIntervalSince(start))
            let figures =
                outcome.renderedFormats.isEmpty
                ? "figure scripts"
                : "figures (\(outcome.renderedFormats.joined(separator: ", ")))"
            say(
                "\nwrote \(outcome.folder)/\(lesson.id).executed.md, \(reportFileName), results.json and \(figures) "
                    + "in \(secs) s")
        }
        if !outcome.renderNote.isEmpty { printError("lesson: note: \(outcome.renderNote)\n") }
        return outcome
    }
}

/// Every lesson's result for the index and the course folder: `results` for the lessons this command ran, the
/// others as `outDirectory` holds them (run before, or not run).
func withOthers(_ results: [LessonRunResult], outDirectory: String) -> [LessonRunResult] {
    allLessons.map { l in
        results.first { $0.lesson.id == l.id } ?? recordedResult(l, outDirectory: outDirectory)
    }
}

/// `lesson list`.
struct ListCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the lessons as a course: title, claim, learning objectives and times.",
        discussion: """
            The reading time is the notebook's; the running time is the one the last run in --out took (from its \
            run-info.json), measured, not estimated.
            """)

    @Option(help: ArgumentHelp("Output folder whose runs give the measured times.", valueName: "DIR"))
    var out = "plots"

    @Option(
        help: ArgumentHelp("Folder holding edited notebooks (default as for a run).", valueName: "DIR"),
        completion: .directory)
    var lessons: String?

    @MainActor func execute() throws -> Int32 {
        for l in allLessons {
            var text = String(format: "%2d  ", l.number) + l.title + "  (\(l.id))\n    claim: " + l.claim
            let notebook = try? Notebook.load(locateNotebook(l, lessonsDirectory: lessons).path)
            let running = runningTime(l, outDirectory: out)
            if let unit = notebook?.courseUnit {
                text += "\n    time: reading about \(unit.readingMinutes) min; running \(running)"
                text += "\n    prerequisites: \(unit.prerequisites)"
                for o in unit.objectives { text += "\n    - " + o.text }
                text += "\n    exercises: \(notebook?.exercises.count ?? 0)"
            } else {
                text += "\n    running \(running)"
            }
            say(text + "\n")
        }
        return 0
    }
}

/// `--out DIR` and `--lessons DIR` of the commands that read a finished run: where it is, and its notebook.
struct SavedRunOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The output folder of the run.", valueName: "DIR"), completion: .directory)
    var out = "plots"

    @Option(
        help: ArgumentHelp("Folder holding edited notebooks (default as for a run).", valueName: "DIR"),
        completion: .directory)
    var lessons: String?
}

/// `lesson handout N`.
struct HandoutCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "handout",
        abstract: "Write a lesson's student and instructor sheets from its last run, without running it.",
        discussion: """
            Writes NN-name.student.{md,html,ipynb} (questions, what kind of answer, hints; no answers), \
            NN-name.instructor.{md,html,ipynb} (the answers from that run, with its seeds and commit, folded) \
            and the answer template NN-name.answers.txt into the run's folder. Every run writes them too.
            """)

    @Argument(
        help: ArgumentHelp("The lesson: its number or name.", valueName: "lesson"),
        completion: .list(lessonCompletions.filter { $0 != "all" }))
    var lesson: String

    @OptionGroup var run: SavedRunOptions

    func validate() throws { try usageChecks { _ = try findLesson(lesson) } }

    @MainActor func execute() throws -> Int32 {
        let paths = try writeHandout(try findLesson(lesson), outDirectory: run.out, lessonsDirectory: run.lessons)
        say("wrote " + paths.joined(separator: ", "))
        return 0
    }
}

/// `lesson check N ANSWERS`.
struct CheckCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Grade a filled-in answer template against the lesson's last run.",
        discussion: """
            Each answer is right within half a unit in the last significant digit the exercise asks for, or 4 sd \
            of the number over the run's seeds, whichever is larger; a wrong one gets a hint (which quantity and \
            which formula, never the number). Exit status 0 only when every answer is right.
            """)

    @Argument(
        help: ArgumentHelp("The lesson: its number or name.", valueName: "lesson"),
        completion: .list(lessonCompletions.filter { $0 != "all" }))
    var lesson: String

    @Argument(help: ArgumentHelp("Your filled-in NN-name.answers.txt.", valueName: "ANSWERS"), completion: .file())
    var answers: String

    @OptionGroup var run: SavedRunOptions

    func validate() throws { try usageChecks { _ = try findLesson(lesson) } }

    @MainActor func execute() throws -> Int32 {
        let result = try checkAnswers(
            try findLesson(lesson), answersFile: answers, outDirectory: run.out, lessonsDirectory: run.lessons)
        say(result.report)
        return result.allRight ? 0 : 1
    }
}

/// `lesson site`.
struct SiteCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "site",
        abstract: "Write the course site from the lessons already run in --out, without running any.",
        discussion: """
            Writes course/ in the output folder: myst.yml (a MyST project: build the website with \
            'cd course && myst build --html'), intro.md (the course map: objectives, times, exercises, checks), \
            sheets/ (every finished lesson's student and instructor sheet, answers folded) and gallery.md with \
            gallery.html (every figure with its PDF at 2 and 1 column, slide PNG, data and script; the HTML page \
            opens in a browser as it is). `lesson all` writes the same after its runs.
            """)

    @OptionGroup var run: SavedRunOptions

    @MainActor func execute() throws -> Int32 {
        let results = allLessons.map { recordedResult($0, outDirectory: run.out) }
        guard results.contains(where: { if case .finished = $0 { true } else { false } }) else {
            throw LessonError(
                "no finished lesson in \(run.out); run some first (lesson 1-5 --out \(run.out)) or give --out the "
                    + "folder of a run")
        }
        try writeCourseFolder(results, outDirectory: run.out, lessonsDirectory: run.lessons)
        try writeIndexPage(results, outDirectory: run.out)
        let course = (run.out as NSString).appendingPathComponent(courseFolderName)
        let finished = results.filter { if case .finished = $0 { true } else { false } }.map { "\($0.lesson.number)" }
        say(
            "wrote \(course)/ (lessons \(finished.joined(separator: ", "))): myst.yml, intro.md, sheets/, gallery.md, "
                + "gallery.html")
        return 0
    }
}

/// `lesson params N`.
struct ParamsCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List a lesson's parameters, their values in the notebook used, and admissible values.")

    @Argument(
        help: ArgumentHelp("The lesson: its number or name.", valueName: "lesson"),
        completion: .list(lessonCompletions.filter { $0 != "all" }))
    var lesson: String

    @OptionGroup var notebook: NotebookOptions

    func validate() throws {
        try usageChecks {
            _ = try findLesson(lesson)
            var options = RunOptions()
            try notebook.apply(to: &options)
        }
    }

    @MainActor func execute() throws -> Int32 {
        var options = RunOptions()
        try notebook.apply(to: &options)
        say(
            try parameterListing(
                try findLesson(lesson), lessonsDirectory: options.lessonsDirectory,
                overrides: options.overrides))
        return 0
    }
}

/// `lesson updates --spec FILE.json`.
struct UpdatesCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "updates",
        abstract: "Print each layer's update for a network given in JSON (see README, 'Exchange format').")

    @Option(
        help: ArgumentHelp(
            "The network and its inputs, as JSON ('-': read standard input); unknown or repeated keys are errors.",
            valueName: "FILE.json"),
        completion: .file(extensions: ["json"]))
    var spec: String?

    @Option(
        help: ArgumentHelp(
            "Grade these updates ({\"layers\": [{\"dW\": …}]}, e.g. from a code exercise) against the spec's, "
                + "layer by layer, without printing the spec's (exit status 1 when one is wrong).",
            valueName: "ANSWER.json"),
        completion: .file(extensions: ["json"]))
    var answer: String?

    func validate() throws {
        guard spec != nil else {
            throw ValidationError(
                "updates needs --spec FILE.json (or --spec - for standard input); see README, 'Exchange format'")
        }
    }

    @MainActor func execute() throws -> Int32 {
        if let answer {
            let graded = try gradeUpdates(specPath: spec ?? "", answerPath: answer)
            say(graded.report)
            return graded.allRight ? 0 : 1
        }
        say(try updatesJSON(specPath: spec ?? ""))
        return 0
    }
}

/// `lesson aggregate DIR... --out DIR`.
struct AggregateCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate",
        abstract: "Merge runs made separately (e.g. one seed per job) into the files one run over all their seeds "
            + "writes, under --out.")

    @Argument(help: ArgumentHelp("The --out folders of the runs.", valueName: "DIR"), completion: .directory)
    var folders: [String]

    @Option(help: ArgumentHelp("Output folder.", valueName: "DIR"), completion: .directory)
    var out = "plots"

    @Option(
        help: ArgumentHelp(
            "Folder holding edited notebooks (default: lessons/ when run from the package root, "
                + "else the notebooks built into the program).", valueName: "DIR"),
        completion: .directory)
    var lessons: String?

    @Flag(name: .customLong("no-render"), help: "Write figure scripts and data but do not call gnuplot.")
    var noRender = false

    @Flag(help: "Print only the check tables and errors.")
    var quiet = false

    @MainActor func execute() throws -> Int32 {
        var options = RunOptions()
        options.outDirectory = out
        options.lessonsDirectory = lessons
        options.render = !noRender
        options.commandLine = CommandLine.arguments
        var failed = 0
        for outcome in try aggregateRuns(folders, lessons: allLessons, options: options) {
            if !quiet {
                say(
                    "Lesson \(outcome.lesson.number) — \(outcome.lesson.title): seeds "
                        + outcome.seeds.map(String.init).joined(separator: ", "))
            }
            say(checkTable(outcome.checks))
            if !quiet { say("\nwrote \(outcome.folder)\n") }
            failed += outcome.failed
        }
        return failed == 0 ? 0 : 1
    }
}

/// `lesson export CHECKPOINT --out FILE.npz`.
struct ExportCommand: LessonSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the trained weights in a lesson 6 or 7 checkpoint as a numpy .npz archive.",
        discussion: """
            A run of lesson 6 or 7 keeps its checkpoints in its output folder, e.g. \
            plots/06-datasets/checkpoints/seed-6/checkpoint-frsf.ckpt or \
            plots/07-spiking-training/checkpoints/seed-7/checkpoint-depth1.ckpt. In Python: \
            z = numpy.load("frsf.npz"); z["W1"] is the first layer's weights (units × inputs). \
            See README, 'Trained weights for Python'.
            """)

    @Argument(help: ArgumentHelp("The checkpoint file.", valueName: "CHECKPOINT"), completion: .file())
    var checkpoint: String

    @Option(
        help: ArgumentHelp("The .npz file to write.", valueName: "FILE.npz"),
        completion: .file(extensions: ["npz"]))
    var out: String

    func validate() throws {
        guard out.hasSuffix(".npz") else { throw ValidationError("--out needs a file name ending in .npz") }
    }

    @MainActor func execute() throws -> Int32 {
        let names = try exportCheckpoint(checkpoint, to: out, lessons: allLessons)
        say("wrote \(out): " + names.joined(separator: ", "))
        return 0
    }
}
