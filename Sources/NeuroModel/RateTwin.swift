import Foundation

// The spiking circuit's rate-level twin and the rate-level updates its spiking updates are measured against.
// Kept out of Sources/NeuroModel/Spiking on purpose: the engine itself never sees a rate-level quantity.

extension NetworkOf where T == Double {
    /// The rate network with a spiking circuit's weights and biases and r = the Siegert rate of its noisy LIF
    /// soma (`Activation.lifNoisy`): what the circuit computes when every count is replaced by its mean.
    public init(twinOf c: SpikingCircuit) {
        self.init(
            layers: zip(c.weights, c.biases).map { Layer(w: $0, b: $1) }, hidden: .lifNoisy, output: .lifNoisy)
    }
}

/// The rate-level frSF and BP updates (−η∂E/∂W with η = 1, squared error) of a network on a batch of input
/// rates, and the angle between them per layer (degrees).
public struct RateUpdates: Sendable {
    public var frsf: [Matrix]
    public var bp: [Matrix]
    public var frsfToBP: [Double]
}

/// `RateUpdates` of `net` with feedback magnitudes |R| on a batch of features `x` (rates x·`inputRate`) and target
/// rates `y`.
public func rateUpdates(_ net: Network, magnitudes: [Matrix], x: Matrix, y: Matrix, inputRate: Double)
    -> RateUpdates
{
    let pass = net.forward(x.map { $0 * inputRate })
    let frsf = net.gradients(pass, targets: y, loss: .mse, feedback: Feedback(rule: .frsf, matrices: magnitudes))
    let bp = net.gradients(pass, targets: y, loss: .mse, feedback: .bp)
    let f = frsf.dW.map { $0.map { -$0 } }
    let b = bp.dW.map { $0.map { -$0 } }
    return RateUpdates(frsf: f, bp: b, frsfToBP: zip(f, b).map { angleDegrees($0, $1) })
}
