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

Exit status: 0 when every check passed, 1 when a check failed or a run could not finish, 2 on a usage error.
"""

func fail(_ e: LessonError) -> Never {
    FileHandle.standardError.write(Data("lesson: error: \(e.description)\n".utf8))
    exit(e.status)
}

func runOne(_ lesson: LessonDescriptor, _ options: RunOptions, quiet: Bool) throws -> Int {
    let log: (String) -> Void = quiet ? { _ in } : { FileHandle.standardError.write(Data(("  " + $0 + "\n").utf8)) }
    if !quiet { print("Lesson \(lesson.number) — \(lesson.title)\nClaim: \(lesson.claim)\n") }
    let start = Date()
    let outcome = try runLesson(lesson, options: options, log: log)
    print(checkTable(outcome.checks))
    if !quiet {
        let secs = String(format: "%.1f", Date().timeIntervalSince(start))
        print("\nwrote \(outcome.folder)/\(lesson.id).executed.md, results.json and \(outcome.renderedFormats.isEmpty ? "figure scripts" : "figures (\(outcome.renderedFormats.joined(separator: ", ")))") in \(secs) s")
    }
    if !outcome.renderNote.isEmpty { FileHandle.standardError.write(Data("lesson: note: \(outcome.renderNote)\n".utf8)) }
    return outcome.failed
}

do {
    let parsed = try parseArguments(Array(CommandLine.arguments.dropFirst()))
    let (target, quiet) = (parsed.target, parsed.quiet)
    var options = parsed.options
    options.commandLine = CommandLine.arguments
    #if DEBUG
    if parsed.command == "run" || parsed.command == "all" {
        FileHandle.standardError.write(Data("lesson: note: this is a debug build; the numeric lessons run several times faster with 'swift run -c release lesson …'\n".utf8))
    }
    #endif
    switch parsed.command {
    case "help":
        print(usage)
    case "list":
        let width = (allLessons.map(\.slug.count).max() ?? 16) + 2
        for l in allLessons { print(String(format: "%2d  ", l.number) + l.slug.padding(toLength: width, withPad: " ", startingAt: 0) + l.title + "\n    " + l.claim) }
    case "params":
        let l = try findLesson(target ?? "")
        print(try parameterListing(l, lessonsDirectory: options.lessonsDirectory, overrides: options.overrides))
    case "updates":
        print(try updatesJSON(specPath: parsed.spec ?? ""))
    case "aggregate":
        var failed = 0
        for outcome in try aggregateRuns(parsed.folders, options: options) {
            if !quiet {
                print("Lesson \(outcome.lesson.number) — \(outcome.lesson.title): seeds "
                    + outcome.seeds.map(String.init).joined(separator: ", "))
            }
            print(checkTable(outcome.checks))
            if !quiet { print("\nwrote \(outcome.folder)\n") }
            failed += outcome.failed
        }
        exit(failed == 0 ? 0 : 1)
    case "all":
        var failed = 0
        for l in allLessons {
            failed += try runOne(l, options, quiet: quiet)
            print("")
        }
        print("all lessons: \(failed == 0 ? "every check passed" : "\(failed) checks failed")")
        exit(failed == 0 ? 0 : 1)
    default:
        let failed = try runOne(try findLesson(target ?? ""), options, quiet: quiet)
        exit(failed == 0 ? 0 : 1)
    }
} catch let e as LessonError {
    fail(e)
} catch {
    fail(LessonError("\(error)"))
}
