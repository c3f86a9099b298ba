import Foundation

// The model library's errors, each a single line that says what is wrong.

/// A dataset file that is missing, truncated or malformed. The message names the file and what to do.
public struct DataError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Training stopped because the loss or the weights stopped being finite, or the loss exploded (see
/// `divergenceLossFactor`).
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public let rule: String
    public let epoch: Int
    public let step: Int
    public let what: String
    public var description: String {
        "training diverged: rule \(rule), epoch \(epoch), step \(step): \(what); lower the learning rate"
    }
    public init(rule: String, epoch: Int, step: Int, what: String) {
        self.rule = rule
        self.epoch = epoch
        self.step = step
        self.what = what
    }
}
