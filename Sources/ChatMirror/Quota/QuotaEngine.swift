import Foundation
import Logging
import SQLKit

/// Which limit refused a turn, and until when.
struct QuotaExceeded: Error, Sendable {
    let level: String
    let window: String
    let limit: Int
    let used: Int
    let unit: String
    let resetsAt: Int

    /// The 429 the user sees.
    func appError(now: Int) -> AppError {
        let seconds = max(1, (resetsAt - now + 999) / 1000)
        let when = ISOTime.string(millis: resetsAt) ?? ""
        let what = level == "account" ? "the upstream account's" : level == "global" ? "the site's" : "your"
        return AppError(
            .tooManyRequests, "quota_exceeded",
            "\(what) limit of \(limit) \(unit) per \(window) is used up (\(used) used); it resets at \(when)",
            headers: [.retryAfter: String(seconds)],
            details: ["level": .string(level), "window": .string(window), "limit": .int(limit), "used": .int(used),
                      "unit": .string(unit), "resets_at": .string(when)])
    }
}

/// A reservation made at admission; settled with real tokens, or refunded when the attempt failed.
struct QuotaReservation: Sendable {
    let id: String
    let weights: [String: Int]
    static let none = QuotaReservation(id: "", weights: [:])
    var isEmpty: Bool { weights.isEmpty }

    /// A reservation known only by its id (as `open_calls` keeps it): settled or refunded through its stored events.
    static func stored(_ id: String) -> QuotaReservation { QuotaReservation(id: id, weights: [:]) }
}

/// What a user sees of one limit.
struct LimitStatus: Encodable, Sendable {
    let level: String
    let plan: String?
    let window: String
    let windowKind: String
    let modelPattern: String?
    let maxRequests: Int?
    let maxTokens: Int?
    let usedRequests: Int
    let usedTokens: Int
    let remainingRequests: Int?
    let remainingTokens: Int?
    let resetsAt: String?
    let warning: Bool
}

/// Admission at every level (global, account plan, user plan, user override) at once, exact under concurrency:
/// SQLite serialises transactions; PostgreSQL takes an advisory lock per subject, in a fixed order.
struct QuotaEngine: Sendable {
    let db: any AppDatabase
    let plans: PlanRepository
    let settings: SettingsRepository
    let clock: any AppClock
    let logger: Logger

    private struct Applicable {
        let limit: QuotaLimit
        let level: String
        let subject: String
        /// Counts are kept per level, window and model pattern, so editing a limit keeps what was used.
        var key: String { "\(level):\(limit.window.description):\(limit.modelPattern ?? "*")" }
    }

    private func applicable(user: User, account: UpstreamAccount?, model: String) async throws -> [Applicable] {
        var scopes: [(QuotaScope, Int)] = [(.global, 0), (.user, user.id)]
        if let plan = user.planId { scopes.append((.plan, plan)) }
        if let plan = account?.planId { scopes.append((.plan, plan)) }
        let rows = try await plans.limits(scopes)
        var result: [Applicable] = []
        for row in rows {
            guard let limit = QuotaLimit(row), limit.applies(to: model) else { continue }
            switch (row.scope, row.scopeId) {
            case ("global", _): result.append(Applicable(limit: limit, level: "global", subject: "global"))
            case ("user", _): result.append(Applicable(limit: limit, level: "user", subject: "user:\(user.id)"))
            case ("plan", let id):
                if id == user.planId { result.append(Applicable(limit: limit, level: "plan", subject: "user:\(user.id)")) }
                if let account, id == account.planId {
                    result.append(Applicable(limit: limit, level: "account", subject: "account:\(account.id)"))
                }
            default: break
            }
        }
        return result
    }

