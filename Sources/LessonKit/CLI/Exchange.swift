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

/// The keys the exchange format knows, at the top level and in each layer.
let specKeys: Set<String> = [
    "method", "activation", "output_activation", "loss", "learning_rate", "layers", "x", "y", "feedback"
]
let specLayerKeys: Set<String> = ["W", "b"]

/// Reads the spec at `specPath`, or standard input for `-`.
func readSpec(_ specPath: String) throws -> Data {
    if specPath == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: specPath, isDirectory: &isFolder), !isFolder.boolValue,
        let data = FileManager.default.contents(atPath: specPath)
    else {
        throw LessonError(
            "cannot read spec \(specPath); give a JSON file as described in the README, 'Exchange format' "
                + "(or - for standard input)")
    }
    return data
}

/// Refuses what a decoder would pass over silently: a key given twice (anywhere) and a key the format does not
/// know (a misspelt `learning_rat` would otherwise run with the default rate).
func vetSpecKeys(_ data: Data, name: String) throws {
    if let duplicate = firstDuplicateKey(data) {
        throw LessonError("spec \(name): key '\(duplicate)' is given twice; give each key once")
    }
    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
    func refuse(_ keys: some Sequence<String>, known: Set<String>, in place: String) throws {
        guard let unknown = keys.filter({ !known.contains($0) }).sorted().first else { return }
        throw LessonError(
            "spec \(name): unknown key '\(unknown)'\(place); the keys are \(known.sorted().joined(separator: ", "))")
    }
    try refuse(object.keys, known: specKeys, in: "")
    for (l, layer) in ((object["layers"] as? [Any]) ?? []).enumerated() {
        if let layer = layer as? [String: Any] { try refuse(layer.keys, known: specLayerKeys, in: " in layers[\(l)]") }
    }
}

/// The first key that appears twice in one JSON object of `data` (as its path, e.g. `layers[].W`), or nil. JSON
/// parsers keep one of the two values without a word; the text is scanned for this alone.
func firstDuplicateKey(_ data: Data) -> String? {
    struct Frame {
        let isObject: Bool
        var keys: Set<String> = []
        var expectsKey = true
        var key = ""
    }
    var stack: [Frame] = []
    let bytes = [UInt8](data)
    var i = 0
    while i < bytes.count {
        switch bytes[i] {
        case UInt8(ascii: "{"): stack.append(Frame(isObject: true))
        case UInt8(ascii: "["): stack.append(Frame(isObject: false))
        case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
        case UInt8(ascii: ","): if stack.last?.isObject == true { stack[stack.count - 1].expectsKey = true }
        case UInt8(ascii: ":"): if stack.last?.isObject == true { stack[stack.count - 1].expectsKey = false }
        case UInt8(ascii: "\""):
            var j = i + 1
            while j < bytes.count && bytes[j] != UInt8(ascii: "\"") { j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1 }
            guard j < bytes.count else { return nil }
            if let top = stack.last, top.isObject, top.expectsKey {
                let raw = Data(bytes[i...j])
                let key = (try? JSONSerialization.jsonObject(with: raw, options: .fragmentsAllowed) as? String) ?? ""
                let path = stack.dropLast().map { $0.isObject ? $0.key : "[]" }.filter { !$0.isEmpty }
                if top.keys.contains(key) {
                    return (path + [key]).joined(separator: ".").replacingOccurrences(of: ".[]", with: "[]")
                }
                stack[stack.count - 1].keys.insert(key)
                stack[stack.count - 1].key = key
            }
            i = j
        default: break
        }
        i += 1
    }
    return nil
}

/// Computes every layer's update ΔW = −η dE/dW (batch mean; η = learning_rate, default 1) under the spec's method.
/// `specPath` `-` reads the spec from standard input. Unknown or repeated keys, and a loss or update that is not
/// finite (an overflow), are errors.
public func updatesJSON(specPath: String) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(try specUpdates(specPath: specPath)), as: UTF8.self)
}

