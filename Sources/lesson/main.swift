import Foundation
import Lessons

// `lesson` — runs the notebooks in lessons/ and checks their claims. See `lesson --help`.

let usage = """
usage: lesson <N | name | all | list> [options]
       lesson updates --spec FILE.json
       lesson aggregate DIR... [--out DIR]

Runs a lesson notebook from lessons/, checks its claims, and writes an executed copy,
results.json and gnuplot figures under the output folder (default: plots/NN-name/).

commands:
  N, NN, name        run one lesson (e.g. 1, 04, lif)
  all                run every lesson in order
  list               list lessons with their claims
  params N           list lesson N's parameters, defaults and admissible values
  updates --spec F   print each layer's update for a network given in JSON (see README)
  aggregate DIR...   merge runs made separately (e.g. one seed per job) into the files one run over all
                     their seeds writes, under --out; DIR are the runs' --out folders

options:
  --seed S           first seed (an integer ≥ 0); the lesson runs its `seeds` consecutive seeds from S
                     (defaults from the notebook)
  --seeds LIST       run exactly these seeds, e.g. 1-5, 1,3,7 or 1-3,8 (claims are checked over them)
  --threads N        threads for BLAS and the spiking engine (default: OPENBLAS_NUM_THREADS, else all
                     cores); results do not depend on it
  --set name=value   override a parameter (repeatable); see 'lesson params N'
  --out DIR          output folder (default: plots)
  --lessons DIR      folder holding edited notebooks (default: lessons/ when run from the package
                     root, else the notebooks built into the program)
  --no-render        write figure scripts and data but do not call gnuplot
  --resume           continue an interrupted run from its last checkpoint (lesson 6)
  --quiet            print only the check table and errors
  -h, --help         this text

Exit status: 0 when every check passed, 1 when a check failed or a run could not finish (or was stopped
by Ctrl-C: --resume continues it), 2 on a usage error, 130 after a second Ctrl-C (stopped at once).
"""

/// Writes to standard error; a failure there cannot be reported anywhere, and must not trap.
func printError(_ text: String) {
    try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
}

/// Why standard output failed, once it has (then nothing more is written to it).
var outputLost: String?

/// Prints a line to standard output, unbuffered, so that a failed write (a full disk, /dev/full, a closed file)
/// is seen rather than lost silently at exit.
@MainActor func say(_ text: String = "") {
    guard outputLost == nil else { return }
    do { try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8)) } catch {
        let ns = error as NSError
        let posix = ns.domain == NSPOSIXErrorDomain ? ns : ns.userInfo[NSUnderlyingErrorKey] as? NSError
        outputLost = posix.map { String(cString: strerror(Int32($0.code))) } ?? "write failed"
    }
}

/// Exits with `status`; when standard output failed, exits 1 with one line on standard error instead, since the
/// output was lost.
@MainActor func finish(_ status: Int32) -> Never {
    if let outputLost {
        printError("lesson: error: cannot write to standard output (\(outputLost)); the output was lost\n")
        exit(1)
    }
    exit(status)
}

@MainActor func fail(_ e: LessonError) -> Never {
    printError("lesson: error: \(e.description)\n")
    finish(e.status)
}

@MainActor func runOne(_ lesson: LessonDescriptor, _ options: RunOptions, quiet: Bool) throws -> Int {
    let log: (String) -> Void = quiet ? { _ in } : { printError("  " + $0 + "\n") }
    if !quiet { say("Lesson \(lesson.number) — \(lesson.title)\nClaim: \(lesson.claim)\n") }
    let start = Date()
    let outcome = try runLesson(lesson, options: options, log: log)
    say(checkTable(outcome.checks))
    if !quiet {
        let secs = String(format: "%.1f", Date().timeIntervalSince(start))
        let figures = outcome.renderedFormats.isEmpty ? "figure scripts"
            : "figures (\(outcome.renderedFormats.joined(separator: ", ")))"
        say("\nwrote \(outcome.folder)/\(lesson.id).executed.md, results.json and \(figures) in \(secs) s")
    }
    if !outcome.renderNote.isEmpty { printError("lesson: note: \(outcome.renderNote)\n") }
    return outcome.failed
}

do {
    let parsed = try parseArguments(Array(CommandLine.arguments.dropFirst()))
    let (target, quiet) = (parsed.target, parsed.quiet)
    var options = parsed.options
    options.commandLine = CommandLine.arguments
    #if DEBUG
    if parsed.command == "run" || parsed.command == "all" {
        printError("lesson: note: this is a debug build; the numeric lessons run several times faster with "
                   + "'swift run -c release lesson …'\n")
    }
    #endif
    switch parsed.command {
    case "help":
        say(usage)
    case "list":
        let width = (allLessons.map(\.slug.count).max() ?? 16) + 2
        for l in allLessons {
            say(String(format: "%2d  ", l.number) + l.slug.padding(toLength: width, withPad: " ", startingAt: 0)
                + l.title + "\n    " + l.claim)
        }
    case "params":
        let l = try findLesson(target ?? "")
        say(try parameterListing(l, lessonsDirectory: options.lessonsDirectory, overrides: options.overrides))
    case "updates":
        say(try updatesJSON(specPath: parsed.spec ?? ""))
    case "aggregate":
        var failed = 0
        for outcome in try aggregateRuns(parsed.folders, options: options) {
            if !quiet {
                say("Lesson \(outcome.lesson.number) — \(outcome.lesson.title): seeds "
                    + outcome.seeds.map(String.init).joined(separator: ", "))
            }
            say(checkTable(outcome.checks))
            if !quiet { say("\nwrote \(outcome.folder)\n") }
            failed += outcome.failed
        }
        finish(failed == 0 ? 0 : 1)
    case "all":
        var failed = 0
        for l in allLessons {
            failed += try runOne(l, options, quiet: quiet)
            say("")
        }
        say("all lessons: \(failed == 0 ? "every check passed" : "\(failed) checks failed")")
        finish(failed == 0 ? 0 : 1)
    default:
        let failed = try runOne(try findLesson(target ?? ""), options, quiet: quiet)
        finish(failed == 0 ? 0 : 1)
    }
} catch let e as LessonError {
    fail(e)
} catch {
    fail(LessonError("\(error)"))
}
finish(0)
