import Foundation
import Hummingbird
import SQLKit

/// Usage from the ledger: dashboard stats, per-user usage, CSV export; and the audit log.
struct AdminStatsController {
    let db: any AppDatabase
    let accounts: AccountRepository
    let pool: AccountPool
    let registry: GenerationRegistry
    let clock: any AppClock

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("stats", use: stats)
        group.get("users/:id/usage", use: userUsage)
        group.get("usage.csv", use: usageCSV)
        group.get("audit", use: auditLog)
    }

    private struct Bucket: Decodable, Encodable {
        let bucket: Int
        let requests: Int
        let tokens: Int?
    }

    private struct Named: Decodable, Encodable {
        let name: String?
        let requests: Int
        let tokens: Int?
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        let now = clock.nowMillis()
        let dayAgo = now - 86_400_000
        let monthAgo = now - 30 * 86_400_000
        let (hourly, daily, models, topUsers) = try await db.withSQL { sql in
            let hourly = try await sql.raw("""
                SELECT started_at / 3600000 AS bucket, CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT) AS tokens \
                FROM usage_events WHERE started_at > \(bind: dayAgo) GROUP BY started_at / 3600000 ORDER BY bucket
                """).all(decoding: Bucket.self)
            let daily = try await sql.raw("""
                SELECT started_at / 86400000 AS bucket, CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT) AS tokens \
                FROM usage_events WHERE started_at > \(bind: monthAgo) GROUP BY started_at / 86400000 ORDER BY bucket
                """).all(decoding: Bucket.self)
            let models = try await sql.raw("""
                SELECT model AS name, CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT) AS tokens \
                FROM usage_events WHERE started_at > \(bind: monthAgo) GROUP BY model ORDER BY requests DESC LIMIT 20
                """).all(decoding: Named.self)
            let topUsers = try await sql.raw("""
                SELECT u.username AS name, CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(e.prompt_tokens + e.completion_tokens) AS BIGINT) AS tokens \
                FROM usage_events e JOIN users u ON u.id = e.user_id WHERE e.started_at > \(bind: monthAgo) \
                GROUP BY u.username ORDER BY requests DESC LIMIT 10
                """).all(decoding: Named.self)
            return (hourly, daily, models, topUsers)
        }
        func buckets(_ rows: [Bucket], size: Int) -> JSONValue {
            .array(rows.map { .object(["start": .string(ISOTime.string(millis: $0.bucket * size) ?? ""), "requests": .int($0.requests),
                                       "tokens": .int($0.tokens ?? 0)]) })
        }
        func named(_ rows: [Named]) -> JSONValue {
            .array(rows.map { .object(["name": .string($0.name ?? "-"), "requests": .int($0.requests), "tokens": .int($0.tokens ?? 0)]) })
        }
        var body = try await LiveStats(db: db, accounts: accounts, pool: pool, registry: registry, clock: clock).snapshot()
        body["hourly"] = buckets(hourly, size: 3_600_000)
        body["daily"] = buckets(daily, size: 86_400_000)
        body["by_model"] = named(models)
        body["top_users"] = named(topUsers)
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object(body))
    }

    @Sendable func userUsage(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int.self) else { throw AppError.notFound("user") }
        let since = clock.nowMillis() - 30 * 86_400_000
        let rows = try await db.withSQL { sql in
            try await sql.raw("""
                SELECT model AS name, CAST(COUNT(*) AS BIGINT) AS requests, CAST(SUM(prompt_tokens + completion_tokens) AS BIGINT) AS tokens \
                FROM usage_events WHERE user_id = \(bind: id) AND started_at > \(bind: since) GROUP BY model ORDER BY requests DESC
                """).all(decoding: Named.self)
        }
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object([
            "user_id": .int(id), "days": .int(30),
            "by_model": .array(rows.map { .object(["model": .string($0.name ?? "-"), "requests": .int($0.requests), "tokens": .int($0.tokens ?? 0)]) }),
        ]))
    }

    /// `from` / `to` as YYYY-MM-DD (UTC, `to` inclusive), optional `user_id`.
    @Sendable func usageCSV(_ request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let from = try Self.day(query.get("from"), field: "from") ?? clock.nowMillis() - 30 * 86_400_000
        let to = try Self.day(query.get("to"), field: "to").map { $0 + 86_400_000 } ?? clock.nowMillis() + 1
        guard from < to else { throw AppError.invalid("query 'from' must be before 'to'") }
        var userId: Int?
        if let text = query.get("user_id") {
            guard let value = Int(text) else { throw AppError.invalid("query 'user_id' must be a number") }
            userId = value
        }
        struct Row: Decodable {
            let startedAt: Int
            let username: String?
            let accountId: Int?
            let model: String?
            let source: String
            let outcome: String
            let promptTokens: Int
            let completionTokens: Int
            let ttftMs: Int?
            let durationMs: Int?
        }
        let start = from
        let end = to
        let rows = try await db.withSQL { sql -> [Row] in
            var query: SQLQueryString = "SELECT e.started_at, u.username, e.account_id, e.model, e.source, e.outcome, e.prompt_tokens, "
            query = query + "e.completion_tokens, e.ttft_ms, e.duration_ms FROM usage_events e LEFT JOIN users u ON u.id = e.user_id "
            query = query + "WHERE e.started_at >= \(bind: start) AND e.started_at < \(bind: end)"
            if let userId { query = query + " AND e.user_id = \(bind: userId)" }
            query = query + " ORDER BY e.started_at LIMIT 1000000"
            return try await sql.raw(query).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        var csv = "started_at,username,account_id,model,source,outcome,prompt_tokens,completion_tokens,ttft_ms,duration_ms\n"
        for row in rows {
            var fields: [String] = []
            fields.append(ISOTime.string(millis: row.startedAt) ?? "")
            fields.append(row.username ?? "")
            fields.append(row.accountId.map { String($0) } ?? "")
            fields.append(row.model ?? "")
            fields.append(row.source)
            fields.append(row.outcome)
            fields.append(String(row.promptTokens))
            fields.append(String(row.completionTokens))
            fields.append(row.ttftMs.map { String($0) } ?? "")
            fields.append(row.durationMs.map { String($0) } ?? "")
            csv += fields.map(Self.csvField).joined(separator: ",") + "\n"
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"chatmirror-usage.csv\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    @Sendable func auditLog(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (limit, offset) = try Paging.read(request)
        let query = request.uri.queryParameters
        let from = try Self.day(query.get("from"), field: "from") ?? 0
        let to = try Self.day(query.get("to"), field: "to").map { $0 + 86_400_000 } ?? Int.max / 2
        struct Row: Decodable {
            let id: Int
            let actorId: Int?
            let actorName: String?
            let action: String
            let target: String?
            let ip: String?
            let details: String?
            let createdAt: Int
        }
        let rows = try await db.withSQL { sql in
            var conditions: [SQLQueryString] = ["created_at >= \(bind: from)", "created_at < \(bind: to)"]
            if let actor = query.get("actor") { conditions.append("actor_name = \(bind: actor)") }
            if let action = query.get("action") { conditions.append("action LIKE \(bind: ConversationRepository.escapeLike(action) + "%") ESCAPE '\\'") }
            return try await sql.raw("""
                SELECT id, actor_id, actor_name, action, target, ip, details, created_at FROM audit_log \
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(bind: limit) OFFSET \(bind: offset)
                """).all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        let entries = rows.map { row -> JSONValue in
            let details = row.details.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } ?? .null
            return .object(["id": .int(row.id), "actor_id": row.actorId.map(JSONValue.int) ?? .null, "actor": .string(row.actorName ?? ""),
                            "action": .string(row.action), "target": row.target.map(JSONValue.string) ?? .null,
                            "ip": row.ip.map(JSONValue.string) ?? .null, "details": details,
                            "created_at": .string(ISOTime.string(millis: row.createdAt) ?? "")])
        }
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object(["entries": .array(entries)]))
    }

    static func day(_ text: String?, field: String) throws -> Int? {
        guard let text else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        var components = DateComponents()
        components.timeZone = .gmt
        guard parts.count == 3 else { throw AppError.invalid("query '\(field)' must be a date like 2026-12-01 (years 1970-9999)") }
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        guard (1970...9999).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]),
              let date = Calendar(identifier: .gregorian).date(from: components) else {
            throw AppError.invalid("query '\(field)' must be a date like 2026-12-01 (years 1970-9999)")
        }
        return Int(date.timeIntervalSince1970 * 1000)
    }

    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
