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

/// The Yin-Yang dataset (Kriener, Göltz & Petrovici 2021), generated here by its published procedure: for each
/// sample a goal class is drawn uniformly from {0, 1, 2}, then points (x, y) uniform in [0, 2R]² are drawn until
/// one lies inside the big circle of radius R = 0.5 and has the goal class. Classes use the published numbering:
/// 0 = yang, 1 = yin, 2 = dot (the two dots of radius r = 0.1 at (R/2, R) and (3R/2, R)). Features
/// (x, y, 1 − x, 1 − y). The random numbers are those of the reference implementation (a Mersenne Twister seeded
/// as numpy's `RandomState(seed)`), so the standard splits (seeds 42 / 41 / 40 for 5000 / 1000 / 1000 samples)
/// are the published sets, sample for sample.
public enum YinYang {
    public static let rBig = 0.5
    public static let rSmall = 0.1

    /// 0 = yang, 1 = yin, 2 = dot.
    public static func classify(_ x: Double, _ y: Double) -> Int {
        let dRight = ((x - 1.5 * rBig) * (x - 1.5 * rBig) + (y - rBig) * (y - rBig)).squareRoot()
        let dLeft = ((x - 0.5 * rBig) * (x - 0.5 * rBig) + (y - rBig) * (y - rBig)).squareRoot()
        if dRight < rSmall || dLeft < rSmall { return 2 }
        let yin = dRight <= rSmall || (dLeft > rSmall && dLeft <= 0.5 * rBig) || (y > rBig && dRight > 0.5 * rBig)
        return yin ? 1 : 0
    }

    public static func generate(count: Int, seed: UInt32, name: String) -> Dataset {
        var rng = MersenneTwister(seed: seed)
        var x = Matrix(rows: count, cols: 4)
        var labels: [Int] = []
        labels.reserveCapacity(count)
        for s in 0..<count {
            let goal = rng.integer(below: 3)
            while true {
                let px = rng.uniform() * 2 * rBig
                let py = rng.uniform() * 2 * rBig
                let r2 = (px - rBig) * (px - rBig) + (py - rBig) * (py - rBig)
                guard r2.squareRoot() <= rBig, classify(px, py) == goal else { continue }
                x[s, 0] = px
                x[s, 1] = py
                x[s, 2] = 1 - px
                x[s, 3] = 1 - py
                labels.append(goal)
                break
            }
        }
        return Dataset(name: name, x: x, labels: labels, classes: 3)
    }

    /// The published splits: 5000 training (seed 42), 1000 validation (41) and 1000 test (40) samples; smaller
    /// sizes take the first samples of each.
    public static func standard(train: Int = 5000, validation: Int = 1000, test: Int = 1000)
        -> (train: Dataset, validation: Dataset, test: Dataset)
    {
        (
            generate(count: train, seed: 42, name: "yin-yang train"),
            generate(count: validation, seed: 41, name: "yin-yang validation"),
            generate(count: test, seed: 40, name: "yin-yang test")
        )
    }
}

/// MT19937 (Matsumoto & Nishimura 1998) with the seeding, doubles and bounded integers of numpy's legacy
/// `RandomState`, so that data sets published with numpy code can be regenerated exactly.
public struct MersenneTwister {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }

    public mutating func next32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// Uniform in [0, 1) with 53 random bits (numpy's `random_sample`).
    public mutating func uniform() -> Double {
        let a = Double(next32() >> 5)
        let b = Double(next32() >> 6)
        return (a * 67_108_864 + b) / 9_007_199_254_740_992
    }

    /// Uniform in 0..<n by masked rejection (numpy's legacy `randint(n)` for n ≤ 2³²).
    public mutating func integer(below n: Int) -> Int {
        precondition(n >= 1 && n <= 1 << 32, "integer(below:) needs 1 ≤ n ≤ 2³²")
        let range = UInt32(n - 1)
        guard range > 0 else { return 0 }
        var mask = range
        mask |= mask >> 1
        mask |= mask >> 2
        mask |= mask >> 4
        mask |= mask >> 8
        mask |= mask >> 16
        while true {
            let v = next32() & mask
            if v <= range { return Int(v) }
        }
    }
}
