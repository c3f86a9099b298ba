import Foundation

/// Parses a seed list: `5`, `1-5`, `1,3,7`, `1-3,8`. Seeds are returned sorted; a seed named twice is refused.
public func parseSeedList(_ text: String) throws -> [UInt64] {
    let bad = LessonError.usage(
        "--seeds '\(text)' is not a seed list; write e.g. 1-5, 1,3,7 or 1-3,8 "
            + "(integers ≥ 0, at most 1000 seeds)")
    var seeds = Set<UInt64>()
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        let ends = part.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(ends.count), let a = UInt64(ends[0]), a <= UInt64(Int.max) else { throw bad }
        let b = ends.count == 2 ? UInt64(ends[1]) : a
        guard let b, b >= a, b - a < 1000, b <= UInt64(Int.max) else { throw bad }
        for s in a...b where !seeds.insert(s).inserted {
            throw LessonError.usage("--seeds '\(text)' names seed \(s) twice; give each seed once")
        }
        guard seeds.count <= 1000 else { throw bad }
    }
    guard !seeds.isEmpty else { throw bad }
    return seeds.sorted()
}

/// A seed list as text: ranges of consecutive seeds joined, e.g. `1-5,8`.
func seedListText(_ seeds: [UInt64]) -> String {
    var parts: [String] = []
    var i = 0
    while i < seeds.count {
        var j = i
        while j + 1 < seeds.count && seeds[j + 1] == seeds[j] + 1 { j += 1 }
        parts.append(j > i ? "\(seeds[i])-\(seeds[j])" : "\(seeds[i])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}
