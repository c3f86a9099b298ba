import Foundation

/// JSON as every output file writes it: sorted keys, non-finite numbers as strings.
func jsonEncoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    e.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf",
        nan: "NaN")
    return e
}

func jsonDecoder() -> JSONDecoder {
    let d = JSONDecoder()
    d.nonConformingFloatDecodingStrategy = .convertFromString(
        positiveInfinity: "inf", negativeInfinity: "-inf",
        nan: "NaN")
    return d
}
