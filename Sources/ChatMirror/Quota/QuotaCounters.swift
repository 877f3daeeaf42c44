import SQLKit

/// The counters behind every quota: what each (limit, subject) used, per second and per hour. A rolling window's
/// use is its partial first hour read by the second plus its other hours read by the hour: exact to the second,
/// and a bounded number of rows however busy the subject is.
enum QuotaCounters {
    /// An amount to add to one counter at one moment (negative to give it back).
    struct Charge {
        let key: String
        let subject: String
        let atMillis: Int
        let requests: Int
        let tokens: Int
    }

    /// Adds `charges` to the per-second and per-hour counters.
    static func add(_ sql: any SQLDatabase, _ charges: [Charge]) async throws {
        for (table, unit) in [("quota_seconds", 1), ("quota_hours", 3600)] {
            // One row per counter and bucket: an upsert may not touch a row twice.
            var merged: [String: (key: String, subject: String, at: Int, requests: Int, tokens: Int)] = [:]
            for charge in charges where charge.requests != 0 || charge.tokens != 0 {
                let at = charge.atMillis / 1000 / unit * unit
                let id = "\(charge.key)\u{1F}\(charge.subject)\u{1F}\(at)"
                let old = merged[id]
                merged[id] = (charge.key, charge.subject, at, (old?.requests ?? 0) + charge.requests, (old?.tokens ?? 0) + charge.tokens)
            }
            guard !merged.isEmpty else { continue }
            let rows = merged.sorted { $0.key < $1.key }.map(\.value).map { row -> SQLQueryString in
                "(\(bind: row.subject), \(bind: row.key), \(bind: row.at), \(bind: row.requests), \(bind: row.tokens))"
            }
            try await sql.raw("""
                INSERT INTO \(unsafeRaw: table) (subject, limit_key, at, requests, tokens) VALUES \(rows.joined(separator: ", ")) \
                ON CONFLICT (subject, limit_key, at) DO UPDATE SET requests = \(unsafeRaw: table).requests + excluded.requests, \
                tokens = \(unsafeRaw: table).tokens + excluded.tokens
                """).run()
        }
    }

    /// What several counters used since their window starts (milliseconds, exclusive, to the second), in one query;
    /// keyed by `index` into `counters`.
    static func usage(_ sql: any SQLDatabase, _ counters: [(key: String, subject: String, sinceMillis: Int)]) async throws -> [Int: (requests: Int, tokens: Int)] {
        guard !counters.isEmpty else { return [:] }
        struct Row: Decodable {
            let i: Int
            let requests: Int?
            let tokens: Int?
        }
        let parts = counters.enumerated().map { index, counter -> SQLQueryString in
            let after = counter.sinceMillis / 1000  // seconds after this one count
            let firstHourEnd = (after + 1) / 3600 * 3600 + 3600  // the partial first hour is read by the second
            return """
                SELECT \(unsafeRaw: String(index)) AS i, requests, tokens FROM quota_seconds WHERE subject = \(bind: counter.subject) \
                AND limit_key = \(bind: counter.key) AND at > \(bind: after) AND at < \(bind: firstHourEnd) \
                UNION ALL SELECT \(unsafeRaw: String(index)) AS i, requests, tokens FROM quota_hours WHERE subject = \(bind: counter.subject) \
                AND limit_key = \(bind: counter.key) AND at >= \(bind: firstHourEnd)
                """
        }
        let rows = try await sql.raw("""
            SELECT i, CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(tokens) AS BIGINT) AS tokens \
            FROM (\(parts.joined(separator: " UNION ALL "))) used GROUP BY i
            """).all(decoding: Row.self)
        return Dictionary(rows.map { ($0.i, ($0.requests ?? 0, $0.tokens ?? 0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The first second after `sinceMillis` in which the counter was used (milliseconds), if any.
    static func oldestUse(_ sql: any SQLDatabase, key: String, subject: String, sinceMillis: Int) async throws -> Int? {
        struct Row: Decodable { let at: Int? }
        return try await sql.raw("""
            SELECT MIN(at) AS at FROM quota_seconds WHERE subject = \(bind: subject) AND limit_key = \(bind: key) \
            AND at > \(bind: sinceMillis / 1000) AND (requests > 0 OR tokens > 0)
            """).first(decoding: Row.self)?.at.map { $0 * 1000 }
    }
}
