import Foundation
import Testing

@testable import Lessons

/// A JSON value, decoded strictly (a boolean is never a number).
indirect enum JSONValue: Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let x = try? c.decode(Double.self) {
            self = .number(x)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let x): return x == x.rounded() && abs(x) < 1e15 ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Validates `value` against the subset of JSON Schema that docs/results.schema.json uses (type, enum, pattern,
/// required, properties, additionalProperties, items); returns every violation with its path.
func validate(_ value: JSONValue, _ schema: JSONValue, path: String = "$") -> [String] {
    guard case .object(let s) = schema else { return [] }
    var errors: [String] = []
    if let t = s["type"] {
        let allowed: [String]
        switch t {
        case .string(let one): allowed = [one]
        case .array(let many):
            allowed = many.compactMap {
                if case .string(let x) = $0 { return x }
                return nil
            }
        default: allowed = []
        }
        let actual = value.typeName
        if !allowed.contains(actual) && !(actual == "integer" && allowed.contains("number")) {
            errors.append("\(path): \(actual), schema wants \(allowed.joined(separator: "|"))")
        }
    }
    if case .array(let options)? = s["enum"], case .string(let v) = value,
        !options.contains(where: {
            if case .string(let o) = $0 { return o == v }
            return false
        })
    {
        errors.append("\(path): '\(v)' not in enum")
    }
    if case .string(let pattern)? = s["pattern"], case .string(let v) = value,
        v.range(of: pattern, options: .regularExpression) == nil
    {
        errors.append("\(path): '\(v)' does not match \(pattern)")
    }
    if case .object(let object) = value {
        if case .array(let required)? = s["required"] {
            for case .string(let key) in required where object[key] == nil { errors.append("\(path): lacks \(key)") }
        }
        let properties: [String: JSONValue]
        if case .object(let p)? = s["properties"] { properties = p } else { properties = [:] }
        for (key, v) in object {
            if let sub = properties[key] {
                errors += validate(v, sub, path: "\(path).\(key)")
            } else if let extra = s["additionalProperties"] {
                if case .bool(false) = extra {
                    errors.append("\(path): unexpected key \(key)")
                } else {
                    errors += validate(v, extra, path: "\(path).\(key)")
                }
            }
        }
    }
    if case .array(let items) = value, let itemSchema = s["items"] {
        for (i, v) in items.enumerated() { errors += validate(v, itemSchema, path: "\(path)[\(i)]") }
    }
    return errors
}

/// docs/results.schema.json, parsed.
func resultsSchema() throws -> JSONValue {
    let path = packageRoot + "/docs/results.schema.json"
    return try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite(.serialized) struct ResultsSchemaTests {
    /// results.json of a single-seed and a multi-seed run follows docs/results.schema.json.
    @Test func resultsFollowTheSchema() throws {
        let schema = try resultsSchema()
        for seeds: [UInt64] in [[2], [2, 3]] {
            var options = RunOptions()
            options.lessonsDirectory = packageRoot + "/lessons"
            options.outDirectory = temporaryFolder("schema")
            options.overrides = [("window", "2000"), ("trials", "8")]
            options.seeds = seeds
            options.render = false
            let outcome = try runLessonSerially(try findLesson("2"), options: options)
            let data = try Data(contentsOf: URL(fileURLWithPath: outcome.folder + "/results.json"))
            let results = try JSONDecoder().decode(JSONValue.self, from: data)
            let errors = validate(results, schema)
            #expect(errors.isEmpty, "\(errors.prefix(5).joined(separator: "; "))")
            guard case .object(let top) = results, case .object(let params)? = top["parameters"],
                case .object(let window)? = params["window"]
            else {
                Issue.record("results.json lacks parameters.window")
                continue
            }
            if case .number(let w)? = window["value"] {
                #expect(w == 2000)
            } else {
                Issue.record("window not a number")
            }
            if case .string(let unit)? = window["unit"] { #expect(unit == "ms") }
        }
    }

    /// The validator itself rejects what the schema forbids.
    @Test func validatorRejectsViolations() throws {
        let schema = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(
                (#"{"type":"object","required":["a"],"additionalProperties":false,"#
                    + #""properties":{"a":{"type":"integer"}}}"#).utf8))
        let bad = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":"x","b":1}"#.utf8))
        #expect(validate(bad, schema).count == 2)
        let good = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"a":3}"#.utf8))
        #expect(validate(good, schema).isEmpty)
    }
}
