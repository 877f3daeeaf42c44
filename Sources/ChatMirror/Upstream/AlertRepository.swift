import Foundation
import SQLKit

/// Account status changes, recorded once per transition, for the admin dashboard.
struct AlertRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    var webhook: WebhookSender?

    /// Records one alert: by default an account status change (`kind` "account_status"); `summary` replaces the
    /// "from → to" part for other kinds (e.g. "model_off").
    func record(
        accountId: Int, accountName: String, from: String, to: String, reason: String?,
        kind: String = "account_status", summary: String? = nil
    ) async throws {
        let message = "\(accountName): \(summary ?? "\(from) → \(to)")" + (reason.map { " (\($0))" } ?? "")
        try await db.withSQL { sql in
            try await sql.raw("""
                INSERT INTO alerts (kind, account_id, from_status, to_status, message, created_at) \
                VALUES (\(bind: kind), \(bind: accountId), \(bind: from), \(bind: to), \(bind: String(message.prefix(1000))), \(bind: clock.nowMillis()))
                """).run()
        }
        webhook?.enqueue(.object([
            "kind": .string(kind), "account_id": .int(accountId), "account_name": .string(accountName),
            "from_status": .string(from), "to_status": .string(to), "reason": reason.map(JSONValue.string) ?? .null,
            "message": .string(message), "created_at": .string(ISOTime.string(millis: clock.nowMillis()) ?? ""),
        ]))
    }

    struct Alert: Decodable, Sendable {
        let id: Int
        let kind: String
        let accountId: Int?
        let fromStatus: String?
        let toStatus: String?
        let message: String
        let createdAt: Int
        let acknowledgedAt: Int?
    }

    func list(unacknowledgedOnly: Bool, limit: Int) async throws -> [Alert] {
        try await db.withSQL { sql in
            let filter: SQLQueryString = unacknowledgedOnly ? "WHERE acknowledged_at IS NULL" : ""
            return try await sql.raw("""
                SELECT id, kind, account_id, from_status, to_status, message, created_at, acknowledged_at FROM alerts \(filter) \
                ORDER BY id DESC LIMIT \(bind: limit)
                """).all(decoding: Alert.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    func unacknowledgedCount() async throws -> Int {
        struct Row: Decodable { let n: Int }
        return try await db.withSQL { sql in
            try await sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM alerts WHERE acknowledged_at IS NULL").first(decoding: Row.self)?.n ?? 0
        }
    }

    func acknowledge(id: Int?, by userId: Int) async throws -> Bool {
        try await db.withSQL { sql in
            if let id {
                guard try await sql.raw("SELECT id FROM alerts WHERE id = \(bind: id)").first() != nil else { return false }
                try await sql.raw("UPDATE alerts SET acknowledged_at = \(bind: clock.nowMillis()), acknowledged_by = \(bind: userId) WHERE id = \(bind: id) AND acknowledged_at IS NULL").run()
            } else {
                try await sql.raw("UPDATE alerts SET acknowledged_at = \(bind: clock.nowMillis()), acknowledged_by = \(bind: userId) WHERE acknowledged_at IS NULL").run()
            }
            return true
        }
    }
}
