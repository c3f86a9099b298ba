import Foundation
import NeuroModel
import Testing

@testable import LessonKit
@testable import Lessons

@Suite struct Lesson08Tests {
    /// Lesson 8 at a size that runs in seconds, on Yin-Yang (also the notebook tests' size).
    static let tiny: [(String, String)] = [
        ("dataset", "yin-yang"), ("data_dir", "none"), ("hidden", "12"), ("train_limit", "640"),
        ("test_limit", "300"), ("probe", "32"), ("window", "100"), ("test_window", "100"), ("t_min", "100"),
        ("t_max", "200"), ("evaluations", "2"), ("seeds", "1")
    ]

    /// A tiny run on Yin-Yang: too small for the angle claims over seeds, so it asserts that every claim was
    /// checked, that the claims which must hold at any size hold (Dale, sign concordance, BP above chance), and
    /// that the figures' data were written.
    @Test func tinyRunChecksEveryClaim() throws {
        var options = RunOptions()
        options.lessonsDirectory = packageRoot + "/lessons"
        options.outDirectory = try temporaryFolder("l8-tiny")
        options.overrides = Lesson08Tests.tiny
        options.render = false
        let outcome = try runLessonSerially(try findLesson("8"), options: options)
        let ids = Set(outcome.checks.map(\.id))
        for l in 1...2 {
            #expect(ids.contains("layer-\(l)-angle-falls-with-window") && ids.contains("layer-\(l)-angle-to-bp"))
            #expect(ids.contains("layer-\(l)-angle-to-three-phase-falls"))
        }
        for model in ["single-phase", "three-phase", "bp"] { #expect(ids.contains("\(model)-learned")) }
        #expect(ids.contains("cost-of-one-phase"))
        for c in outcome.checks where ["dale", "sign", "bp-learned"].contains(c.id) {
            #expect(c.passed, "\(c.name): \(c.observedText)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: outcome.folder)
        for name in ["angle-vs-window.dat", "accuracy.dat", "raster.dat"] {
            #expect(files.contains(name), "no \(name)")
        }
    }

    /// The single-phase circuit gets the three-phase circuit's time per sample unless told otherwise: a forward
    /// window and one error window per hidden layer.
    @Test func singleWindowDefaultsToTheThreePhaseTimePerSample() throws {
        let notebook = try Notebook.load(packageRoot + "/lessons/08-single-phase.md")
        let cases: [([(String, String)], Double)] = [
            ([("window", "200")], 400), ([("window", "200"), ("hidden_layers", "2")], 600),
            ([("window", "100"), ("hidden_layers", "3")], 400), ([("single_window", "250")], 250)
        ]
        for (overrides, expected) in cases {
            let values = try resolveParameters(
                specs: lesson08.parameters, notebook: notebook.parameters, notebookName: "lesson 8",
                overrides: overrides)
            #expect(try Lesson08Parameters(values).singleWindow == expected, "\(overrides)")
        }
    }

    /// Bursts ride beside events: with the teacher far above every output cell's rate, the output cells burst
    /// above their baseline, and a recording lists both kinds of spike.
    @Test func burstsRideBesideEvents() {
        var rng = SplitMix64(seed: 3)
        var settings = SpikingSettings()
        settings.window = 400
        let c = SpikingCircuit(sizes: [4, 8, 3], settings: settings, rng: &rng)
        let phase = SinglePhaseSettings()
        let spikes = c.singlePhaseRecording(
            [1, 0.5, 0.2, 0.8], targets: [0.2, 0.2, 0.2], stream: 5, phase: phase, gains: [1, 50])
        let outputBursts = spikes.filter { $0.burst && $0.layer == 2 }.count
        let events = spikes.filter { !$0.burst }.count
        #expect(events > 0)
        // Teacher 200 Hz, far above the cells' rates: with β = 50, ν = ν₀ + β f′ a is above ν₀ for every
        // output cell (up to the clamp 2ν₀), so the three cells' count exceeds the baseline's 3 ν₀ T = 120 by
        // far more than its Poisson noise (sd ≈ 11).
        let baseline = phase.baseline * settings.window * 3
        #expect(
            Double(outputBursts) > baseline + 4 * baseline.squareRoot(),
            "output bursts \(outputBursts), baseline \(baseline)")
    }

    /// Results do not depend on the thread count: every sample has its own streams and sums are taken in order.
    @Test func singlePhaseUpdateIsTheSameForAnyThreadCount() {
        var rng = SplitMix64(seed: 5)
        var settings = SpikingSettings()
        settings.window = 100
        let base = SpikingCircuit(sizes: [4, 6, 5, 3], settings: settings, rng: &rng)
        let x = Matrix(rows: 7, cols: 4, data: (0..<28).map { Double($0 % 5) / 4 })
        let y = Matrix(rows: 7, cols: 3, data: (0..<21).map { $0 % 3 == 0 ? 0.1 : 0.01 })
        var updates: [[Double]] = []
        for threads in [1, 2, 4] {
            var c = base
            c.settings.threads = threads
            let gains = c.settleGains(x: x, targets: y, stream: 1, phase: SinglePhaseSettings(), rounds: 3)
            let u = c.singlePhaseUpdate(
                x: x, targets: y, learningRate: 1, stream: 2, phase: SinglePhaseSettings(), gains: gains)
            updates.append(gains + u.update.weights.flatMap(\.data) + u.update.biases.flatMap { $0 })
        }
        #expect(updates[0] == updates[1] && updates[0] == updates[2])
        #expect(updates[0].contains { $0 != 0 }, "the update is all zeros")
    }
}