/// The updates of the network and batch that the spec at `specPath` describes (see `updatesJSON`).
func specUpdates(specPath: String) throws -> UpdateOutput {
    let data = try readSpec(specPath)
    let name = specPath == "-" ? "on standard input" : specPath
    try vetSpecKeys(data, name: name)
    let spec: UpdateSpec
    do { spec = try JSONDecoder().decode(UpdateSpec.self, from: data) } catch {
        throw LessonError("spec \(name) is not valid: \(decodingMessage(error))")
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
    let inputs =
        layers.flatMap { $0.w.data + $0.b } + x.data + y.data + [eta]
        + (spec.feedback ?? []).flatMap { $0.flatMap { $0 } }
    guard inputs.allSatisfy(\.isFinite) else {
        throw LessonError("spec: a weight, input, target or learning_rate is not a finite number")
    }
    let g = net.gradients(net.forward(x), targets: y, loss: loss, feedback: feedback)
    let out = UpdateOutput(
        method: rule.rawValue, loss: g.loss,
        layers: zip(g.dW, g.db).map { dW, db in
            .init(
                dW: (0..<dW.rows).map { i in descentStep(Array(dW.row(i)), learningRate: eta) },
                db: descentStep(db, learningRate: eta))
        })
    let results = [out.loss] + out.layers.flatMap { $0.dW.flatMap { $0 } + $0.db }
    guard results.allSatisfy(\.isFinite) else {
        throw LessonError(
            "spec \(name): the loss or an update is not a finite number (an overflow); lower learning_rate or "
                + "scale the weights and inputs")
    }
    return out
}

/// An answer to grade against a spec's updates (a code exercise): the layers' dW (and db), first layer first;
/// a layer may be null (not answered), and later layers may be left out.
struct UpdateAnswer: Decodable {
    struct LayerAnswer: Decodable {
        let dW: [[Double]]
        let db: [Double]?
    }
    let layers: [LayerAnswer?]
}

/// `lesson updates --spec S --answer A`: grades the answer's updates against the spec's, layer by layer, within
/// `roundingBound` (max-norm relative error: the student's numpy and this library add the same terms in other
/// orders, which differ by rounding only). A wrong layer is named with how many entries are off and where the
/// first is; the reference values are never printed. Returns the report and whether every answered layer is
/// right (and at least one was answered).
public func gradeUpdates(specPath: String, answerPath: String) throws -> (report: String, allRight: Bool) {
    let reference = try specUpdates(specPath: specPath)
    guard isRegularFile(answerPath), let data = FileManager.default.contents(atPath: answerPath) else {
        throw LessonError("cannot read the answer \(answerPath); give a JSON file {\"layers\": [{\"dW\": [[...]]}]}")
    }
    let answer: UpdateAnswer
    do { answer = try JSONDecoder().decode(UpdateAnswer.self, from: data) } catch {
        throw LessonError(
            "the answer \(answerPath) is not {\"layers\": [{\"dW\": [[...]], \"db\": [...]}, ...]}: "
                + decodingMessage(error))
    }
    guard answer.layers.count <= reference.layers.count else {
        throw LessonError(
            "the answer has \(answer.layers.count) layers; the network has \(reference.layers.count)")
    }
    var lines: [String] = []
    var right = 0
    var wrong = 0
    for (l, given) in answer.layers.enumerated() {
        guard let given else { continue }
        let expected = reference.layers[l]
        var parts = [("dW", given.dW, expected.dW)]
        if let db = given.db { parts.append(("db", [db], [expected.db])) }
        for (what, mine, theirs) in parts {
            let name = "layer \(l + 1) \(what)"
            let shape = { (m: [[Double]]) in "\(m.count)x\(m.first?.count ?? 0)" }
            guard mine.count == theirs.count, zip(mine, theirs).allSatisfy({ $0.count == $1.count }) else {
                lines.append(
                    "\(name): WRONG shape \(shape(mine)), the update is \(shape(theirs)) (rows: the layer's units, "
                        + "columns: its inputs)")
                wrong += 1
                continue
            }
            let a = mine.flatMap { $0 }
            let b = theirs.flatMap { $0 }
            let scale = b.map(abs).max() ?? 0
            let off = a.indices.filter { !(abs(a[$0] - b[$0]) <= roundingBound * max(scale, .leastNormalMagnitude)) }
            let error = a.indices.map { abs(a[$0] - b[$0]) }.max().map { scale > 0 ? $0 / scale : $0 } ?? 0
            if off.isEmpty {
                lines.append("\(name): right (max-norm relative error \(format(error)) ≤ \(format(roundingBound)))")
                right += 1
            } else {
                let cols = theirs.first?.count ?? 1
                let first = off[0]
                let size = a.allSatisfy(\.isFinite) ? format(error) : "not finite"
                lines.append(
                    "\(name): WRONG — \(off.count) of \(a.count) entries off (max-norm relative error \(size)); "
                        + "the first at row \(first / cols), column \(first % cols)")
                wrong += 1
            }
        }
    }
    guard right + wrong > 0 else { throw LessonError("the answer gives no layer's dW") }
    lines.append("\(right) passed, \(wrong) failed")
    return (lines.joined(separator: "\n"), wrong == 0)
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
