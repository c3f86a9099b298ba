import Foundation
import PropertyBased
import Testing

@testable import NeuroModel

// Helpers shared by the test suites of this target.

/// Writes small IDX / CIFAR files (optionally gzip-compressed through the system's gzip) to a fresh folder.
struct DataFolder {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "lesson-data-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ bytes: [UInt8]) {
        #expect(
            FileManager.default.createFile(atPath: path + "/" + name, contents: Data(bytes)), "cannot write \(name)")
    }
    func gzip(_ name: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-f", path + "/" + name]
        try? p.run()
        p.waitUntilExit()
    }
}

func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

func idxImages(
    _ n: Int, rows: Int = 2,
    cols: Int = 3
) -> [UInt8] {
    be32(0x803) + be32(n) + be32(rows) + be32(cols) + (0..<(n * rows * cols)).map { UInt8($0 % 256) }
}

func idxLabels(_ labels: [UInt8]) -> [UInt8] { be32(0x801) + be32(labels.count) + labels }

/// A random network and batch from a seed: sizes, activation and loss vary with the seed too.
func randomProblem(seed: Int, outputs: Int? = nil, hiddenLayers: Int? = nil) -> (Network, Matrix, Matrix, Loss) {
    var g = SplitMix64(seed: UInt64(seed))
    let depth = hiddenLayers ?? (1 + Int(g.next() % 3))
    let nOut = outputs ?? (1 + Int(g.next() % 4))
    let sizes = [1 + Int(g.next() % 5)] + (0..<depth).map { _ in 1 + Int(g.next() % 7) } + [nOut]
    let act = [Activation.tanh, .sigmoid, .relu][Int(g.next() % 3)]
    var net = Network(sizes: sizes, hidden: act, output: .linear, rng: &g)
    for l in net.layers.indices { for k in net.layers[l].b.indices { net.layers[l].b[k] = 0.1 * g.normal() } }
    let batch = 1 + Int(g.next() % 6)
    let x = Matrix(rows: batch, cols: sizes[0]) { _, _ in g.normal() }
    let loss: Loss = g.next() % 2 == 0 ? .mse : .crossEntropy
    let y: Matrix
    if loss == .mse {
        y = Matrix(rows: batch, cols: nOut) { _, _ in g.normal() }
    } else {
        y = oneHot((0..<batch).map { _ in Int(g.next() % UInt64(nOut)) }, classes: nOut)
    }
    return (net, x, y, loss)
}

/// A small random spiking circuit and a batch for it, from one seed.
func smallSpikingCase(_ seed: Int, routes: RouteMode) -> (SpikingCircuit, Matrix, [Int]) {
    var g = SplitMix64(seed: UInt64(seed))
    let sizes = [2 + Int(g.next() % 5), 2 + Int(g.next() % 6), 2 + Int(g.next() % 6), 2 + Int(g.next() % 3)]
    var settings = SpikingSettings()
    settings.window = 50
    settings.settle = 10
    settings.routes = routes
    let circuit = SpikingCircuit(sizes: sizes, settings: settings, rng: &g)
    let batch = 1 + Int(g.next() % 4)
    let x = Matrix(rows: batch, cols: sizes[0]) { _, _ in g.uniform() }
    return (circuit, x, (0..<batch).map { _ in Int(g.next() % UInt64(sizes[3])) })
}

/// Expects `body` to throw an error of type `E` whose one-line message contains every fragment.
func expectError<E: Error & CustomStringConvertible>(
    _ expected: E.Type, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected a \(E.self) containing \(fragments)", sourceLocation: sourceLocation)
    } catch let error as E {
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error.description)", sourceLocation: sourceLocation)
        }
        #expect(!error.description.contains("\n"), "not one line: \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a \(E.self), got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}
