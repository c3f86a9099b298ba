import Foundation
import Lessons

// `lesson` — runs the notebooks in lessons/ and checks their claims. See `lesson --help`.

let usage = """
usage: lesson <N | name | all | list> [options]
       lesson updates --spec FILE.json

Runs a lesson notebook from lessons/, checks its claims, and writes an executed copy,
results.json and gnuplot figures under the output folder (default: plots/NN-name/).

commands:
  N, NN, name        run one lesson (e.g. 1, 04, lif)
  all                run every lesson in order
  list               list lessons with their claims
  params N           list lesson N's parameters, defaults and admissible values
  updates --spec F   print each layer's update for a network given in JSON (see README)

options:
  --seed S           random seed (an integer ≥ 0); the default comes from the notebook
  --set name=value   override a parameter (repeatable); see 'lesson params N'
  --out DIR          output folder (default: plots)
  --lessons DIR      folder holding the notebooks (default: lessons)
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

func parse(_ args: [String]) throws -> (command: String, target: String?, options: RunOptions, quiet: Bool, spec: String?) {
    var options = RunOptions()
    var quiet = false
    var spec: String?
    var positional: [String] = []
    var i = 0
    func value(_ flag: String) throws -> String {
        i += 1
        guard i < args.count, !args[i].hasPrefix("--") else { throw LessonError.usage("\(flag) needs a value; see lesson --help") }
        return args[i]
    }
    while i < args.count {
        let a = args[i]
        switch a {
        case "-h", "--help", "help": return ("help", nil, options, quiet, nil)
        case "--seed":
            let v = try value(a)
            guard let s = UInt64(v), s <= UInt64(Int.max) else { throw LessonError.usage("--seed '\(v)' is not an integer in 0...\(Int.max)") }
            options.seed = s
        case "--set":
            let v = try value(a)
            let parts = v.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw LessonError.usage("--set '\(v)' must look like name=value") }
            options.overrides.append((parts[0], parts[1]))
        case "--out": options.outDirectory = try value(a)
        case "--lessons": options.lessonsDirectory = try value(a)
        case "--spec": spec = try value(a)
        case "--no-render": options.render = false
        case "--resume": options.resume = true
        case "--quiet": quiet = true
        default:
            if a.hasPrefix("-") { throw LessonError.usage("unknown option '\(a)'; see lesson --help") }
            positional.append(a)
        }
        i += 1
    }
    guard let first = positional.first else { return ("help", nil, options, quiet, nil) }
    switch first {
    case "list", "all", "updates":
        guard positional.count == 1 else { throw LessonError.usage("'\(first)' takes no further arguments; got '\(positional[1])'") }
        return (first, nil, options, quiet, spec)
    case "params":
        guard positional.count == 2 else { throw LessonError.usage("usage: lesson params N") }
        return ("params", positional[1], options, quiet, nil)
    default:
        guard positional.count == 1 else { throw LessonError.usage("one lesson at a time (or 'all'); got \(positional.joined(separator: " "))") }
        return ("run", first, options, quiet, nil)
    }
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
    let (command, target, options, quiet, spec) = try parse(Array(CommandLine.arguments.dropFirst()))
    switch command {
    case "help":
        print(usage)
    case "list":
        for l in allLessons { print(String(format: "%2d  %@", l.number, l.slug.padding(toLength: 16, withPad: " ", startingAt: 0)) + l.title + "\n    " + l.claim) }
    case "params":
        let l = try findLesson(target ?? "")
        print("Lesson \(l.number) parameters (defaults from the code; the notebook lessons/\(l.notebookFile) may set others):")
        for p in l.parameters { print("  \(p.name) = \(p.defaultValue)\n      \(p.help); \(p.admissible)") }
    case "updates":
        guard let spec else { throw LessonError.usage("updates needs --spec FILE.json; see README, 'Exchange format'") }
        print(try updatesJSON(specPath: spec))
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
