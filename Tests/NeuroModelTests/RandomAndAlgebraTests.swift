import Foundation
import Testing

@testable import NeuroModel

@Suite struct RandomAndAlgebraTests {
    @Test func splitMixIsReproducibleAndForksAreIndependent() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var f1 = SplitMix64(seed: 42).fork(1)
        var f2 = SplitMix64(seed: 42).fork(2)
        #expect(f1.next() != f2.next())
        var g = SplitMix64(seed: 7)
        let xs = (0..<20000).map { _ in g.normal() }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.05)
    }

    @Test func gemmMatchesNaiveProduct() {
        var g = SplitMix64(seed: 3)
        let a = Matrix(rows: 5, cols: 7) { _, _ in g.normal() }
        let b = Matrix(rows: 7, cols: 4) { _, _ in g.normal() }
        let c = matmul(a, b)
        for i in 0..<5 {
            for j in 0..<4 {
                let naive = (0..<7).map { a[i, $0] * b[$0, j] }.reduce(0, +)
                #expect(abs(c[i, j] - naive) < 1e-12)
            }
        }
        let ct = matmul(b, transA: true, a, transB: true)
        #expect(maxRelativeError(ct.data, c.transposed.data) < 1e-14)
    }

    @Test func angleOfParallelOrthogonalAndOpposite() {
        #expect(abs(angleDegrees([1, 2], [2, 4])) < 1e-6)
        #expect(abs(angleDegrees([1, 0], [0, 3]) - 90) < 1e-12)
        #expect(abs(angleDegrees([1, 1], [-1, -1]) - 180) < 1e-6)
        #expect(angleDegrees([0, 0], [1, 1]).isNaN)
    }

    @Test func daleRoutesSwitchWhenWeightCrossesZero() {
        var proj = DaleProjection(weights: Matrix(rows: 1, cols: 2, data: [0.5, -0.25]))
        #expect(proj.routes[0][0] == .direct(strength: 0.5))
        #expect(proj.routes[0][1] == .viaInterneuron(strength: 0.25))
        proj.update(0, 0, by: -0.75)
        proj.update(0, 1, by: 1.0)
        #expect(proj.routes[0][0] == .viaInterneuron(strength: 0.25))
        #expect(proj.routes[0][1] == .direct(strength: 0.75))
        #expect(proj.daleViolations == 0)
        #expect(proj.drive(sourceRates: [2, 4], interneuronRates: [2, 4]) == [-0.5 + 3.0])
    }
}
