import Foundation

/// What the command line asked for.
public struct ParsedCommand {
    public var command: String
    public var target: String?
    public var options: RunOptions
    public var quiet: Bool
    public var spec: String?
    /// Folders for `aggregate`.
    public var folders: [String] = []
}

/// Parses `lesson`'s arguments; throws a one-line usage error for anything it does not understand.
public func parseArguments(_ args: [String]) throws -> ParsedCommand {
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
        case "-h", "--help", "help": return ParsedCommand(command: "help", target: nil, options: options, quiet: quiet, spec: nil)
        case "--seed":
            let v = try value(a)
            guard let s = UInt64(v), s <= UInt64(Int.max) else { throw LessonError.usage("--seed '\(v)' is not an integer in 0...\(Int.max)") }
            options.seed = s
        case "--set":
            let v = try value(a)
            let parts = v.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw LessonError.usage("--set '\(v)' must look like name=value") }
            options.overrides.append((parts[0], parts[1]))
        case "--seeds":
            options.seeds = try parseSeedList(try value(a))
        case "--threads":
            let v = try value(a)
            guard let t = Int(v), (1...256).contains(t) else {
                throw LessonError.usage("--threads '\(v)' is not an integer in 1...256")
            }
            options.threads = t
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
    if options.seed != nil && options.seeds != nil {
        throw LessonError.usage("give either --seed S (the first of the lesson's seeds) or --seeds LIST, not both")
    }
    guard let first = positional.first else { return ParsedCommand(command: "help", target: nil, options: options, quiet: quiet, spec: nil) }
    switch first {
    case "list", "all", "updates":
        guard positional.count == 1 else { throw LessonError.usage("'\(first)' takes no further arguments; got '\(positional[1])'") }
        if first == "updates" && spec == nil { throw LessonError.usage("updates needs --spec FILE.json; see README, 'Exchange format'") }
        if first == "all" && options.seeds != nil {
            throw LessonError.usage("--seeds is for one lesson; 'lesson all' uses each lesson's own seeds "
                + "(give --seed S to shift them)")
        }
        if first == "all" && !options.overrides.isEmpty {
            throw LessonError.usage("--set names one lesson's parameters; run that lesson on its own (e.g. lesson 3 --set \(options.overrides[0].0)=…)")
        }
        return ParsedCommand(command: first, target: nil, options: options, quiet: quiet, spec: spec)
    case "aggregate":
        guard positional.count >= 2 else {
            throw LessonError.usage("usage: lesson aggregate DIR... [--out DIR]; DIR are the --out folders of runs")
        }
        var parsed = ParsedCommand(command: "aggregate", target: nil, options: options, quiet: quiet, spec: nil)
        parsed.folders = Array(positional.dropFirst())
        return parsed
    case "params":
        guard positional.count == 2 else { throw LessonError.usage("usage: lesson params N") }
        return ParsedCommand(command: "params", target: positional[1], options: options, quiet: quiet, spec: nil)
    default:
        guard positional.count == 1 else { throw LessonError.usage("one lesson at a time (or 'all'); got \(positional.joined(separator: " "))") }
        _ = try findLesson(first)
        return ParsedCommand(command: "run", target: first, options: options, quiet: quiet, spec: nil)
    }
}
