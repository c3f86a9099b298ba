import Foundation

/// Receives the points of training curves while a lesson runs (`--live`); see `RunContext.plotLive`.
public protocol LiveCurves: AnyObject {
    /// Adds the point (x, y) to the curve named `curve` and redraws.
    func add(curve: String, x: Double, y: Double)
}
