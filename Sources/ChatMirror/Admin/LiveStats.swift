import Foundation
import SQLKit

/// The dashboard's live part: counters from the last minute and day, and one tile per upstream account.
struct LiveStats: Sendable {
    let db: any AppDatabase
    let accounts: AccountRepository
    let pool: AccountPool
    let registry: GenerationRegistry
    let clock: any AppClock

    private struct Counts: Decodable, Sendable {
        let requests: Int?
        let errors: Int?
        let tokens: Int?
        let users: Int?
    }

    /// Counters and account tiles as JSON fields (merged into `GET /api/admin/stats`, sent as the `stats` event).
    func snapshot() async throws -> [String: JSONValue] {
        let now = clock.nowMillis()
        let (lastMinute, today) = try await db.withSQL { sql in
            (try await Self.counts(sql, since: now - 60_000), try await Self.counts(sql, since: now - 86_400_000))
        }
        let inFlight = pool.inFlightSnapshot()
        let tiles = try await accounts.all().map { account -> JSONValue in
            .object([
                "id": .int(account.id), "name": .string(account.name), "status": .string(account.status),
                "status_reason": account.statusReason.map(JSONValue.string) ?? .null, "in_flight": .int(inFlight[account.id] ?? 0),
                "max_concurrency": .int(account.maxConcurrency),
                "last_latency_ms": account.lastLatencyMs.map(JSONValue.int) ?? .null,
                "last_check_at": ISOTime.string(millis: account.lastCheckAt).map(JSONValue.string) ?? .null,
            ])
        }
        let requestsToday = today?.requests ?? 0
        let requestsLastMinute = lastMinute?.requests ?? 0
        return [
            "streams_in_flight": .int(inFlight.values.reduce(0, +)),
            "answers_in_progress": .int(registry.count),
            "requests_last_minute": .int(requestsLastMinute),
            "error_rate_last_minute": .number(Self.rate(lastMinute?.errors, of: requestsLastMinute)),
            "requests_today": .int(requestsToday),
            "error_rate_today": .number(Self.rate(today?.errors, of: requestsToday)),
            "tokens_today": .int(today?.tokens ?? 0),
            "users_active_today": .int(today?.users ?? 0),
            "accounts": .array(tiles),
        ]
    }

    private static func rate(_ errors: Int?, of requests: Int) -> Double {
        requests == 0 ? 0 : Double(errors ?? 0) / Double(requests)
    }

    private static func counts(_ sql: any SQLDatabase, since: Int) async throws -> Counts? {
        try await sql.raw("""
            SELECT CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(CASE WHEN outcome <> 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS errors, \
            CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT) AS tokens, CAST(COUNT(DISTINCT user_id) AS BIGINT) AS users \
            FROM usage_events WHERE started_at > \(bind: since)
            """).first(decoding: Counts.self)
    }
}