    /// Reserves one turn at every applicable level, all or none; throws `QuotaExceeded` naming the first limit that refuses.
    func reserve(user: User, account: UpstreamAccount?, model: String) async throws -> QuotaReservation {
        let limits = try await applicable(user: user, account: account, model: model)
        guard !limits.isEmpty else { return .none }
        let timeZone = try await settings.load().timeZone
        let reservation = UUID().uuidString.lowercased()
        let kind = db.kind
        let weights = try await db.transaction { sql -> [String: Int] in
            let now = clock.nowMillis()
            try await Self.lock(sql, kind: kind, subjects: limits.map(\.subject))
            // One read of every counter involved, the checks in memory, one write: the transaction stays short.
            let starts = limits.map { $0.limit.window.start(at: now, timeZone: timeZone) }
            let used = try await QuotaCounters.usage(sql, zip(limits, starts).map { ($0.key, $0.subject, $1) })
            // By limit key (which names the level, so one subject each): two limits of one level with the same
            // window and models (say one on requests, one on tokens) share a counter, charged once.
            var charges: [String: (subject: String, weight: Int)] = [:]
            for (index, (item, start)) in zip(limits, starts).enumerated() {
                let weight = item.limit.weight(for: model)
                let counted = used[index] ?? (0, 0)
                if let max = item.limit.maxRequests, counted.requests + weight > max {
                    throw QuotaExceeded(level: item.level, window: item.limit.window.description, limit: max, used: counted.requests,
                                        unit: "requests", resetsAt: try await resetsAt(sql, item, since: start, now: now, timeZone: timeZone))
                }
                if let max = item.limit.maxTokens, counted.tokens >= max {
                    throw QuotaExceeded(level: item.level, window: item.limit.window.description, limit: max, used: counted.tokens,
                                        unit: "tokens", resetsAt: try await resetsAt(sql, item, since: start, now: now, timeZone: timeZone))
                }
                charges[item.key] = (item.subject, weight)
            }
            var insert = sql.insert(into: "quota_events").columns("limit_key", "subject", "at", "requests", "tokens", "reservation")
            for (key, charge) in charges.sorted(by: { $0.key < $1.key }) {
                insert = insert.values(SQLBind(key), SQLBind(charge.subject), SQLBind(now), SQLBind(charge.weight), SQLBind(0),
                                       SQLBind(reservation))
            }
            try await insert.run()
            try await QuotaCounters.add(sql, charges.map {
                QuotaCounters.Charge(key: $0.key, subject: $0.value.subject, atMillis: now, requests: $0.value.weight, tokens: 0)
            })
            return charges.mapValues(\.weight)
        }
        return QuotaReservation(id: reservation, weights: weights)
    }

    /// Most tokens one turn is charged, whatever the upstream reports.
    static let largestTokenCount = 100_000_000

    /// Charges the tokens a turn really used (weighted like its requests).
    func settle(_ reservation: QuotaReservation, tokens reported: Int) async {
        guard !reservation.id.isEmpty else { return }
        // The count comes from the upstream: bounded, so weight × tokens cannot overflow.
        let tokens = min(max(0, reported), Self.largestTokenCount)
        do {
            try await db.transaction { sql in
                let events = try await Self.events(sql, of: reservation)
                try await Self.lock(sql, kind: db.kind, subjects: events.map(\.subject))
                try await QuotaCounters.add(sql, events.map {
                    QuotaCounters.Charge(key: $0.limitKey, subject: $0.subject, atMillis: $0.at, requests: 0, tokens: $0.requests * tokens - $0.tokens)
                })
                try await sql.raw("UPDATE quota_events SET tokens = requests * \(bind: tokens) WHERE reservation = \(bind: reservation.id)").run()
            }
        } catch {
            logger.error("could not settle quota", metadata: ["quota.reservation": "\(reservation.id)", "error": "\(error)"])
        }
    }

    /// Gives a failed attempt's reservation back in full.
    func refund(_ reservation: QuotaReservation) async {
        guard !reservation.id.isEmpty else { return }
        do {
            try await db.transaction { sql in
                let events = try await Self.events(sql, of: reservation)
                try await Self.lock(sql, kind: db.kind, subjects: events.map(\.subject))
                try await QuotaCounters.add(sql, events.map {
                    QuotaCounters.Charge(key: $0.limitKey, subject: $0.subject, atMillis: $0.at, requests: -$0.requests, tokens: -$0.tokens)
                })
                try await sql.raw("DELETE FROM quota_events WHERE reservation = \(bind: reservation.id)").run()
            }
        } catch {
            logger.error("could not refund quota", metadata: ["quota.reservation": "\(reservation.id)", "error": "\(error)"])
        }
    }

