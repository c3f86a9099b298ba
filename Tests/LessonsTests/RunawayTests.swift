import Foundation
import Testing

@testable import LessonKit
@testable import Lessons
@testable import NeuroModel

// Issue 30 #4 and #6: a circuit that runs away or collapses is stopped at once with a failing check; a run whose
// every rule diverged still draws its figures.

@Suite struct RunawayTests {
    /// A population whose running mean |ε| has fallen to 1e-12 asks for burst counts near 1e12 per window. The
    /// update finishes (before PTRS it drew such counts term by term, for hours: this test did not end) and the
    /// lesson's detector names the runaway; a healthy batch passes it.
    @Test func runawayGainIsDrawnFastAndDetected() {
        var g = SplitMix64(seed: 3)
        var settings = SpikingSettings()
        settings.window = 50
        settings.settle = 10
        var circuit = SpikingCircuit(sizes: [4, 5, 3], settings: settings, rng: &g)
        let x = Matrix(rows: 2, cols: 4) { _, _ in g.uniform() }
        let y = Matrix(rows: 2, cols: 3) { i, j in i == j ? 0.1 : 0.01 }
        let healthy = circuit.update(x: x, targets: y, learningRate: 1, stream: 1)
        #expect(runawayBurst(healthy, baseline: settings.burstBaseline) == nil, "\(healthy.peakBurstRate)")
        circuit.gainState = circuit.gainState.map { _ in 1e-12 }
        let runaway = circuit.update(x: x, targets: y, learningRate: 1, stream: 1)
        #expect(runaway.peakBurstRate > runawayBurstMultiple * settings.burstBaseline)
        let why = runawayBurst(runaway, baseline: settings.burstBaseline)
        #expect(why?.contains("more than 100 ν₀") == true, "\(why ?? "nil")")
    }

    /// Accuracy back at chance after an epoch clearly above it is a collapse; at chance from the start (a run too
    /// small to learn) is not, nor is a working run.
    @Test func collapseToChanceIsDetected() throws {
        let test = Dataset(
            name: "t", x: Matrix(rows: 10_000, cols: 1), labels: Array(repeating: 0, count: 10_000),
            classes: 10)
        let d = Lesson07Data(
            train: test, test: test, name: "t", isFullFashionMNIST: false,
            probe: (
                Matrix(rows: 1, cols: 1),
                Matrix(rows: 1, cols: 1)
            ), fingerprint: "")
        func depth(_ accuracies: [Double]) -> Lesson07Depth {
            var trained = Lesson07Trained(model: .spiking(.fixed), circuit: nil)
            trained.history = accuracies.enumerated().map { Lesson07Epoch(epoch: $0.offset, accuracy: $0.element) }
            return Lesson07Depth(depth: 1, models: [trained])
        }
        let collapsed = try #require(collapse(depth([10, 25.9, 10.1]), d))
        #expect(collapsed.description.contains("fell to 10.1 % (chance 10.0 %) in epoch 2 after reaching 25.9 %"))
        #expect(!collapsed.check.passed)
        #expect(collapse(depth([10, 10.2, 10.4]), d) == nil)
        #expect(collapse(depth([10, 80, 84]), d) == nil)
    }

    /// Every rule diverging in epoch 1 leaves nothing to draw; the accuracy figure still renders (a fixed frame
    /// that says so) and the divergences are failing checks.
    @Test(.enabled(if: findGnuplot() != nil, "needs gnuplot (apt-get install gnuplot-nox)"))
    func figuresRenderWhenEveryRuleDiverges() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = temporaryFolder("all-diverge")
        options.overrides = [
            ("dataset", "yin-yang"), ("hidden", "32"), ("hidden_layers", "3"), ("epochs", "2"),
            ("learning_rate", "10"), ("rules", "bp,frsf"), ("circuit_steps", "0"), ("batch", "1"), ("seeds", "1")
        ]
        let outcome = try runLessonSerially(try findLesson("6"), options: options)
        #expect(outcome.checks.filter { $0.name.contains("without divergence") && !$0.passed }.count == 2)
        #expect(outcome.renderedFormats == ["png", "svg", "pdf"], "\(outcome.renderNote)")
        let script = try String(contentsOfFile: outcome.folder + "/accuracy.gp", encoding: .utf8)
        #expect(script.contains("no epoch of bp, frsf ended without divergence"))
    }
}

/// Issue 30: `dataset = mnist` on the official Fashion-MNIST files labelled every output "mnist"; the files'
/// first labels name them, so the run is refused in one line saying which dataset they are.
@Test func officialFilesOfAnotherDatasetAreNotMislabelled() throws {
    let folder = temporaryFolder("fashion-as-mnist")
    func be32(_ v: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(v >> $0 & 0xff) } }
    let first: (train: [UInt8], test: [UInt8]) = ([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
    for (prefix, labels) in [("train", first.train), ("t10k", first.test)] {
        try Data(be32(0x803) + be32(10) + be32(28) + be32(28) + [UInt8](repeating: 0, count: 7840))
            .write(to: URL(fileURLWithPath: folder + "/\(prefix)-images-idx3-ubyte"))
        try Data(be32(0x801) + be32(10) + labels).write(
            to: URL(fileURLWithPath: folder + "/\(prefix)-labels-idx1-ubyte"))
    }
    let named = try loadDataset(DatasetRequest(dataset: .fashionMNIST, dataDir: folder), log: { _ in })
    #expect(named.name == "fashion-mnist")
    #expect(throws: LessonError.self) {
        _ = try loadDataset(DatasetRequest(dataset: .mnist, dataDir: folder), log: { _ in })
    }
    do { _ = try loadDataset(DatasetRequest(dataset: .mnist, dataDir: folder), log: { _ in }) } catch {
        #expect(
            "\(error)".contains("are fashion-mnist") && "\(error)".contains("set dataset=fashion-mnist"), "\(error)")
    }
}
