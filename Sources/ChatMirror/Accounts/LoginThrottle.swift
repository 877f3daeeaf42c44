import Foundation

/// Counts failed logins (and wrong current passwords) per username and per client IP in a sliding window; over
/// the limit, attempts wait.
actor LoginThrottle {
    private let clock: any AppClock
    private let window: TimeInterval
    private let maxPerUser: Int
    private let maxPerIP: Int
    private var failuresByUser: [String: [Date]] = [:]
    private var failuresByIP: [String: [Date]] = [:]

    init(clock: any AppClock, windowMinutes: Int, maxPerUser: Int, maxPerIP: Int) {
        self.clock = clock
        self.window = TimeInterval(windowMinutes * 60)
        self.maxPerUser = maxPerUser
        self.maxPerIP = maxPerIP
    }

    /// Seconds until a login for this user and IP may be tried again, or nil if it may be tried now.
    func retryAfter(usernameKey: String, ip: String?) -> Int? {
        let now = clock.now()
        var waits: [TimeInterval] = []
        if let wait = Self.wait(&failuresByUser, usernameKey, maxPerUser, now: now, window: window) { waits.append(wait) }
        if let ip, let wait = Self.wait(&failuresByIP, ip, maxPerIP, now: now, window: window) { waits.append(wait) }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    /// Throws 429 `too_many_attempts` (with Retry-After) while attempts for this user or IP must wait.
    func check(usernameKey: String, ip: String?, attempts: String = "sign-ins") throws {
        guard let wait = retryAfter(usernameKey: usernameKey, ip: ip) else { return }
        throw AppError(.tooManyRequests, "too_many_attempts", "too many failed \(attempts); try again in \(wait) seconds",
                       headers: [.retryAfter: String(wait)], details: ["retry_after": .int(wait)])
    }

    func recordFailure(usernameKey: String, ip: String?) {
        let now = clock.now()
        failuresByUser[usernameKey, default: []].append(now)
        if let ip { failuresByIP[ip, default: []].append(now) }
        if failuresByUser.count > 50_000 { failuresByUser.removeAll() }
        if failuresByIP.count > 50_000 { failuresByIP.removeAll() }
    }

    func recordSuccess(usernameKey: String) {
        failuresByUser[usernameKey] = nil
    }

    private static func wait(_ table: inout [String: [Date]], _ key: String, _ limit: Int, now: Date, window: TimeInterval) -> TimeInterval? {
        guard var times = table[key] else { return nil }
        times.removeAll { now.timeIntervalSince($0) >= window }
        table[key] = times.isEmpty ? nil : times
        guard times.count >= limit, let oldest = times.first else { return nil }
        return window - now.timeIntervalSince(oldest)
    }
}
