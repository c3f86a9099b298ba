import Foundation
import Testing

@testable import LessonKit
@testable import Lessons

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
