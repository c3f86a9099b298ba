import Foundation

/// results.json: data, not text. Deterministic for given seed records (no clock readings, sorted keys), so a
/// run over several seeds and `lesson aggregate` of the same seeds write the same bytes. Schema:
/// `docs/results.schema.json`.
struct ResultsFile: Encodable {
    struct Parameter: Encodable {
        enum Value: Encodable {
            case number(Double)
            case integer(Int)
            case text(String)
            func encode(to encoder: Encoder) throws {
                var c = encoder.singleValueContainer()
                switch self {
                case .number(let x): try c.encode(x)
                case .integer(let n): try c.encode(n)
                case .text(let t): try c.encode(t)
                }
            }
        }
        let value: Value
        let unit: String
    }
    struct FigureEntry: Encodable {
        let name: String
        let title: String
        let script: String
        let data: String
    }
    static let schemaName = "microcircuit-lessons results 2"
    let schema = ResultsFile.schemaName
    let lesson: Int
    let id: String
    let title: String
    let claim: String
    let seeds: [UInt64]
    let parameters: [String: Parameter]
    let values: [String: String]
    let numbers: [String: NumberSummary]
    let checks: [Check]
    let passed: Int
    let failed: Int
    let figures: [FigureEntry]
    let versions: [String: String]
    /// "complete", or why the run stopped early.
    let status: String
}

func typedParameters(_ values: [String: String], specs: [ParameterSpec]) -> [String: ResultsFile.Parameter] {
    var out: [String: ResultsFile.Parameter] = [:]
    for s in specs {
        guard let v = values[s.name] else { continue }
        let value: ResultsFile.Parameter.Value
        switch s.kind {
        case .real: value = Double(v).map { .number($0) } ?? .text(v)
        case .integer: value = Int(v).map { .integer($0) } ?? .text(v)
        default: value = .text(v)
        }
        out[s.name] = .init(value: value, unit: s.unit)
    }
    return out
}
