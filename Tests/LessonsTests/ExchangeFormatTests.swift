import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct ExchangeFormatTests {
    func write(_ text: String) -> String {
        let path = temporaryFolder("spec") + "/spec.json"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot write \(path)")
        return path
    }

    /// Reference values computed independently with numpy for this network (tanh hidden, linear output, MSE, frSF).
    @Test func frsfUpdateMatchesIndependentComputation() throws {
        let path = write(
            """
            {"method":"frsf","activation":"tanh","output_activation":"linear","loss":"mse",
             "layers":[{"W":[[0.5,-0.2],[0.1,0.3],[-0.4,0.2]],"b":[0,0.1,0]},{"W":[[1,-1,0.5]],"b":[0]}],
             "x":[[1,2],[0.5,-1]],"y":[[0.3],[-0.2]],"feedback":[[[0.2,0.7,0.4]]]}
            """)
        let json = try updatesJSON(specPath: path)
        struct Out: Decodable {
            struct L: Decodable { let dW: [[Double]] }
            let layers: [L]
        }
        let out = try JSONDecoder().decode(Out.self, from: Data(json.utf8))
        let hidden: [Double] = [0.06170693, 0.21889909, -0.06974183, -0.5370381, 0.12317744, 0.44514015]
        let top: [Double] = [-0.07944654, 0.33022325, 0.11033899]
        for (a, b) in zip(out.layers[0].dW.flatMap { $0 }, hidden) { #expect(abs(a - b) < 1e-7) }
        for (a, b) in zip(out.layers[1].dW.flatMap { $0 }, top) { #expect(abs(a - b) < 1e-7) }
    }

    @Test func badSpecsGiveClearErrors() {
        let cases: [String] = [
            "{",
            "{\"method\":\"xx\",\"activation\":\"tanh\",\"loss\":\"mse\",\"layers\":[],\"x\":[[1]],\"y\":[[1]]}",
            "{\"method\":\"fa\",\"activation\":\"tanh\",\"loss\":\"mse\","
                + "\"layers\":[{\"W\":[[1]],\"b\":[0]},{\"W\":[[1]],\"b\":[0]}],\"x\":[[1]],\"y\":[[1]]}",
            "{\"method\":\"bp\",\"activation\":\"tanh\",\"loss\":\"mse\","
                + "\"layers\":[{\"W\":[[1,2]],\"b\":[0]}],\"x\":[[1]],\"y\":[[1]]}"
        ]
        for c in cases {
            expectLessonError(["spec"]) { _ = try updatesJSON(specPath: write(c)) }
        }
        expectLessonError(["cannot read spec /nonexistent/spec.json"]) {
            _ = try updatesJSON(specPath: "/nonexistent/spec.json")
        }
    }

    static let tiny = #""method":"bp","activation":"tanh","loss":"mse","x":[[1]],"y":[[1]]"#
    static let layer = #""layers":[{"W":[[1]],"b":[0]}]"#

    /// Issue 20 #15: a key the format does not know (a misspelt `learning_rat`, which would run at η = 1) or a key
    /// given twice (JSON parsers keep one value silently) is an error, at the top level and in a layer.
    @Test func unknownAndRepeatedKeysAreErrors() {
        let (tiny, layer) = (Self.tiny, Self.layer)
        expectLessonError(["unknown key 'learning_rat'", "learning_rate"]) {
            _ = try updatesJSON(specPath: write("{\(tiny),\(layer),\"learning_rat\":0.1}"))
        }
        expectLessonError(["unknown key 'w' in layers[0]"]) {
            _ = try updatesJSON(specPath: write("{\(tiny),\"layers\":[{\"W\":[[1]],\"b\":[0],\"w\":[[2]]}]}"))
        }
        expectLessonError(["key 'learning_rate' is given twice"]) {
            _ = try updatesJSON(specPath: write("{\(tiny),\(layer),\"learning_rate\":0.1,\"learning_rate\":5}"))
        }
        expectLessonError(["key 'layers[].b' is given twice"]) {
            _ = try updatesJSON(specPath: write("{\(tiny),\"layers\":[{\"W\":[[1]],\"b\":[0],\"b\":[1]}]}"))
        }
        // The same key in two objects is no repeat.
        #expect(firstDuplicateKey(Data(#"{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}"#.utf8)) == nil)
        #expect(firstDuplicateKey(Data(#"{"a":"k\"x","a":1}"#.utf8)) == "a")
    }

    /// Issue 20 #15: a loss or update that overflows is an error (not the strings "inf" or "NaN" with exit 0).
    @Test func nonFiniteResultsAreErrors() {
        let spec =
            #"{"method":"bp","activation":"linear","loss":"mse","x":[[1e300]],"y":[[1]],"#
            + #""layers":[{"W":[[1e300]],"b":[0]}]}"#
        expectLessonError(["not a finite number", "lower learning_rate"]) { _ = try updatesJSON(specPath: write(spec)) }
    }

    /// Issue 20 #15: `lesson updates --spec -` reads the spec from standard input.
    @Test(needsLessonExecutable) func specFromStandardInput() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(lessonExecutable))
        p.arguments = ["updates", "--spec", "-"]
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        try input.fileHandleForWriting.write(contentsOf: Data("{\(Self.tiny),\(Self.layer)}".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("\"method\":\"bp\"") && text.contains("\"dW\""), "\(text)")
    }
}
