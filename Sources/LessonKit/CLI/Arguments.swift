import Foundation

// Checks of single option values, shared by the command-line front end (Sources/LessonCLI) and its tests. Each
// throws a one-line usage error (exit status 2) naming the option and the value it refused.

/// `--seed S`: an integer in 0...Int.max (seeds are stored as Int in results.json).
public func parseSeed(_ text: String) throws -> UInt64 {
    guard let s = UInt64(text), s <= UInt64(Int.max) else {
        throw LessonError.usage("--seed '\(text)' is not an integer in 0...\(Int.max)")
    }
    return s
}

/// `--threads N`: an integer in 1...256.
public func parseThreads(_ text: String) throws -> Int {
    guard let t = Int(text), (1...256).contains(t) else {
        throw LessonError.usage("--threads '\(text)' is not an integer in 1...256")
    }
    return t
}

/// `--set name=value`: a parameter override.
public func parseOverride(_ text: String) throws -> (String, String) {
    let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else {
        throw LessonError.usage("--set '\(text)' must look like name=value")
    }
    return (parts[0], parts[1])
}
