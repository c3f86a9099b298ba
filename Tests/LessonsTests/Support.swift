import Foundation
import NeuroModel
import Testing

@testable import LessonCLI
@testable import LessonKit
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

// MARK: report.html

func pageMain(_ html: String) -> String {
    guard let open = html.range(of: "<main>"), let close = html.range(of: "</main>") else { return "" }
    return String(html[open.upperBound..<close.lowerBound])
}

/// Checks that `html` is one self-contained page: nothing fetched from anywhere (no script or style sheet by
/// address, no `url(` but data URIs, every image a data URI).
func expectSelfContained(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!html.contains("<script src"), sourceLocation: sourceLocation)
    #expect(!html.contains("<link"), sourceLocation: sourceLocation)
    #expect(!html.contains("@import"), sourceLocation: sourceLocation)
    #expect(
        html.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("data:") },
        sourceLocation: sourceLocation)
    #expect(
        html.components(separatedBy: "<img src=\"").dropFirst().allSatisfy { $0.hasPrefix("data:image/") },
        sourceLocation: sourceLocation)
}

/// report.html of real runs.

// MARK: results.json and its schema

/// A JSON value, decoded strictly (a boolean is never a number).
indirect enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let x = try? c.decode(Double.self) {
            self = .number(x)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Validates `value` against the subset of JSON Schema that docs/results.schema.json uses (type, enum, pattern,
/// required, properties, additionalProperties, items); returns every violation with its path.
func validate(_ value: JSONValue, _ schema: JSONValue, path: String = "$") -> [String] {
    guard case .object(let s) = schema else { return [] }
    var errors: [String] = []
    if let t = s["type"] {
        let allowed: [String]
        switch t {
        case .string(let one): allowed = [one]
        case .array(let many):
            allowed = many.compactMap {
                if case .string(let x) = $0 { return x }
                return nil
            }
        default: allowed = []
        }
        let actual = value.typeName
        if !allowed.contains(actual) && !(actual == "integer" && allowed.contains("number")) {
            errors.append("\(path): \(actual), schema wants \(allowed.joined(separator: "|"))")
        }
    }
    if case .array(let options)? = s["enum"], case .string(let v) = value,
        !options.contains(where: {
            if case .string(let o) = $0 { return o == v }
            return false
        })
    {
        errors.append("\(path): '\(v)' not in enum")
    }
    if case .string(let pattern)? = s["pattern"], case .string(let v) = value,
        v.range(of: pattern, options: .regularExpression) == nil
    {
        errors.append("\(path): '\(v)' does not match \(pattern)")
    }
    if case .object(let object) = value {
        if case .array(let required)? = s["required"] {
            for case .string(let key) in required where object[key] == nil { errors.append("\(path): lacks \(key)") }
        }
        let properties: [String: JSONValue]
        if case .object(let p)? = s["properties"] { properties = p } else { properties = [:] }
        for (key, v) in object {
            if let sub = properties[key] {
                errors += validate(v, sub, path: "\(path).\(key)")
            } else if let extra = s["additionalProperties"] {
                if case .bool(false) = extra {
                    errors.append("\(path): unexpected key \(key)")
                } else {
                    errors += validate(v, extra, path: "\(path).\(key)")
                }
            }
        }
    }
    if case .array(let items) = value, let itemSchema = s["items"] {
        for (i, v) in items.enumerated() { errors += validate(v, itemSchema, path: "\(path)[\(i)]") }
    }
    return errors
}

/// docs/results.schema.json, parsed.
func resultsSchema() throws -> JSONValue {
    let path = packageRoot + "/docs/results.schema.json"
    return try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}
