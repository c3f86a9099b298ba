import Foundation

// The training loop of the long lessons: epochs one at a time, a checkpoint after each, and a run
// that Ctrl-C (or a test's stop after N epochs) ends between epochs with every completed epoch kept. The
// checkpoint format is one for every lesson (NeuroModel's `Checkpoint`, with the lesson's own state); the
// order of stop test, epoch, count and checkpoint lives here once.

/// What one epoch's training says about the model.
package enum EpochOutcome {
    /// The epoch is complete: count it, record it, checkpoint it, go on.
    case trained
    /// The model stopped early (a divergence, reported by the lesson) without stopping the run.
    case stoppedEarly
}

/// Trains epochs `first` through `last` in order. Before each epoch it throws `interrupted(epoch)` when the run must
/// stop (`RunContext.mustStopBeforeEpoch`); after each it counts the epoch (`RunContext.epochCompleted`) and
/// calls `completed(epoch)`, which records the epoch and writes the checkpoint. With `first > last` (a run
/// resumed after its last epoch) it trains nothing.
package func trainEpochs(
    from first: Int, through last: Int, _ ctx: RunContext, interrupted: (Int) -> LessonError,
    train: (Int) throws -> EpochOutcome, completed: (Int) throws -> Void
) throws {
    for epoch in stride(from: first, through: last, by: 1) {
        if ctx.mustStopBeforeEpoch { throw interrupted(epoch) }
        guard try train(epoch) == .trained else { return }
        ctx.epochCompleted()
        try completed(epoch)
    }
}

/// Runs a lesson's training with Ctrl-C caught (`withGracefulInterrupt`) and returns the error that must end
/// the run, if any: the one `body` returns, or, when Ctrl-C came during the last epoch (training is complete and
/// checkpointed), one saying how to finish with --resume.
package func trainUnderInterrupt(_ ctx: RunContext, _ body: () -> LessonError?) -> LessonError? {
    let stop = withGracefulInterrupt(body)
    if stop == nil, isInterruptRequested {
        return LessonError(
            "interrupted at the end of training; checkpoints of every epoch are in "
                + "\(ctx.finalFolder): run the same command with --resume to finish")
    }
    return stop
}

/// The message of a run stopped between epochs: where the checkpoints are and how to continue.
package func interruptedMessage(_ what: String, _ ctx: RunContext) -> String {
    "interrupted \(what) are in \(ctx.finalFolder): run the same command with --resume to continue"
}
