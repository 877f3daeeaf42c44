import Foundation
import SQLKit

/// Records admin writes (never secrets).
struct AuditLog: Sendable {
    let db: any AppDatabase
    let clock: any AppClock

    func record(actor: User, action: String, target: String?, ip: String?, details: [String: JSONValue] = [:]) async throws {
        let text = details.isEmpty ? nil : String(decoding: JSONValue.object(details).encoded(), as: UTF8.self)
        try await db.withSQL { sql in
            try await sql.insert(into: "audit_log")
                .columns("actor_id", "actor_name", "action", "target", "ip", "details", "created_at")
                .values(SQLBind(actor.id), SQLBind(actor.username), SQLBind(action), SQLBind(target), SQLBind(ip), SQLBind(text),
                        SQLBind(clock.nowMillis()))
                .run()
        }
    }
}