    /// On PostgreSQL, takes the lock of each subject, in one order, for the rest of the transaction: every write
    /// to a subject's counters happens under its lock, so admissions are exact across instances and two
    /// transactions never wait for each other's rows. (SQLite runs one transaction at a time.)
    private static func lock(_ sql: any SQLDatabase, kind: DatabaseKind, subjects: [String]) async throws {
        guard kind == .postgres else { return }
        for subject in Set(subjects).sorted() {
            try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "quota:" + subject)))").run()
        }
    }

    /// The counters a reservation charged.
    private struct ReservedEvent: Decodable {
        let limitKey: String
        let subject: String
        let at: Int
        let requests: Int
        let tokens: Int
    }

    private static func events(_ sql: any SQLDatabase, of reservation: QuotaReservation) async throws -> [ReservedEvent] {
        try await sql.raw("SELECT limit_key, subject, at, requests, tokens FROM quota_events WHERE reservation = \(bind: reservation.id)")
            .all(decoding: ReservedEvent.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// What the user has left under each limit that applies to them (any model).
    func status(for user: User) async throws -> [LimitStatus] {
        var scopes: [(QuotaScope, Int)] = [(.global, 0), (.user, user.id)]
        if let plan = user.planId { scopes.append((.plan, plan)) }
        let rows = try await plans.limits(scopes)
        var planName: String?
        if let planId = user.planId { planName = try await plans.plan(id: planId)?.name }
        let timeZone = try await settings.load().timeZone
        let now = clock.nowMillis()
        return try await db.withSQL { sql in
            var result: [LimitStatus] = []
            for row in rows {
                guard let limit = QuotaLimit(row) else { continue }
                let level = row.scope == "plan" ? "plan" : row.scope
                let subject = row.scope == "global" ? "global" : "user:\(user.id)"
                let start = limit.window.start(at: now, timeZone: timeZone)
                let item = Applicable(limit: limit, level: level, subject: subject)
                let used = try await QuotaCounters.usage(sql, [(item.key, subject, start)])[0] ?? (0, 0)
                let resets = used.requests > 0 || used.tokens > 0 || limit.window.kind == "calendar"
                    ? try await resetsAt(sql, item, since: start, now: now, timeZone: timeZone) : nil
                let requestShare = limit.maxRequests.map { $0 == 0 ? 1 : Double(used.requests) / Double($0) } ?? 0
                let tokenShare = limit.maxTokens.map { $0 == 0 ? 1 : Double(used.tokens) / Double($0) } ?? 0
                result.append(LimitStatus(
                    level: level, plan: row.scope == "plan" ? planName : nil, window: limit.window.description,
                    windowKind: limit.window.kind, modelPattern: limit.modelPattern, maxRequests: limit.maxRequests,
                    maxTokens: limit.maxTokens, usedRequests: used.requests, usedTokens: used.tokens,
                    remainingRequests: limit.maxRequests.map { max(0, $0 - used.requests) },
                    remainingTokens: limit.maxTokens.map { max(0, $0 - used.tokens) },
                    resetsAt: resets.flatMap { ISOTime.string(millis: $0) }, warning: max(requestShare, tokenShare) >= 0.8))
            }
            return result
        }
    }

    /// Calendar: the end of the period. Rolling: when the oldest counted use leaves the window.
    private func resetsAt(_ sql: any SQLDatabase, _ item: Applicable, since start: Int, now: Int, timeZone: TimeZone) async throws -> Int {
        if let end = item.limit.window.periodEnd(at: now, timeZone: timeZone) { return end }
        let oldest = try await QuotaCounters.oldestUse(sql, key: item.key, subject: item.subject, sinceMillis: start)
        return (oldest ?? now) + (item.limit.window.rollingMillis ?? 0)
    }
}
