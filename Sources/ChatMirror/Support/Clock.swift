import Foundation
import Synchronization

/// The source of "now", injected so windows, expiries and cooldowns are testable without sleeping.
public protocol AppClock: Sendable {
    /// The current time.
    func now() -> Date
}

extension AppClock {
    /// Milliseconds since 1970, the unit every stored timestamp uses.
    func nowMillis() -> Int { Int((now().timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The real wall clock.
public struct SystemClock: AppClock {
    /// Creates the wall clock.
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock tests move by hand.
public final class ManualClock: AppClock {
    private let current: Mutex<Date>

    /// Creates a manual clock at `start`.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }

    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
