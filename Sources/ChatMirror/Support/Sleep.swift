import NIOCore
import NIOPosix

/// Waits that are usually cancelled long before they end: an answer's time limit (10 minutes by default) on every
/// turn. `Task.sleep` keeps a cancelled sleep's timer and task memory (about 600 bytes) until the deadline it
/// was given, so a busy server held thousands of them and its memory rose with every turn for ten minutes. This
/// wait is an event-loop timer that is removed at once when the waiting task is cancelled.
enum Sleep {
    /// Returns after `duration`, or as soon as the task is cancelled (check `Task.isCancelled` to tell).
    static func `for`(_ duration: Duration) async {
        let (over, continuation) = AsyncStream<Never>.makeStream()
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds(duration))) {
            continuation.finish()
        }
        continuation.onTermination = { _ in timer.cancel() }
        for await _ in over {}
    }

    /// `duration` in nanoseconds, 0 if negative, at most about 290 years.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < 9_000_000_000 else { return 9_000_000_000 * 1_000_000_000 }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Returns at `deadline`, or as soon as the task is cancelled.
    static func until(_ deadline: ContinuousClock.Instant) async {
        await Self.for(ContinuousClock.now.duration(to: deadline))
    }
}
