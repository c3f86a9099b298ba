import Foundation

// The one error type a user sees from the runner. The model library's own errors (DataError for data files and
// checkpoints, TrainingDiverged for a run that blew up) are in NeuroModel/Errors.swift; the lessons turn them into
// a LessonError with what to do, or report them in a check.

/// One-line, user-facing error: what went wrong and what to do. The executable prints it and exits non-zero.
public struct LessonError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// Exit status: 2 for usage errors, 1 for everything else.
    public let status: Int32
    public init(_ message: String, status: Int32 = 1) {
        self.description = message
        self.status = status
    }
    public static func usage(_ message: String) -> LessonError { LessonError(message, status: 2) }
}
