import Foundation

/// What the output files are made from: the records of every seed, combined.
struct Conclusion {
    let lesson: String
    let seeds: [UInt64]
    let parameters: [String: String]
    var checks: [Check]
    let values: [String: String]
    let numbers: [String: NumberSummary]
    let figures: [Figure]
    let status: String
}

/// Combines seed records (any order) into the run's conclusion. The records must share lesson and parameters.
/// `status`, when given, is the run's status unless a seed stopped (e.g. Ctrl-C after every seed finished).
func conclude(
    _ unsorted: [SeedRecord], seeds: [UInt64]? = nil,
    summary: (@Sendable (SeedNumbers) -> [String: String])? = nil,
    status runStatus: String? = nil
) throws -> Conclusion {
    let records = unsorted.sorted { $0.seed < $1.seed }
    guard let first = records.first else { throw LessonError("no seed records to combine") }
    let recordSeeds = records.map(\.seed)
    guard Set(recordSeeds).count == recordSeeds.count else {
        throw LessonError("seed \(duplicate(recordSeeds)) appears twice among the runs; give each seed once")
    }
    for r in records where r.lesson != first.lesson || r.parameters != first.parameters {
        let diff = Set(r.parameters.keys).union(first.parameters.keys)
            .filter { r.parameters[$0] != first.parameters[$0] }.sorted()
        throw LessonError(
            r.lesson != first.lesson
                ? "seed records of different lessons (\(first.lesson), \(r.lesson)); aggregate one lesson at a time"
                : "seed \(r.seed) was run with other parameters than seed \(first.seed) "
                    + "(\(diff.joined(separator: ", "))); aggregate only runs of the same parameters")
    }
    var numbers: [String: NumberSummary] = [:]
    for name in Set(records.flatMap(\.numbers.keys)) {
        let v = records.map { $0.numbers[name] ?? .nan }
        let s = Spread(v)
        numbers[name] = NumberSummary(mean: s.mean, sd: s.sd, standardError: s.standardError, values: v)
    }
    var values = first.values
    if records.count > 1 {
        for (name, n) in numbers where first.values[name] != nil {
            values[name] = meanAndError(n.mean, n.standardError ?? .nan)
        }
    }
    if let summary {
        for (k, v) in summary(SeedNumbers(summaries: numbers, seeds: records.count)) { values[k] = v }
    }
    let stopped = records.first { $0.status != "complete" }
    let missing = (seeds ?? recordSeeds).filter { !recordSeeds.contains($0) }
    let status =
        stopped.map { "seed \($0.seed) \($0.status)" }
        ?? (missing.isEmpty ? runStatus ?? "complete" : "stopped before seed \(missing[0])")
    return Conclusion(
        lesson: first.lesson, seeds: recordSeeds, parameters: first.parameters,
        checks: combineChecks(records), values: values, numbers: numbers,
        figures: combineFigures(records), status: status)
}

private func duplicate(_ xs: [UInt64]) -> UInt64 {
    var seen = Set<UInt64>()
    for x in xs where !seen.insert(x).inserted { return x }
    return 0
}

extension FigureNotRendered {
    /// The reason a run with `options` has when it renders nothing: rendering off, no gnuplot, or gnuplot failed.
    static func reason(options: RunOptions) -> FigureNotRendered {
        !options.render ? .notRequested : options.gnuplot == nil ? .gnuplotNotFound : .gnuplotFailed
    }
}

extension Conclusion {
    /// The conclusion with the reason each figure's caption gives when the run with `options` renders nothing.
    func withCaptions(_ options: RunOptions) -> Conclusion {
        Conclusion(
            lesson: lesson, seeds: seeds, parameters: parameters, checks: checks, values: values, numbers: numbers,
            figures: figures.map { f in
                var f = f
                f.notRendered = .reason(options: options)
                return f
            }, status: status)
    }
}

/// Combines each figure over the seed records: summary blocks (mean, then sd columns), then every seed's blocks.
func combineFigures(_ records: [SeedRecord]) -> [Figure] {
    guard let first = records.first else { return [] }
    let seeds = records.map(\.seed)
    return first.figures.map { f in
        var combined: Figure
        if !f.summarize {
            combined = f
        } else {
            let perSeed = records.compactMap { r in r.figures.first { $0.name == f.name }.map { (r.seed, $0) } }
            var blocks = f.blocks.indices.map { b in
                summaryBlock(
                    perSeed.compactMap { $0.1.blocks.indices.contains(b) ? $0.1.blocks[b] : nil }
                        .filter { $0.columns.count == f.blocks[b].columns.count }, like: f.blocks[b])
            }
            if perSeed.count > 1 {
                for (seed, g) in perSeed {
                    blocks += g.blocks.map { DataBlock("seed \(seed): \($0.name)", columns: $0.columns, rows: $0.rows) }
                }
            }
            combined = Figure(name: f.name, title: f.title, claim: f.claim, blocks: blocks, script: f.script)
            combined.parameters = f.parameters
        }
        combined.seeds = f.summarize ? seeds : [first.seed]
        return combined
    }
}

/// Combines every seed's checks, keeping the first seed's order; a check some seeds lack fails.
func combineChecks(_ records: [SeedRecord]) -> [Check] {
    var order: [String] = []
    var byID: [String: [(seed: UInt64, check: Check)]] = [:]
    for r in records {
        for c in r.uniqueChecks {
            if byID[c.id] == nil { order.append(c.id) }
            byID[c.id, default: []].append((r.seed, c))
        }
    }
    return order.map { id in
        let group = byID[id] ?? []
        var c = combine(group)
        if group.count < records.count {
            c.passed = false
            c.name += " (measured on \(group.count) of \(records.count) seeds)"
        }
        return c
    }
}
