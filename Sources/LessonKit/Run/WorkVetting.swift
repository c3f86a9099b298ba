import Foundation
import NeuroModel

// Before a run: its work estimate (see WorkEstimate) vetted against the memory available and a longest run.

/// Readable duration: "40 s", "12 min", "3.5 h", "2.0 days".
func durationText(_ seconds: Double) -> String {
    if seconds < 90 { return String(format: "%.0f s", seconds) }
    if seconds < 5400 { return String(format: "%.0f min", seconds / 60) }
    if seconds < 172_800 { return String(format: "%.1f h", seconds / 3600) }
    return String(format: "%.1f days", seconds / 86_400)
}

/// Runs longer than this are refused: at that size the parameters are almost certainly a slip, and a run that
/// cannot finish within a working week has nothing to show before then.
let longestRun: Double = 5 * 86_400

/// Checks a run's estimate before it starts: one line and a refusal when it cannot fit in memory or would take
/// longer than `longestRun`; a note with the expected time when it is long.
/// `available` is the memory free for it now (`availableMemory()`: not the total, which other processes share).
func vetWork(
    _ estimate: WorkEstimate?, seeds: Int, lesson: LessonDescriptor, log: (String) -> Void,
    available: Double = Double(availableMemory())
) throws {
    guard let e = estimate else { return }
    if e.bytes > 0.8 * available {
        throw LessonError(
            String(
                format: "lesson %d would need about %.1f GiB of memory, more than the %.1f GiB available now "
                    + "allows; %@", lesson.number, e.bytes / 1_073_741_824, available / 1_073_741_824, e.hint))
    }
    let seconds = e.seconds(seeds: seeds)
    if seconds > longestRun {
        throw LessonError(
            "lesson \(lesson.number) would take about \(durationText(seconds)) with these parameters "
                + "(\(seeds) seed\(seeds == 1 ? "" : "s")); \(e.hint)")
    }
    if seconds > 60 {
        log(
            "estimated time: about \(durationText(seconds)) for \(seeds) seed\(seeds == 1 ? "" : "s") "
                + "(rough, from the reference machine)")
    }
}
