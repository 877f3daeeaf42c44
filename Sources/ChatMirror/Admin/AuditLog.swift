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

    /// Records an update as the fields that changed, each `{"before": …, "after": …}` under `"changes"`, read from
    /// the API views of the object before and after (views never hold secrets); `extra` adds what the views do not
    /// show, e.g. `"password": "(changed)"`.
    func recordChange(
        actor: User, action: String, target: String?, ip: String?, before: some Encodable, after: some Encodable,
        extra: [String: JSONValue] = [:]
    ) async throws {
        let old = Self.fields(of: before)
        let new = Self.fields(of: after)
        var changes: [String: JSONValue] = [:]
        for key in Set(old.keys).union(new.keys) where key != "updated_at" && old[key] != new[key] {
            changes[key] = .object(["before": old[key] ?? .null, "after": new[key] ?? .null])
        }
        var details = extra
        if !changes.isEmpty { details["changes"] = .object(changes) }
        try await record(actor: actor, action: action, target: target, ip: ip, details: details)
    }

    /// The top-level fields of a value as the API writes it.
    private static func fields(of value: some Encodable) -> [String: JSONValue] {
        guard let data = try? JSONCoding.makeEncoder().encode(value),
              case .object(let fields)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
        return fields
    }
}
