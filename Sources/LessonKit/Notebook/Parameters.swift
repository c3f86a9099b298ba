import Foundation
import NeuroModel

/// A lesson parameter as the code declares it: name, kind with its admissible values, and help. Its value,
/// default included, comes from the lesson's notebook, the one source of every default (see `resolveParameters`).
public struct ParameterSpec: Sendable {
    public enum Kind: Sendable {
        case real(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        case choice([String])
        /// A comma-separated subset of the given words, at least one.
        case list([String])
        /// Free text without spaces, e.g. a folder path ("none" for none).
        case text
    }

    public let name: String
    public let kind: Kind
    public let help: String

    public static func real(_ name: String, in range: ClosedRange<Double>, _ help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .real(range), help: help)
    }
    public static func integer(_ name: String, in range: ClosedRange<Int>, _ help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .integer(range), help: help)
    }
    public static func choice(_ name: String, of options: [String], _ help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .choice(options), help: help)
    }
    public static func list(_ name: String, of options: [String], _ help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .list(options), help: help)
    }
    public static func text(_ name: String, _ help: String) -> ParameterSpec {
        ParameterSpec(name: name, kind: .text, help: help)
    }

    /// The unit of a number, from the help text: the parenthesised group that ends its first clause, e.g.
    /// "time step (ms)", "longest window (ms); windows double from t_min" or "γ (nA per batch; 0 = off)" (a
    /// note `; N = meaning` inside the group is not part of the unit). A group that explains a value ("(0 = all)")
    /// or is longer than 30 characters is no unit; choices, lists and text have none.
    public var unit: String {
        switch kind {
        case .real, .integer: break
        case .choice, .list, .text: return ""
        }
        // The first clause: the help up to its first ';' outside parentheses.
        var depth = 0
        var end = help.endIndex
        for i in help.indices {
            switch help[i] {
            case "(": depth += 1
            case ")": depth -= 1
            case ";" where depth == 0: end = i
            default: continue
            }
            if end != help.endIndex { break }
        }
        let clause = help[..<end].trimmingCharacters(in: .whitespaces)
        guard clause.hasSuffix(")"), let open = clause.lastIndex(of: "(") else { return "" }
        var inside = clause[clause.index(after: open)..<clause.index(before: clause.endIndex)]
        if let semicolon = inside.firstIndex(of: ";"), inside[semicolon...].contains("=") {
            inside = inside[..<semicolon]
        }
        let unit = inside.trimmingCharacters(in: .whitespaces)
        return unit.count <= 30 && !unit.contains("=") ? unit : ""
    }

    public var admissible: String {
        switch kind {
        case .real(let r): return "a number in [\(format(r.lowerBound)), \(format(r.upperBound))]"
        case .integer(let r): return "an integer in \(r.lowerBound)...\(r.upperBound)"
        case .choice(let o): return "one of " + o.joined(separator: ", ")
        case .list(let o): return "a comma-separated list from " + o.joined(separator: ", ")
        case .text: return "text without spaces"
        }
    }

    /// Validates and normalises a textual value; throws a one-line error naming the parameter.
    public func normalise(_ text: String, source: String) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        let bad = LessonError.usage("\(source): \(name) = '\(text)' is not valid; expected \(admissible)")
        switch kind {
        case .real(let r):
            // Decimal notation only: Double() also reads hex floats (0x1p-3), "nan" and "inf", which a notebook
            // or a command line should not carry.
            guard t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
                let x = Double(t), x.isFinite, r.contains(x)
            else { throw bad }
            return format(x)
        case .integer(let r):
            guard let x = Int(t), r.contains(x) else { throw bad }
            return String(x)
        case .choice(let o):
            guard o.contains(t) else { throw bad }
            return t
        case .list(let o):
            let items = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty, items.allSatisfy({ o.contains($0) }), Set(items).count == items.count else {
                throw bad
            }
            return items.joined(separator: ",")
        case .text:
            guard !t.isEmpty, !t.contains(where: \.isWhitespace) else { throw bad }
            return t
        }
    }
}

/// Validated parameter values of one run, in declaration order.
public struct ParameterValues: Sendable, Equatable {
    public let specs: [String]
    public private(set) var values: [String: String]
    /// Each number's unit (`ParameterSpec.unit`), by name; empty for parameters without one.
    public fileprivate(set) var units: [String: String] = [:]
    /// The parameters `--set` gave a value other than the notebook's.
    public fileprivate(set) var setOnCommandLine: Set<String> = []

