import Foundation
import NeuroModel
import Testing

@testable import LessonCLI
@testable import Lessons

#if canImport(Glibc)
    import Glibc
#endif

// Helpers shared by the test suites of this target.

/// The `status` of the results.json in `folder`.
func resultsStatus(_ folder: String) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    return try #require(object?["status"] as? String)
}

/// Whether the two files hold the same bytes (and exist).
func sameFile(_ a: String, _ b: String) -> Bool {
    let x = FileManager.default.contents(atPath: a)
    return x != nil && x == FileManager.default.contents(atPath: b)
}

/// Runs a lesson at the given overrides into a fresh folder and expects every check to pass and, when
/// gnuplot is installed (as CI installs it), every figure script to render.
/// `fullSizeOnly` names claims made for the notebook's size (checked at full size by `lesson all` in CI): at the
/// small size they must be computed, not met.
func runSmall(_ key: String, _ overrides: [(String, String)], fullSizeOnly: Set<String> = []) throws -> RunOutcome {
    var options = RunOptions()
    options.lessonsDirectory = packageRoot + "/lessons"
    options.outDirectory = temporaryFolder("run-\(key)")
    // Two seeds unless a test asks for more: the machinery over seeds is exercised at half the cost of defaults.
    options.overrides = overrides.contains { $0.0 == "seeds" } ? overrides : overrides + [("seeds", "2")]
    let outcome = try runLessonSerially(try findLesson(key), options: options)
    for id in fullSizeOnly { #expect(outcome.checks.contains { $0.id == id }, "lesson \(key) made no check \(id)") }
    for c in outcome.checks where !c.passed && !fullSizeOnly.contains(c.id) {
        let expected = "\(c.expectedText) \(c.toleranceText)"
        Issue.record("lesson \(key): check failed: \(c.name): observed \(c.observedText), expected \(expected)")
    }
    #expect(!outcome.checks.isEmpty)
    if options.gnuplot != nil {
        #expect(outcome.renderedFormats == ["png", "svg", "pdf"], "lesson \(key): \(outcome.renderNote)")
    }
    return outcome
}

/// Runs a lesson without rendering and without requiring its checks to pass; returns the outcome and log.
func runUnchecked(_ key: String, _ overrides: [(String, String)]) throws -> (RunOutcome, [String]) {
    var options = RunOptions()
    options.lessonsDirectory = packageRoot + "/lessons"
    options.outDirectory = temporaryFolder("unchecked-\(key)")
    options.overrides = overrides
    options.render = false
    var messages: [String] = []
    let outcome = try runLessonSerially(try findLesson(key), options: options, log: { messages.append($0) })
    return (outcome, messages)
}

/// The numeric rows of block `index` of a figure's data file.
func dataRows(_ path: String, block index: Int = 0) throws -> [[Double]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let block = text.components(separatedBy: "\n\n\n")[index]
    return block.split(separator: "\n").filter { !$0.hasPrefix("#") }
        .map { $0.split(separator: " ").map { Double($0) ?? -1 } }
}

/// A small learnable IDX dataset in a fresh folder: 10 classes of 28×28 images, class c lighting the 78 pixels
/// from 78c on over noise.
func learnableIDXFolder(train: Int = 600, test: Int = 300) throws -> String {
    let folder = temporaryFolder("idx")
    func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(v >> $0 & 0xff) } }
    var rng = SplitMix64(seed: 5)
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let labels = (0..<n).map { UInt8($0 % 10) }
        let pixels = labels.flatMap { c in
            (0..<784).map { $0 / 78 == Int(c) ? UInt8(255) : UInt8(rng.next() % 60) }
        }
        try Data(be32(0x803) + be32(n) + be32(28) + be32(28) + pixels)
            .write(to: URL(fileURLWithPath: folder + "/\(prefix)-images-idx3-ubyte"))
        try Data(be32(0x801) + be32(n) + labels)
            .write(to: URL(fileURLWithPath: folder + "/\(prefix)-labels-idx1-ubyte"))
    }
    return folder
}

/// Lesson 3 at a learning rate at which BP's loss explodes (linear units).
let lesson3Diverging: [(String, String)] = [
    ("learning_rate", "10"), ("epochs", "4"), ("activation", "linear"),
    ("hidden", "20"), ("train_size", "600"), ("random_nets", "10")
]

/// The package root, found from this file's location, so tests run from any working directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

func temporaryFolder(_ name: String) -> String {
    let dir = NSTemporaryDirectory() + "lesson-tests-\(name)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Lesson runs share process-wide state (OpenBLAS's thread count, which lessons set, and the SIGINT flag), and
/// Swift Testing runs tests in parallel: tests therefore run lessons one at a time, or a byte-for-byte
/// comparison could see another lesson's thread setting.
let lessonRunLock = NSLock()

func runLessonSerially(_ lesson: LessonDescriptor, options: RunOptions, log: @escaping (String) -> Void = { _ in })
    throws -> RunOutcome
{
    lessonRunLock.lock()
    defer { lessonRunLock.unlock() }
    // One seed unless the test chooses (lessons default to several; tests that need them say so).
    var options = options
    if options.seeds == nil && !options.overrides.contains(where: { $0.0 == "seeds" }) {
        options.overrides.append(("seeds", "1"))
    }
    return try runLesson(lesson, options: options, log: log)
}

/// The `|` characters that end a cell in a GitHub Markdown table row: those not escaped with a backslash.
func cellSeparators(_ row: String) -> Int {
    var count = 0
    var escaped = false
    for ch in row {
        if ch == "|" && !escaped { count += 1 }
        escaped = ch == "\\" && !escaped
    }
    return count
}

/// The `lesson` executable built beside this test bundle (or in the package's debug build folder).
let lessonExecutable: String? = {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [dir, dir.deletingLastPathComponent()].map { $0.appendingPathComponent("lesson").path }
    return (candidates + [packageRoot + "/.build/debug/lesson"]).first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
}()

/// The condition of a test that runs the `lesson` executable: it is skipped, and says so, without one.
let needsLessonExecutable = ConditionTrait.enabled(
    if: lessonExecutable != nil, "needs the lesson executable (built by swift build)")

let gnuParallel: String? = {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/parallel"
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
}()

@discardableResult
func runProcess(_ tool: String, _ args: [String], in dir: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: dir)
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// Expects `body` to throw a `LessonError` whose one-line message contains every fragment: the type and the
/// message, so that a test of one error cannot pass on another.
func expectLessonError(
    _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected a LessonError containing \(fragments)", sourceLocation: sourceLocation)
    } catch let error as LessonError {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
        }
        #expect(
            !error.description.contains("\n"), "not one line: \(error.description)",
            sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a LessonError, got \(error)", sourceLocation: sourceLocation)
    }
}
