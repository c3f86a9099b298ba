import Foundation

// Numbers as a reader expects them: a mean over seeds with its error, the digits set by the error.

/// "m ± s" with s to two significant digits and m to the same decimal place (81.96 ± 0.078 → "81.960 ± 0.078");
/// just m when every seed gave the same value (a closed form, a parameter); `format` for both when s is not
/// finite.
func meanAndError(_ mean: Double, _ error: Double) -> String {
    if error == 0 || negligibleSpread(mean, error) { return format(mean) }
    guard let decimals = decimalsForError(error), mean.isFinite else { return "\(format(mean)) ± \(format(error))" }
    if decimals > 6 {
        // Small numbers share a power of ten: "(1.57 ± 0.27)e-7", not "0.000000157 ± 0.000000027".
        let exponent = Int(log10(max(abs(mean), error)).rounded(.down))
        let scale = pow(10, Double(exponent))
        let d = decimalsForError(error / scale) ?? 2
        return String(format: "(%.\(d)f ± %.\(d)f)e%d", mean / scale, error / scale, exponent)
    }
    return String(format: "%.\(decimals)f ± %.\(decimals)f", mean, error)
}

/// The decimals that write `error` to two significant digits (0 for an error of 10 or more, at most 12); nil
/// when it is not a positive finite number.
func decimalsForError(_ error: Double) -> Int? {
    guard error.isFinite, error > 0 else { return nil }
    return min(max(1 - Int(log10(error).rounded(.down)), 0), 12)
}

/// `x` written to the decimal place `error` is written to (see `meanAndError`); `format(x)` without one.
func atPlaceOf(_ error: Double, _ x: Double) -> String {
    guard let decimals = decimalsForError(error), x.isFinite, !negligibleSpread(x, error) else { return format(x) }
    return String(format: "%.\(decimals)f", x)
}

/// A spread over seeds below what Double rounding of the value can make (1e-12 of it): the seeds agree, and
/// "27.014256438160 ± 0.000000000000" would show rounding, not a spread.
func negligibleSpread(_ mean: Double, _ error: Double) -> Bool {
    error.isFinite && mean.isFinite && error <= 1e-12 * abs(mean)
}