    package init(order: [String], values: [String: String]) {
        self.specs = order
        self.values = values
    }

    package func text(_ name: String) -> String {
        guard let v = values[name] else { preconditionFailure("lesson reads undeclared parameter '\(name)'") }
        return v
    }

    public func real(_ name: String) -> Double {
        guard let x = Double(text(name)) else { preconditionFailure("parameter '\(name)' is not a number") }
        return x
    }
    public func integer(_ name: String) -> Int {
        guard let x = Int(text(name)) else { preconditionFailure("parameter '\(name)' is not an integer") }
        return x
    }
    public func string(_ name: String) -> String { text(name) }
    public func list(_ name: String) -> [String] { text(name).split(separator: ",").map(String.init) }

    /// A choice parameter as a typed value (an enum case). A word `make` does not know is an error, never a
    /// silent fallback: the spec's choices and the type's cases must agree.
    package func choice<T>(_ name: String, as make: (String) -> T?) throws -> T {
        guard let value = make(text(name)) else {
            throw LessonError(
                "parameter \(name) = '\(text(name))' names no \(T.self); the lesson's choices and "
                    + "its type disagree")
        }
        return value
    }

    /// A list parameter as typed values, each word checked as in `choice`.
    package func list<T>(_ name: String, as make: (String) -> T?) throws -> [T] {
        try list(name).map { word in
            guard let value = make(word) else {
                throw LessonError("parameter \(name) lists '\(word)', which names no \(T.self)")
            }
            return value
        }
    }

    public var ordered: [(String, String)] { specs.map { ($0, values[$0] ?? "") } }

    /// Every parameter but the seeds, as a figure's header names it (see `Figure.parameters`).
    public var figureParameters: [FigureParameter] {
        specs.filter { !seedKeys.contains($0) }.map {
            FigureParameter(
                name: $0, value: values[$0] ?? "", unit: units[$0] ?? "", set: setOnCommandLine.contains($0))
        }
    }

    /// The same values with one replaced (a declared parameter).
    package func with(_ name: String, _ value: String) -> ParameterValues {
        precondition(values[name] != nil, "parameter '\(name)' is not declared")
        var copy = self
        copy.values[name] = value
        return copy
    }
}

/// The parameters that choose seeds: kept out of a seed's record, since a run over several seeds shares the rest.
let seedKeys: Set<String> = ["seed", "seeds"]

/// Resolves a run's parameters: the notebook's parameter block, which must give every declared parameter (the
/// notebook is where defaults live), then command-line overrides.
public func resolveParameters(
    specs: [ParameterSpec], notebook: [String: String], notebookName: String,
    overrides: [(String, String)]
) throws -> ParameterValues {
    var values: [String: String] = [:]
    let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    for (name, text) in notebook.sorted(by: { $0.key < $1.key }) {
        guard let spec = byName[name] else {
            throw LessonError(
                "\(notebookName): parameter block names '\(name)', which this lesson does not have; known: "
                    + specs.map(\.name).joined(separator: ", "))
        }
        values[name] = try spec.normalise(text, source: notebookName)
    }
    let missing = specs.filter { values[$0.name] == nil }
    guard missing.isEmpty else {
        throw LessonError(
            "\(notebookName): the parameter block lacks "
                + missing.map { "\($0.name) (\($0.help); \($0.admissible))" }.joined(separator: ", ")
                + "; add a line 'name = value  # comment' for each (see lessons/README.md)")
    }
    let notebookValues = values
    for (name, text) in overrides {
        guard let spec = byName[name] else {
            throw LessonError.usage(
                "unknown parameter '\(name)'; this lesson has: \(specs.map(\.name).joined(separator: ", "))")
        }
        values[name] = try spec.normalise(text, source: "--set")
    }
    var resolved = ParameterValues(order: specs.map(\.name), values: values)
    resolved.units = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0.unit) }).filter { !$0.value.isEmpty }
    resolved.setOnCommandLine = Set(overrides.map(\.0).filter { values[$0] != notebookValues[$0] })
    return resolved
}

/// A parameter error unless `stepDividesRefractory(dt, tRef)` (see the model library).
package func requireStepDividesRefractory(_ dt: Double, _ tRef: Double) throws {
    guard stepDividesRefractory(dt, tRef) else {
        throw LessonError.usage(
            "dt = \(format(dt)) ms does not divide t_ref = \(format(tRef)) ms; "
                + "choose dt so that t_ref/dt is an integer")
    }
}
