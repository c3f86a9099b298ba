import Foundation

/// Receives the points of training curves while a lesson runs (`--live`); see `RunContext.plotLive`. A
/// receiver only shows the curves: nothing a run writes depends on it.
public protocol LiveCurves: AnyObject, Sendable {
    /// Starts a fresh set of curves, titled e.g. "lesson 3, seed 5" (the runner calls it for each seed).
    func begin(_ title: String)
    /// Adds the point (x, y) to the curve named `curve`, creating the curve at its first point.
    func add(curve: String, x: Double, y: Double)
    /// Draws the last state and stops; returns a note for the user (e.g. that the lesson has no curves), or nil.
    func finish() -> String?
}
