import Testing

@testable import NeuroModel

/// The embedded Yin-Yang set against the published procedure run with numpy's RandomState (reference numbers
/// from an independent Python implementation of the procedure: class counts, first and last samples, Σx).
@Suite struct YinYangTests {
    @Test func trainingSplitIsThePublishedSet() {
        let d = YinYang.standard().train
        #expect(d.count == 5000)
        #expect((0..<3).map { c in d.labels.filter { $0 == c }.count } == [1681, 1702, 1617])
        #expect(d.x[0, 0] == 0.6803075385877797 && d.x[0, 1] == 0.450499251969543 && d.labels[0] == 2)
        #expect(d.x[4999, 0] == 0.7690797231107925 && d.labels[4999] == 2)
        let sum = (0..<d.count).map { d.x[$0, 0] }.reduce(0, +)
        #expect(abs(sum - 2528.322456568826) < 1e-9)
    }

    @Test func testSplitIsThePublishedSet() {
        let d = YinYang.standard().test
        #expect((0..<3).map { c in d.labels.filter { $0 == c }.count } == [350, 316, 334])
        #expect(d.x[0, 0] == 0.23409664559563403 && d.x[0, 1] == 0.4017249751828972 && d.labels[0] == 2)
        #expect(d.x[999, 0] == 0.32834060537145815 && d.labels[999] == 1)
    }

    /// Published numbering: a point just below the left dot lies in the yin half (class 1); its mirror image
    /// through the centre, just above the right dot, in the yang half (class 0).
    @Test func classNumbering() {
        #expect(YinYang.classify(0.25, 0.3) == 1)
        #expect(YinYang.classify(0.75, 0.7) == 0)
        #expect(YinYang.classify(0.75, 0.5) == 2)
    }
}
