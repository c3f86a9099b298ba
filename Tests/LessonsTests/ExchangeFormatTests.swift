import Foundation
import Testing

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
}
