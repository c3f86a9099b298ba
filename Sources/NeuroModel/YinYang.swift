import Foundation

/// A labelled dataset: one sample per row of `x`, integer labels in 0..<classes.
public struct Dataset: Sendable {
    public let name: String
    public var x: Matrix
    public var labels: [Int]
    public let classes: Int

    public init(name: String, x: Matrix, labels: [Int], classes: Int) {
        precondition(x.rows == labels.count, "Dataset \(name): \(x.rows) samples but \(labels.count) labels")
        self.name = name
        self.x = x
        self.labels = labels
        self.classes = classes
    }

    public var count: Int { labels.count }

    /// The first n samples.
    public func prefix(_ n: Int) -> Dataset {
        let m = min(n, count)
        return Dataset(name: name, x: x.rows(0..<m), labels: Array(labels[0..<m]), classes: classes)
    }
}

/// The Yin-Yang dataset (Kriener, Göltz & Petrovici 2021), generated here from its published procedure:
/// points uniform in [0, 2R]² inside the big circle of radius R = 0.5, class yin / yang / dot decided by
/// the two dots of radius r = 0.1 at (R/2, R) and (3R/2, R) and the half-circles of radius R/2 around
/// them; classes are drawn in turn and sampled by rejection, so the set is class-balanced.
/// Features (x, y, 1 − x, 1 − y).
public enum YinYang {
    public static let rBig = 0.5
    public static let rSmall = 0.1

    /// 0 = yin, 1 = yang, 2 = dot.
    public static func classify(_ x: Double, _ y: Double) -> Int {
        let dRight = ((x - 1.5 * rBig) * (x - 1.5 * rBig) + (y - rBig) * (y - rBig)).squareRoot()
        let dLeft = ((x - 0.5 * rBig) * (x - 0.5 * rBig) + (y - rBig) * (y - rBig)).squareRoot()
        if dRight < rSmall || dLeft < rSmall { return 2 }
        let yin = dRight <= rSmall || (dLeft > rSmall && dLeft <= 0.5 * rBig) || (y > rBig && dRight > 0.5 * rBig)
        return yin ? 0 : 1
    }

    public static func generate(count: Int, seed: UInt64, name: String) -> Dataset {
        var rng = SplitMix64(seed: seed)
        var x = Matrix(rows: count, cols: 4)
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for s in 0..<count {
            let goal = s % 3
            while true {
                let px = rng.uniform() * 2 * rBig, py = rng.uniform() * 2 * rBig
                let r2 = (px - rBig) * (px - rBig) + (py - rBig) * (py - rBig)
                guard r2 <= rBig * rBig, classify(px, py) == goal else { continue }
                x[s, 0] = px; x[s, 1] = py; x[s, 2] = 1 - px; x[s, 3] = 1 - py
                labels.append(goal)
                break
            }
        }
        return Dataset(name: name, x: x, labels: labels, classes: 3)
    }

    /// The standard split sizes 5000 / 1000 / 1000 with fixed, distinct seeds.
    public static func standard(train: Int = 5000, validation: Int = 1000, test: Int = 1000) -> (train: Dataset, validation: Dataset, test: Dataset) {
        (generate(count: train, seed: 0x5917_7A11, name: "yin-yang train"),
         generate(count: validation, seed: 0x5917_7A12, name: "yin-yang validation"),
         generate(count: test, seed: 0x5917_7A13, name: "yin-yang test"))
    }
}
