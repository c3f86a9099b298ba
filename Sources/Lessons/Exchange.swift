import Foundation
import NeuroModel

/// The exchange format read by `lesson updates --spec FILE.json`; see README, "Exchange format".
struct UpdateSpec: Decodable {
    struct LayerSpec: Decodable {
        let W: [[Double]]
        let b: [Double]
    }
    let method: String
    let activation: String
    let output_activation: String?
    let loss: String
    let learning_rate: Double?
    let layers: [LayerSpec]
    let x: [[Double]]
    let y: [[Double]]
    let feedback: [[[Double]]]?
}

struct UpdateOutput: Encodable {
    struct LayerUpdate: Encodable {
        let dW: [[Double]]
        let db: [Double]
    }
    let method: String
    let loss: Double
    let layers: [LayerUpdate]
}

func matrix(_ rows: [[Double]], _ what: String) throws -> Matrix {
    guard let cols = rows.first?.count, cols > 0, rows.allSatisfy({ $0.count == cols }) else {
        throw LessonError("spec: \(what) must be a non-empty rectangular array of numbers")
    }
    return Matrix(rows: rows.count, cols: cols, data: rows.flatMap { $0 })
}

/// Computes every layer's update ΔW = −η dE/dW (batch mean; η = learning_rate, default 1) under the spec's method.
public func updatesJSON(specPath: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: specPath) else {
        throw LessonError(
            "cannot read spec \(specPath); give a JSON file as described in the README, 'Exchange format'")
    }
    let spec: UpdateSpec
    do { spec = try JSONDecoder().decode(UpdateSpec.self, from: data) } catch {
        throw LessonError("spec \(specPath) is not valid: \(decodingMessage(error))")
    }
    guard let rule = Rule(rawValue: spec.method) else {
        throw LessonError(
            "spec: method '\(spec.method)' is not one of \(Rule.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    guard let hidden = Activation(rawValue: spec.activation) else {
        throw LessonError(
            "spec: activation '\(spec.activation)' is not one of "
                + Activation.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard let output = Activation(rawValue: spec.output_activation ?? "linear") else {
        throw LessonError(
            "spec: output_activation '\(spec.output_activation ?? "")' is not one of "
                + Activation.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard let loss = Loss(rawValue: spec.loss) else {
        throw LessonError("spec: loss '\(spec.loss)' is not one of mse, softmax-ce")
    }
    guard !spec.layers.isEmpty else { throw LessonError("spec: layers is empty") }
    var layers: [Layer] = []
    for (l, ls) in spec.layers.enumerated() {
        let w = try matrix(ls.W, "layers[\(l)].W")
        guard ls.b.count == w.rows else {
            throw LessonError("spec: layers[\(l)].b has \(ls.b.count) entries for \(w.rows) units")
        }
        if l > 0, w.cols != layers[l - 1].w.rows {
            throw LessonError(
                "spec: layers[\(l)].W takes \(w.cols) inputs but layer \(l - 1) has \(layers[l - 1].w.rows) units")
        }
        layers.append(Layer(w: w, b: ls.b))
    }
    let net = Network(layers: layers, hidden: hidden, output: output)
    let x = try matrix(spec.x, "x")
    let y = try matrix(spec.y, "y")
    guard x.cols == net.sizes[0] else {
        throw LessonError("spec: x has \(x.cols) features, the network takes \(net.sizes[0])")
    }
    guard y.rows == x.rows, y.cols == net.sizes.last else {
        throw LessonError("spec: y must be \(x.rows)x\(net.sizes.last ?? 0)")
    }
    let feedback = try specFeedback(spec, rule: rule, network: net)
    let eta = spec.learning_rate ?? 1
    let g = net.gradients(net.forward(x), targets: y, loss: loss, feedback: feedback)
    let out = UpdateOutput(
        method: rule.rawValue, loss: g.loss,
        layers: zip(g.dW, g.db).map { dW, db in
            .init(
                dW: (0..<dW.rows).map { i in descentStep(Array(dW.row(i)), learningRate: eta) },
                db: descentStep(db, learningRate: eta))
        })
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "NaN")
    return String(decoding: try encoder.encode(out), as: UTF8.self)
}

/// The spec's feedback matrices for `rule`, checked against the network's shapes (none for BP).
func specFeedback(_ spec: UpdateSpec, rule: Rule, network: Network) throws -> Feedback {
    switch rule {
    case .bp:
        return .bp
    default:
        guard let fb = spec.feedback, fb.count == network.depth - 1 else {
            throw LessonError(
                "spec: method \(rule.rawValue) needs 'feedback' with one matrix per hidden layer "
                    + "(\(network.depth - 1))")
        }
        var ms: [Matrix] = []
        for (l, rows) in fb.enumerated() {
            let m = try matrix(rows, "feedback[\(l)]")
            let expectRows = rule == .dfa ? network.sizes[network.depth] : network.layers[l + 1].w.rows
            guard m.rows == expectRows, m.cols == network.layers[l + 1].w.cols else {
                throw LessonError(
                    "spec: feedback[\(l)] must be \(expectRows)x\(network.layers[l + 1].w.cols) for \(rule.rawValue)")
            }
            if rule.isSignConcordant, m.data.contains(where: { $0 < 0 }) {
                throw LessonError("spec: feedback[\(l)] holds magnitudes for \(rule.rawValue) and must be ≥ 0")
            }
            ms.append(m)
        }
        return Feedback(rule: rule, matrices: ms)
    }
}

func decodingMessage(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
        return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
    case DecodingError.dataCorrupted(let c): return c.debugDescription
    default: return "\(error)"
    }
}
