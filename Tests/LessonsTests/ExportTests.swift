import Foundation
import Testing

@testable import LessonKit
@testable import Lessons
@testable import NeuroModel

/// python3 when it can import numpy, else nil (the tests that load .npz files with numpy are then skipped).
let pythonWithNumpy: String? = {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let path = "\(dir)/python3"
        guard FileManager.default.isExecutableFile(atPath: path) else { continue }
        return (try? pythonOutput(path, "import numpy")) != nil ? path : nil
    }
    return nil
}()

/// Runs `script` with python3 and returns its standard output; throws when it exits non-zero.
func pythonOutput(_ python: String, _ script: String, arguments: [String] = []) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["-c", script] + arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw LessonError("python exited with \(p.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}

/// Every array of an .npz as numpy reads it: name, dtype, shape and values (shortest round-trip repr).
let npzDump = """
    import json, sys, numpy
    z = numpy.load(sys.argv[1])
    print(json.dumps({k: [z[k].dtype.str, list(z[k].shape), [repr(v) for v in z[k].ravel().tolist()]] \
    for k in z.files}))
    """

@Suite struct ExportTests {
    @Test(.enabled(if: pythonWithNumpy != nil, "needs python3 with numpy"))
    func numpyReadsTheArchiveExactly() throws {
        let python = try #require(pythonWithNumpy)
        let m = Matrix(rows: 2, cols: 3, data: [1, -2.5, 3e-300, .pi, -0.0, 1e300])
        let arrays: [(name: String, array: NumpyArray)] = [
            ("W1", NumpyArray(m)), ("b1", NumpyArray(shape: [2], [0.1, 0.2])),
            ("signs", NumpyArray(shape: [1, 3], [Int64(1), -1, 1])), ("epoch", NumpyArray(shape: [], [Int64(7)])),
            ("history", historyArray([[0, 1], [1]]))
        ]
        let path = temporaryFolder("npz") + "/a.npz"
        try npzArchive(arrays).write(to: URL(fileURLWithPath: path))
        let dump = try pythonOutput(python, npzDump, arguments: [path])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: [Any]])
        #expect(Set(decoded.keys) == ["W1", "b1", "signs", "epoch", "history"])
        func values(_ k: String) -> [Double] { (decoded[k]?[2] as? [String] ?? []).compactMap { Double($0) } }
        func shape(_ k: String) -> [Int] { decoded[k]?[1] as? [Int] ?? [-1] }
        #expect(shape("W1") == [2, 3] && decoded["W1"]?[0] as? String == "<f8")
        #expect(values("W1").map(\.bitPattern) == m.data.map(\.bitPattern))  // row-major, bit for bit
        #expect(shape("b1") == [2] && values("b1") == [0.1, 0.2])
        #expect(shape("signs") == [1, 3] && decoded["signs"]?[0] as? String == "<i8" && values("signs") == [1, -1, 1])
        #expect(shape("epoch") == [] && values("epoch") == [7])
        #expect(shape("history") == [2, 2] && values("history").last?.isNaN == true)  // NaN pads the short row
    }

    @Test func archivesAreDeterministicAndNamesChecked() throws {
        let a = [(name: "x", array: NumpyArray(shape: [3], [1.0, 2, 3]))]
        #expect(try npzArchive(a) == npzArchive(a))
        let error = try #require(throws: DataError.self) {
            _ = try npzArchive([(name: "a/b", array: NumpyArray(shape: [0], [Double]()))])
        }
        #expect(error.description == "npz: array name 'a/b' must be 1–199 bytes without slashes")
    }

    /// A lesson 6 checkpoint exported: numpy reads the trained weights the checkpoint holds, bit for bit; a
    /// damaged checkpoint is refused with one line.
    @Test(.enabled(if: pythonWithNumpy != nil, "needs python3 with numpy"))
    func lesson6CheckpointExportsItsTrainedWeights() throws {
        let python = try #require(pythonWithNumpy)
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.outDirectory = temporaryFolder("export")
        options.overrides = [
            ("dataset", "yin-yang"), ("hidden", "16"), ("epochs", "2"), ("rules", "frsf"),
            ("circuit_steps", "0")
        ]
        let outcome = try runLessonSerially(try findLesson("6"), options: options)
        let checkpoint = outcome.folder + "/checkpoints/seed-\(outcome.seeds[0])/checkpoint-frsf.ckpt"
        let saved = try Checkpoint<Lesson06RuleState>(
            decoding: Data(contentsOf: URL(fileURLWithPath: checkpoint)),
            path: checkpoint
        ).state
        let npz = options.outDirectory + "/frsf.npz"
        let names = try exportCheckpoint(checkpoint, to: npz, lessons: allLessons)
        #expect(names == ["W1", "b1", "W2", "b2", "W3", "b3", "B1", "B2", "history", "epoch"])
        let dump = try pythonOutput(python, npzDump, arguments: [npz])
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(dump.utf8)) as? [String: [Any]])
        let w2 = (decoded["W2"]?[2] as? [String] ?? []).compactMap { Double($0) }
        #expect(decoded["W2"]?[1] as? [Int] == [saved.layers[1].w.rows, saved.layers[1].w.cols])
        #expect(w2.map(\.bitPattern) == saved.layers[1].w.data.map(\.bitPattern))
        #expect(decoded["epoch"]?[2] as? [String] == ["2"])

        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint))
        #expect(throws: LessonError(CheckpointIntegrity.corrupt(checkpoint, "checksum mismatch"))) {
            _ = try exportCheckpoint(checkpoint, to: npz, lessons: allLessons)
        }
    }

    /// Lesson 7's checkpoint holds every model of a depth: each one's W and b per layer under its own prefix, the
    /// spiking circuit's |R| and route signs, every history, the epoch; the arrays are the state's own numbers.
    @Test func lesson7CheckpointExportsEveryModel() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.render = false
        options.outDirectory = temporaryFolder("export7")
        options.overrides =
            Lesson07Tests.tiny.filter { !["depths", "routes", "dt_check"].contains($0.0) } + [
                ("depths", "2"), ("routes", "fixed"), ("dt_check", "0")
            ]
        let outcome = try runLessonSerially(try findLesson("7"), options: options)
        let checkpoint = outcome.folder + "/checkpoints/seed-\(outcome.seeds[0])/checkpoint-depth2.ckpt"
        let arrays = try exportedArrays(checkpoint: checkpoint, lessons: allLessons)
        let names = Set(arrays.map(\.name))
        for prefix in ["spiking_fixed_", "twin_", "bp_", "standard_"] {
            for l in 1...3 { #expect(names.contains(prefix + "W\(l)") && names.contains(prefix + "b\(l)")) }
            #expect(names.contains(prefix + "history"))
        }
        #expect(names.contains("spiking_fixed_R1") && names.contains("spiking_fixed_R2"))
        #expect(names.contains("spiking_fixed_route_signs1") && names.contains("epoch"))
        let saved = try Checkpoint<Lesson07Depth>(
            decoding: Data(contentsOf: URL(fileURLWithPath: checkpoint)), path: checkpoint)
        let w2 = try #require(arrays.first { $0.name == "spiking_fixed_W2" }?.array)
        let state = try #require(saved.state[.spiking(.fixed)]?.circuit)
        #expect(w2.shape == [12, 12] && w2 == NumpyArray(shape: [12, 12], state.weights[1]))
    }
}
