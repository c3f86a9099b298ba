import ArgumentParser
import Foundation
import LessonKit
import Lessons

/// Parses `arguments` (without the program's name) into a validated subcommand. Throws ArgumentParser's errors
/// (usage errors, and the requests for help, the version or a completion script).
func parseCommand(_ arguments: [String]) throws -> any LessonSubcommand {
    var command = try LessonCommand.parseAsRoot(arguments)
    if let subcommand = command as? any LessonSubcommand { return subcommand }
    try command.run()  // `lesson help [subcommand]`: throws the request for that help
    throw CleanExit.helpRequest(LessonCommand.self)
}

/// What `lesson` prints for an error that ended it, and its exit status.
struct ErrorReport: Equatable {
    var status: Int32
    /// For standard output: help, the version or a completion script (status 0).
    var output: String?
    /// One line for standard error.
    var error: String?
}

/// Usage errors (ArgumentParser's, with a pointer to the command's help, and LessonError.usage) are one line with
/// status 2; help, `--version` and completion scripts go to standard output with status 0; any other LessonError
/// is one line with its status (1).
func report(for error: Error) -> ErrorReport {
    if let e = error as? LessonError { return ErrorReport(status: e.status, error: "lesson: error: \(e.description)") }
    let code = LessonCommand.exitCode(for: error)
    if code.isSuccess { return ErrorReport(status: 0, output: LessonCommand.fullMessage(for: error, columns: nil)) }
    var message = LessonCommand.message(for: error).replacingOccurrences(of: "\n", with: " ")
    // ArgumentParser's own messages are capitalised ("Unknown option '--bogus'"): lower-case them like the rest,
    // and point at the command's help (fullMessage ends with "  See 'lesson run --help' for more information.").
    // Ours (from validate) already say what to do.
    if let first = message.first, first.isUppercase {
        message = first.lowercased() + message.dropFirst()
        let help = LessonCommand.fullMessage(for: error, columns: nil).split(separator: "\n")
            .compactMap { line -> Substring? in
                guard let start = line.range(of: "See '"), let end = line[start.upperBound...].firstIndex(of: "'")
                else { return nil }
                return line[start.upperBound..<end]
            }.last
        if let help { message += message.hasSuffix("?") ? " See '\(help)'." : "; see '\(help)'" }
    }
    let status: Int32 = code == .validationFailure ? 2 : code.rawValue
    return ErrorReport(status: status, error: "lesson: error: \(message)")
}

/// `lesson`'s entry point: parses `arguments` (without the program's name), runs the command and exits 0 when
/// every check passed, 1 when a check failed or a run could not finish, 2 on a usage error. A bare `lesson`
/// prints its help to standard error and exits 2.
@MainActor public func lessonMain(_ arguments: [String]) -> Never {
    guard !arguments.isEmpty else {
        printError(LessonCommand.helpMessage() + "\n")
        finish(2)
    }
    do {
        finish(try parseCommand(arguments).execute())
    } catch {
        let r = report(for: error)
        if let output = r.output { say(output) }
        if let line = r.error { printError(line + "\n") }
        finish(r.status)
    }
}
