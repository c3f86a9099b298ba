import Foundation
import Testing

@testable import NeuroModel

@Suite struct LIFTests {
    let cell = LIFParameters()

    @Test func stepIsExactExponentialRelaxation() {
        var n = LIFNeuron(parameters: cell)
        for _ in 0..<100 { _ = n.step(current: 1.0, dt: 0.1) }
        let exact = cell.vRest + cell.resistance * 1.0 * (1 - exp(-10.0 / cell.tau))
        #expect(abs(n.v - exact) < 1e-12)
    }

    @Test func spikeResetsAndHoldsForRefractoryPeriod() {
        var n = LIFNeuron(parameters: cell, v: cell.theta - 1e-3)
        let spiked = n.step(current: 5, dt: 0.1)
        #expect(spiked)
        #expect(n.v == cell.vReset)
        for _ in 0..<20 {
            let spikedDuringRefractory = n.step(current: 50, dt: 0.1)
            #expect(!spikedDuringRefractory)
            #expect(n.v == cell.vReset)
        }
        _ = n.step(current: 5, dt: 0.1)
        #expect(n.v > cell.vReset)
    }

    @Test func closedFormRateMatchesHandComputation() {
        // R I = 25 mV: ISI = 2 + 20 ln((25 + 5) / (25 − 15)) = 2 + 20 ln 3 ms.
        let expected = 1 / (2 + 20 * log(3.0))
        #expect(abs(cell.rate(current: 2.5) - expected) < 1e-15)
        #expect(cell.rate(current: cell.rheobase) == 0)
        #expect(cell.rate(current: 0.5) == 0)
        #expect(cell.rheobase == 1.5)
    }

    @Test func simulatedIntervalIsNeverShortAndAtMostOneStepLong() {
        for i in stride(from: 1.6, through: 8.0, by: 0.4) {
            let r = cell.rate(current: i)
            let rs = rateFromSpikeTimes(simulateConstantCurrent(cell, current: i, duration: 1000, dt: 0.1))
            #expect(rs <= r * (1 + 1e-9))
            #expect(rs >= r / (1 + r * 0.1) * (1 - 1e-9))
        }
    }

    @Test func slopeMatchesFiniteDifference() {
        for i in [1.8, 2.5, 4.0] {
            let h = 1e-6
            let fd = (cell.rate(current: i + h) - cell.rate(current: i - h)) / (2 * h)
            #expect(abs(cell.slope(current: i) - fd) / fd < 1e-6)
        }
        #expect(cell.slope(current: 1.0) == 0)
    }
}
