import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): state += 0x9E3779B97F4A7C15, then two xor-shift-multiply rounds.
/// Small, fast, and identical on every platform, so a seed reproduces a run bit for bit.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// Restores a generator from its `state` (checkpoints).
    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double {
        a + (b - a) * uniform()
    }

    /// Standard normal by Box–Muller: √(−2 ln u₁) cos(2π u₂).
    public mutating func normal() -> Double {
        let u1 = 1.0 - uniform()  // in (0, 1]
        let u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// Poisson spike in a bin: true with probability p (clamped to [0, 1]).
    public mutating func bernoulli(_ p: Double) -> Bool {
        uniform() < p
    }

    /// An independent generator for a named sub-stream, so adding draws to one part of a
    /// lesson does not shift the random numbers of another.
    public func fork(_ stream: UInt64) -> SplitMix64 {
        var g = SplitMix64(seed: state ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }

    /// Fisher–Yates shuffle of indices 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }
}
