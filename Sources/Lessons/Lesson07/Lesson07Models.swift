import Foundation
import LessonKit
import NeuroModel

// Lesson 7's trained models and their records: typed, never told apart by position or by a name string.

/// A model lesson 7 trains for one depth.
enum Lesson07Model: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The spiking microcircuit with the given route mode.
    case spiking(RouteMode)
    /// Its rate-level twin: the same LIF network (r = Siegert rate), trained by frSF.
    case twin
    /// The same LIF network trained by BP: the comparison the paper's headline makes.
    case bp
    /// A standard network of the same size and budget (ReLU, softmax cross-entropy) trained by BP: the field's
    /// reference, which says whether BP on the LIF network is handicapped.
    case standard

    /// Every model of a run, in the order tables and figures list them.
    static func all(routes: [RouteMode]) -> [Lesson07Model] {
        RouteMode.allCases.filter(routes.contains).map { .spiking($0) } + [.twin, .bp, .standard]
    }

    var description: String {
        switch self {
        case .spiking(let mode): return "spiking, \(mode.rawValue) routes"
        case .twin: return "rate frSF twin"
        case .bp: return "BP"
        case .standard: return "standard ReLU network"
        }
    }

    /// A word for record names and ids: spiking-moving, spiking-fixed, twin, bp, standard.
    var key: String {
        switch self {
        case .spiking(let mode): return "spiking-\(mode.rawValue)"
        case .twin: return "twin"
        case .bp: return "bp"
        case .standard: return "standard"
        }
    }

    var isSpiking: Bool {
        if case .spiking = self { return true }
        return false
    }

    /// The gnuplot style every lesson 7 figure draws the model in (style.gp's line types).
    var style: String {
        switch self {
        case .spiking(.moving): return "lt 4"
        case .spiking(.fixed): return "lt 4 dt 2"
        case .twin: return ruleStyle(.frsf)
        case .bp: return ruleStyle(.bp)
        case .standard: return standardNetworkStyle
        }
    }
}

/// What one model measured after one epoch.
struct Lesson07Epoch: Codable, Equatable, Sendable {
    var epoch: Int
    /// Test accuracy (%).
    var accuracy: Double
    /// Per layer (hidden layers first, then the output): angle of the model's update to BP's on the probe batch
    /// (spiking circuits and the twin; nil where undefined, e.g. a zero update).
    var anglesToBP: [Double?] = []
    /// Spiking circuits only: per layer, the angle of the spiking update to the rate-level frSF update.
    var anglesToFrSF: [Double?] = []
    /// Spiking circuits only: share of test samples whose top count was tied, and share of burst channels whose
    /// rate ν₀ + κε fell below zero and was clipped (probe batch).
    var tied: Double?
    var clipped: Double?
}

/// A rate network with its momentum traces: everything a `Learner` needs to continue bit for bit.
struct RateLearnerState: Codable, Sendable {
    var network: Network
    var traces: [Layer]
}

/// One model's training state and history.
struct Lesson07Trained: Codable, Sendable {
    var model: Lesson07Model
    var history: [Lesson07Epoch] = []
    var circuit: SpikingCircuitState?
    var learner: RateLearnerState?
}

/// One depth's training state: every model, saved after each epoch.
struct Lesson07Depth: Codable, Sendable {
    var depth: Int
    var epoch = 0
    var models: [Lesson07Trained]
    /// Seconds per epoch (all models together); kept in checkpoints for the ETA, never in results.
    var seconds: [Double] = []

    /// The record of `model`, if this run trains it.
    subscript(_ model: Lesson07Model) -> Lesson07Trained? { models.first { $0.model == model } }

    /// The final test accuracy of `model` (%).
    func accuracy(_ model: Lesson07Model) -> Double? { self[model]?.history.last?.accuracy }
}

/// Angles with NaN (undefined) kept as nil, so that every record can be written as JSON.
func definedAngles(_ angles: [Double]) -> [Double?] { angles.map { $0.isFinite ? $0 : nil } }
